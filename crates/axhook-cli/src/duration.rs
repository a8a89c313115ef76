//! Durations on the command line: `500ms`, `1s`, `2.5s`, `5m`, `1h`, `14d`.

use std::time::Duration;

/// Parses a number followed by `ms`, `s`, `m`, `h` or `d` (a bare number is seconds).
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 500ms, 1s, 5m or 14d"))?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        "d" => value * 86_400.0,
        other => {
            return Err(format!(
                "unknown duration unit {other:?}: use ms, s, m, h or d"
            ))
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("{text:?}: {e}"))
}

/// A duration as a person reads it: `250ms`, `1s`, `1.5s`, `2m 8s`.
pub(crate) fn human(d: Duration) -> String {
    let ms = d.as_millis();
    match ms {
        0..=999 => format!("{ms}ms"),
        1000..=59_999 if ms.is_multiple_of(1000) => format!("{}s", ms / 1000),
        1000..=59_999 => format!("{:.1}s", d.as_secs_f64()),
        _ => {
            let s = d.as_secs();
            match (s / 3600, s % 3600 / 60, s % 60) {
                (0, m, s) => format!("{m}m {s}s"),
                (h, m, _) if h < 48 => format!("{h}h {m}m"),
                (h, _, _) => format!("{}d {}h", h / 24, h % 24),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2.5s"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("14d"), Ok(Duration::from_secs(14 * 86_400)));
        assert!(parse_duration("1 fortnight").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn shows_durations() {
        assert_eq!(human(Duration::from_millis(250)), "250ms");
        assert_eq!(human(Duration::from_secs(4)), "4s");
        assert_eq!(human(Duration::from_secs(128)), "2m 8s");
        assert_eq!(human(Duration::from_secs(2u64.pow(19))), "6d 1h");
    }
}
