//! Conformance for [`DedupeStore`] implementations: runs every sequence of
//! `fixtures/dedupe.json` against a store (feature `testing`).

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;

use crate::dedupe::{Claim, DedupeStore, Ticket};

#[derive(Deserialize)]
struct File {
    start: String,
    sequences: Vec<Sequence>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Sequence {
    name: String,
    store: Limits,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Limits {
    lease_seconds: i64,
    retention_seconds: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Step {
    op: String,
    at: i64,
    client_id: Option<u64>,
    message_id: Option<String>,
    key: Option<String>,
    ticket: String,
    expect: String,
}

/// Runs every sequence of a `dedupe.json` text. `make_store(name, lease, retention)` must
/// return a fresh, empty store for each sequence. Returns the number of steps checked, or
/// every disagreement found.
pub fn run_dedupe_fixture<S: DedupeStore>(
    json: &str,
    mut make_store: impl FnMut(&str, TimeDelta, TimeDelta) -> S,
) -> Result<usize, String> {
    let file: File = serde_json::from_str(json).map_err(|e| format!("dedupe.json: {e}"))?;
    let start: DateTime<Utc> = file
        .start
        .parse()
        .map_err(|e| format!("dedupe.json start: {e}"))?;
    let mut failures = Vec::new();
    let mut steps = 0;
    for seq in &file.sequences {
        let store = make_store(
            &seq.name,
            TimeDelta::seconds(seq.store.lease_seconds),
            TimeDelta::seconds(seq.store.retention_seconds),
        );
        let mut tickets: HashMap<&str, Ticket> = HashMap::new();
        for (i, step) in seq.steps.iter().enumerate() {
            steps += 1;
            let now = start + TimeDelta::seconds(step.at);
            let got = match step.op.as_str() {
                "claim" => {
                    let key = crate::dedupe_key(
                        step.client_id.unwrap_or_default(),
                        step.message_id.as_deref().unwrap_or_default(),
                    );
                    if step.key.as_deref() != Some(key.as_str()) {
                        failures.push(format!(
                            "{} step {i}: key {key} != {:?}",
                            seq.name, step.key
                        ));
                    }
                    match store.claim(&key, now) {
                        Ok(Claim::New(t)) => {
                            tickets.insert(&step.ticket, t);
                            "new"
                        }
                        Ok(other) => other.code(),
                        Err(e) => e.code(),
                    }
                }
                op @ ("complete" | "release") => match tickets.get(step.ticket.as_str()) {
                    None => "no such ticket",
                    Some(t) if op == "complete" => {
                        store.complete(t, now).map_or_else(|e| e.code(), |()| "ok")
                    }
                    Some(t) => store.release(t).map_or_else(|e| e.code(), |()| "ok"),
                },
                _ => "unknown op",
            };
            if got != step.expect {
                failures.push(format!(
                    "{} step {i} ({} {} at {}s): expected {}, got {got}",
                    seq.name, step.op, step.ticket, step.at, step.expect
                ));
            }
        }
    }
    if failures.is_empty() {
        Ok(steps)
    } else {
        Err(failures.join("\n"))
    }
}
