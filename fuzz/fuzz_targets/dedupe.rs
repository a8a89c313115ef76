//! Dedupe sequences against a simple model: any interleaving of claims, completes and
//! releases over a few keys and a moving clock gives the model's answers.
#![no_main]

use std::collections::HashMap;

use arbitrary::Arbitrary;
use axhook::chrono::{DateTime, TimeDelta, Utc};
use axhook::{Claim, DedupeStore, MemoryStore, Ticket};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Op {
    Claim { key: u8 },
    Complete { ticket: u8 },
    Release { ticket: u8 },
    Wait { seconds: u16 },
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Leased { ticket: usize, until: i64 },
    Done { until: i64 },
}

fuzz_target!(|ops: Vec<Op>| {
    let (lease, retention) = (60, 600);
    let store = MemoryStore::with_limits(TimeDelta::seconds(lease), TimeDelta::seconds(retention), 1000);
    let start: DateTime<Utc> = "2024-02-26T00:00:00Z".parse().unwrap();
    let mut t = 0i64;
    let mut model: HashMap<u8, State> = HashMap::new();
    let mut tickets: Vec<(u8, Ticket)> = Vec::new();
    for op in ops.iter().take(200) {
        let now = start + TimeDelta::seconds(t);
        match *op {
            Op::Wait { seconds } => t += i64::from(seconds % 700),
            Op::Claim { key } => {
                let key = key % 4;
                let expected = match model.get(&key) {
                    Some(State::Done { until }) if t < *until => "duplicate",
                    Some(State::Leased { until, .. }) if t < *until => "in_progress",
                    _ => "new",
                };
                let got = store.claim(&format!("1:{key}"), now).unwrap();
                assert_eq!(got.code(), expected);
                if let Claim::New(ticket) = got {
                    model.insert(key, State::Leased { ticket: tickets.len(), until: t + lease });
                    tickets.push((key, ticket));
                }
            }
            Op::Complete { ticket } | Op::Release { ticket } if !tickets.is_empty() => {
                let index = usize::from(ticket) % tickets.len();
                let (key, ticket) = &tickets[index];
                let holds = matches!(model.get(key), Some(State::Leased { ticket, .. }) if *ticket == index);
                let complete = matches!(op, Op::Complete { .. });
                let got = if complete { store.complete(ticket, now) } else { store.release(ticket) };
                assert_eq!(got.is_ok(), holds, "{op:?}");
                if holds {
                    if complete {
                        model.insert(*key, State::Done { until: t + retention });
                    } else {
                        model.remove(key);
                    }
                }
            }
            _ => {}
        }
    }
});
