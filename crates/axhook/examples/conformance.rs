//! The Rust fixture runner of `make conformance` (tests/conformance.py).
//!
//! `cargo run -q -p axhook --example conformance -- fixtures` runs every case of
//! `vectors.json` and `hostile.json` and every sequence of `dedupe.json` (each against a fresh
//! `MemoryStore`) and prints one JSON object per line on standard output: what the core
//! observed, not a verdict. tests/conformance.py compares it with the fixtures' expectations.
//! A case that cannot be run (or panics) is reported as `{"suite", "case", "error"}`; the
//! runner goes on. It exits non-zero only when a fixture file cannot be read.

use std::collections::HashMap;
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};

use axhook::chrono::{DateTime, TimeDelta, Utc};
use axhook::{Claim, DedupeStore, MemoryStore, Ticket, VerifierConfig};
use serde_json::{json, Map, Value};

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "fixtures".into());
    let mut out = std::io::stdout().lock();
    let mut code = 0;
    for suite in ["vectors", "hostile"] {
        match load(&dir, suite) {
            Ok(file) => {
                let default_now = file["now"].as_str().and_then(|s| s.parse().ok());
                for case in file["cases"].as_array().into_iter().flatten() {
                    let name = case["name"].as_str().unwrap_or("?");
                    let line = guarded(|| verify_case(case, default_now))
                        .unwrap_or_else(|e| json!({ "error": e }));
                    emit(&mut out, suite, name, line);
                }
            }
            Err(e) => {
                eprintln!("{e}");
                code = 2;
            }
        }
    }
    match load(&dir, "dedupe") {
        Ok(file) => {
            let start = file["start"].as_str().and_then(|s| s.parse().ok());
            for seq in file["sequences"].as_array().into_iter().flatten() {
                let name = seq["name"].as_str().unwrap_or("?");
                let line = guarded(|| dedupe_sequence(seq, start))
                    .unwrap_or_else(|e| json!({ "error": e }));
                emit(&mut out, "dedupe", name, line);
            }
        }
        Err(e) => {
            eprintln!("{e}");
            code = 2;
        }
    }
    std::process::exit(code);
}

fn load(dir: &str, suite: &str) -> Result<Value, String> {
    let path = format!("{dir}/{suite}.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))
}

fn emit(out: &mut impl Write, suite: &str, name: &str, line: Value) {
    let mut object = Map::new();
    object.insert("suite".into(), suite.into());
    object.insert("case".into(), name.into());
    if let Value::Object(fields) = line {
        object.extend(fields);
    }
    if writeln!(out, "{}", Value::Object(object)).is_err() {
        std::process::exit(3);
    }
}

/// Runs `f`, turning an error or a panic into the message of an `error` line.
fn guarded(f: impl FnOnce() -> Result<Value, String>) -> Result<Value, String> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(panic) => Err(format!(
            "panicked: {}",
            panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("?")
        )),
    }
}

fn verify_case(case: &Value, default_now: Option<DateTime<Utc>>) -> Result<Value, String> {
    let config: VerifierConfig =
        serde_json::from_value(case["verifier"].clone()).map_err(|e| format!("verifier: {e}"))?;
    let verifier = config.build().map_err(|e| format!("verifier: {e}"))?;
    let now = match case["now"].as_str() {
        Some(s) => s.parse().map_err(|e| format!("now {s:?}: {e}"))?,
        None => default_now.ok_or("no now")?,
    };
    let headers: Vec<(String, String)> =
        serde_json::from_value(case["headers"].clone()).map_err(|e| format!("headers: {e}"))?;
    let body = body(case)?;
    Ok(match verifier.verify_at(&headers, &body, now) {
        Ok(d) => {
            let expected = body_message(&body).ok_or("the accepted body has no message")?;
            json!({
                "ok": true,
                "delivery": {
                    "type": d.event_type().as_str(), "namespace": d.namespace(),
                    "event": d.event(), "clientId": d.client_id(), "messageId": d.message_id(),
                    "timestampMillis": d.timestamp().timestamp_millis(),
                    "keyLabel": d.key_label(), "signed": d.signed(),
                    "messageEqual": d.message() == expected,
                },
            })
        }
        Err(e) => json!({ "ok": false, "code": e.code(), "status": e.http_status() }),
    })
}

fn body(case: &Value) -> Result<Vec<u8>, String> {
    if let Some(text) = case["body"].as_str() {
        return Ok(text.as_bytes().to_vec());
    }
    if let Some(b64) = case["bodyBase64"].as_str() {
        return decode_base64(b64);
    }
    let g = &case["bodyGenerated"];
    match (
        g["prefix"].as_str(),
        g["repeat"].as_str(),
        g["count"].as_u64(),
        g["suffix"].as_str(),
    ) {
        (Some(prefix), Some(repeat), Some(count), Some(suffix)) => {
            let count = usize::try_from(count).map_err(|e| e.to_string())?;
            let mut body = Vec::with_capacity(prefix.len() + repeat.len() * count + suffix.len());
            body.extend_from_slice(prefix.as_bytes());
            for _ in 0..count {
                body.extend_from_slice(repeat.as_bytes());
            }
            body.extend_from_slice(suffix.as_bytes());
            Ok(body)
        }
        _ => Err("no body, bodyBase64 or bodyGenerated".into()),
    }
}

fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    let digit = |c: u8| -> Result<u32, String> {
        Ok(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err(format!("bodyBase64: bad character {:?}", char::from(c))),
        })
    };
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(4) {
        let digits: Vec<u8> = chunk.iter().copied().filter(|c| *c != b'=').collect();
        let mut n = 0u32;
        for (i, c) in digits.iter().enumerate() {
            n |= digit(*c)? << (18 - 6 * i);
        }
        for i in 0..digits.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Ok(out)
}

/// The body's `message` value, parsed independently of the verifier: serde_json, or (for the
/// deepest bodies, beyond serde_json's own nesting limit of 128) the small parser below.
fn body_message(body: &[u8]) -> Option<Value> {
    let whole = serde_json::from_slice::<Value>(body)
        .ok()
        .or_else(|| Parser::parse(std::str::from_utf8(body).ok()?))?;
    whole.get("message").cloned()
}

/// A plain recursive JSON parser without a depth limit, for values the verifier accepted.
struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn parse(text: &str) -> Option<Value> {
        let mut p = Parser {
            text: text.as_bytes(),
            at: 0,
        };
        let value = p.value()?;
        p.space();
        (p.at == p.text.len()).then_some(value)
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        self.space();
        let hit = self.peek() == Some(c);
        if hit {
            self.at += 1;
        }
        hit
    }

    fn value(&mut self) -> Option<Value> {
        self.space();
        match self.peek()? {
            b'{' => {
                self.at += 1;
                let mut map = Map::new();
                if self.eat(b'}') {
                    return Some(Value::Object(map));
                }
                loop {
                    self.space();
                    let key = self.string()?;
                    if !self.eat(b':') {
                        return None;
                    }
                    let value = self.value()?;
                    map.insert(key, value);
                    if self.eat(b'}') {
                        return Some(Value::Object(map));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                if self.eat(b']') {
                    return Some(Value::Array(items));
                }
                loop {
                    items.push(self.value()?);
                    if self.eat(b']') {
                        return Some(Value::Array(items));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'"' => self.string().map(Value::String),
            _ => {
                let start = self.at;
                while matches!(self.peek(), Some(c) if !b",]} \t\r\n".contains(&c)) {
                    self.at += 1;
                }
                let token = std::str::from_utf8(&self.text[start..self.at]).ok()?;
                serde_json::from_str(token).ok()
            }
        }
    }

    fn string(&mut self) -> Option<String> {
        let start = self.at;
        if self.peek()? != b'"' {
            return None;
        }
        self.at += 1;
        loop {
            match self.peek()? {
                b'\\' => self.at += 2,
                b'"' => break,
                _ => self.at += 1,
            }
        }
        self.at += 1;
        let token = std::str::from_utf8(self.text.get(start..self.at)?).ok()?;
        serde_json::from_str(token).ok()
    }
}

fn dedupe_sequence(seq: &Value, start: Option<DateTime<Utc>>) -> Result<Value, String> {
    let start = start.ok_or("dedupe.json: no start")?;
    let seconds = |v: &Value, what: &str| v.as_i64().ok_or(format!("{what} is not an integer"));
    let lease = seconds(&seq["store"]["leaseSeconds"], "leaseSeconds")?;
    let retention = seconds(&seq["store"]["retentionSeconds"], "retentionSeconds")?;
    let store = MemoryStore::with_limits(
        TimeDelta::seconds(lease),
        TimeDelta::seconds(retention),
        1000,
    );
    let mut tickets: HashMap<String, Ticket> = HashMap::new();
    let mut results = Vec::new();
    for step in seq["steps"].as_array().into_iter().flatten() {
        let now = start + TimeDelta::seconds(seconds(&step["at"], "at")?);
        let ticket = step["ticket"].as_str().unwrap_or_default().to_string();
        let result = match step["op"].as_str() {
            Some("claim") => {
                let key = axhook::dedupe_key(
                    step["clientId"].as_u64().ok_or("claim without clientId")?,
                    step["messageId"]
                        .as_str()
                        .ok_or("claim without messageId")?,
                );
                match store.claim(&key, now) {
                    Ok(Claim::New(t)) => {
                        tickets.insert(ticket, t);
                        "new"
                    }
                    Ok(other) => other.code(),
                    Err(e) => e.code(),
                }
            }
            Some(op @ ("complete" | "release")) => {
                let t = tickets
                    .get(&ticket)
                    .ok_or(format!("{op} of unknown ticket {ticket:?}"))?;
                let settled = if op == "complete" {
                    store.complete(t, now)
                } else {
                    store.release(t)
                };
                settled.map_or_else(|e| e.code(), |()| "ok")
            }
            other => return Err(format!("unknown op {other:?}")),
        };
        results.push(result);
    }
    Ok(json!({ "results": results }))
}
