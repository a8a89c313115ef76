//! Runs every case of `fixtures/vectors.json` and `fixtures/hostile.json`, and every sequence
//! of `fixtures/dedupe.json`.

use std::collections::HashMap;

use axhook::chrono::{DateTime, SecondsFormat, Utc};
use axhook::{MemoryStore, Verifier, VerifierConfig};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/../../fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn verifier(config: &Value) -> Verifier {
    let config: VerifierConfig =
        serde_json::from_value(config.clone()).unwrap_or_else(|e| panic!("{e}"));
    config.build().unwrap_or_else(|e| panic!("{e}"))
}

fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            _ => 63,
        }
    };
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(4) {
        let digits: Vec<u8> = chunk.iter().copied().filter(|c| *c != b'=').collect();
        let n = digits
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, c)| acc | value(*c) << (18 - 6 * i));
        for i in 0..digits.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

fn body(case: &Value) -> Vec<u8> {
    match (&case["body"], &case["bodyBase64"], &case["bodyGenerated"]) {
        (Value::String(text), _, _) => text.as_bytes().to_vec(),
        (_, Value::String(b64), _) => decode_base64(b64),
        (_, _, Value::Object(recipe)) => {
            let text = |k: &str| recipe[k].as_str().unwrap_or_default();
            let count = recipe["count"].as_u64().unwrap_or_default() as usize;
            [
                text("prefix"),
                &text("repeat").repeat(count),
                text("suffix"),
            ]
            .concat()
            .into_bytes()
        }
        _ => panic!("case {} has no body", case["name"]),
    }
}

#[test]
fn every_vector() {
    run_cases("vectors.json", 60);
}

#[test]
fn every_hostile_case() {
    run_cases("hostile.json", 90);
}

fn run_cases(name: &str, at_least: usize) {
    let file = load(name);
    let default_now: DateTime<Utc> = file["now"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_default();
    let cases = file["cases"].as_array().cloned().unwrap_or_default();
    assert!(cases.len() >= at_least, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap_or("?");
        let now = case["now"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default_now);
        let headers: Vec<(String, String)> =
            serde_json::from_value(case["headers"].clone()).unwrap_or_default();
        let body = body(case);
        let expect = &case["expect"];
        let got = match verifier(&case["verifier"]).verify_at(&headers, &body, now) {
            Ok(d) => {
                assert_eq!(d.raw_body(), &body[..], "{name}: raw body");
                // serde_json itself stops at 128 levels, so the deepest case is compared as text.
                match serde_json::from_slice::<Value>(&body) {
                    Ok(whole) => assert_eq!(d.message(), whole["message"], "{name}: message"),
                    Err(_) => assert!(
                        String::from_utf8_lossy(&body).contains(d.message_json()),
                        "{name}"
                    ),
                }
                serde_json::json!({
                    "ok": true, "type": d.event_type().as_str(), "namespace": d.namespace(),
                    "event": d.event(), "clientId": d.client_id(), "messageId": d.message_id(),
                    "timestamp": d.timestamp().to_rfc3339_opts(SecondsFormat::Millis, true),
                    "timestampMillis": d.timestamp().timestamp_millis(),
                    "keyLabel": d.key_label(), "signed": d.signed(),
                })
            }
            Err(e) => serde_json::json!({
                "ok": false, "code": e.code(), "status": e.http_status(), "message": e.to_string(),
            }),
        };
        if &got != expect {
            failures.push(format!("{name}: expected {expect}, got {got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    println!("{} cases of {name} passed", cases.len());
}

#[test]
fn every_error_code_appears_at_least_twice() {
    let file = load("vectors.json");
    let mut counts: HashMap<String, usize> = HashMap::new();
    for case in file["cases"].as_array().into_iter().flatten() {
        if let Some(code) = case["expect"]["code"].as_str() {
            *counts.entry(code.to_string()).or_default() += 1;
        }
    }
    for code in axhook::Error::CODES {
        assert!(
            counts.get(*code).copied().unwrap_or(0) >= 2,
            "{code}: {counts:?}"
        );
    }
}

#[test]
fn every_dedupe_sequence() {
    let fixture = std::fs::read_to_string(format!(
        "{}/../../fixtures/dedupe.json",
        env!("CARGO_MANIFEST_DIR")
    ));
    let fixture = fixture.unwrap_or_else(|e| panic!("{e}"));
    let steps = axhook::testing::run_dedupe_fixture(&fixture, |_, lease, retention| {
        MemoryStore::with_limits(lease, retention, 1000)
    });
    assert!(steps.clone().is_ok_and(|n| n >= 30), "{steps:?}");
}

#[test]
fn every_event_sample_is_a_valid_known_delivery() {
    let dir = format!("{}/../../fixtures/events", env!("CARGO_MANIFEST_DIR"));
    let verifier = Verifier::builder()
        .key("k", "k")
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut seen = 0;
    for t in axhook::KNOWN_EVENTS {
        let sample: Value = load(&format!("events/{t}.json"));
        let body = serde_json::to_vec(&sample).unwrap_or_default();
        let headers = axhook::signer::signed_headers(&body, "k");
        let now = sample["timestamp"]
            .as_str()
            .and_then(|s| s.parse::<DateTime<Utc>>().ok())
            .unwrap_or_default();
        let d = verifier
            .verify_at(&headers, &body, now)
            .unwrap_or_else(|e| panic!("{dir}/{t}.json: {e}"));
        assert!(d.event_type().is_known() && d.event_type().as_str() == *t);
        seen += 1;
    }
    assert_eq!(seen, axhook::KNOWN_EVENTS.len());
}
