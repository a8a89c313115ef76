//! Structured log lines on standard error: `key=value` text (coloured on a terminal) or, with
//! `--json`, one JSON object per line. Keys and tokens are never passed here.

use std::io::Write;

use chrono::{SecondsFormat, Utc};
use serde_json::{Map, Value};

use crate::output::Style;

/// Where log lines go and how they look.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Log {
    /// `ts level event key=value …`.
    Text(Style),
    /// `{"ts": …, "level": …, "event": …, …}`.
    Json,
    /// Nothing (the demo prints its own table).
    Off,
}

impl Log {
    /// Text or JSON lines on standard error.
    pub fn stderr(json: bool) -> Self {
        if json {
            Log::Json
        } else {
            Log::Text(Style::stderr())
        }
    }

    /// Writes one line: `level` (info, warn, error), an `event` name and its fields.
    pub fn line(&self, level: &str, event: &str, fields: &[(&str, Value)]) {
        let ts = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        let line = match self {
            Log::Off => return,
            Log::Json => {
                let mut object = Map::new();
                object.insert("ts".into(), ts.into());
                object.insert("level".into(), level.into());
                object.insert("event".into(), event.into());
                for (k, v) in fields {
                    object.insert((*k).into(), v.clone());
                }
                Value::Object(object).to_string()
            }
            Log::Text(style) => text_line(*style, &ts, level, event, fields),
        };
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{line}");
    }
}

fn text_line(style: Style, ts: &str, level: &str, event: &str, fields: &[(&str, Value)]) -> String {
    let status = fields
        .iter()
        .find(|(k, _)| *k == "status")
        .and_then(|(_, v)| v.as_u64())
        .and_then(|s| u16::try_from(s).ok());
    let level = match level {
        "warn" => style.yellow("WARN "),
        "error" => style.red("ERROR"),
        _ => style.dim("INFO "),
    };
    let mut line = format!("{} {level} {}", style.dim(ts), style.bold(event));
    for (key, value) in fields {
        if value.is_null() {
            continue;
        }
        let text = match value {
            Value::String(s) if needs_quotes(s) => Value::from(s.as_str()).to_string(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let text = match (*key, status) {
            ("code" | "status", Some(status)) => style.outcome(status, &text),
            _ => text,
        };
        line.push_str(&format!(" {}={text}", style.dim(key)));
    }
    line
}

fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '=' || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_lines_quote_what_needs_it() {
        let line = text_line(
            Style::plain(),
            "T",
            "info",
            "delivery",
            &[
                ("status", 200.into()),
                ("code", "processed".into()),
                ("why", "a b".into()),
                ("none", Value::Null),
            ],
        );
        assert_eq!(
            line,
            "T INFO  delivery status=200 code=processed why=\"a b\""
        );
    }
}
