//! Verify + parse against the physical floor (a bare pre-keyed HMAC-SHA256 of the same bytes)
//! and against the hand-written receiver (HMAC check + `serde_json::Value`), at 1 KiB, 64 KiB
//! and 1 MiB. Prints the ratios after criterion's own report.

use std::path::{Path, PathBuf};

use axhook::chrono::{DateTime, Utc};
use axhook::signer::{sample_message, signed_headers, DeliveryBuilder};
use axhook::Verifier;
use criterion::{black_box, BenchmarkId, Criterion, Throughput};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const KEY: &str = "ax-private-key-7f3c9a";
const SIZES: [(&str, usize); 3] = [("1KiB", 1024), ("64KiB", 64 << 10), ("1MiB", 1 << 20)];

fn now() -> DateTime<Utc> {
    "2024-02-26T00:00:00Z".parse().unwrap_or_default()
}

/// A realistic delivery of at most `size` bytes: a workshop with as many enrolments as fit.
fn delivery(size: usize) -> Vec<u8> {
    let at = "2024-02-25T23:30:38.056Z".parse().unwrap_or_default();
    let build = |n: usize| {
        let records: Vec<Value> = (0..n)
            .map(|i| {
                json!({"contactId": 500_000 + i, "givenName": format!("Student {i}"),
                    "emailAddress": format!("student{i}@example.edu.au"), "status": "Enrolled",
                    "units": ["TAEDES411", "TAEASS412"], "progress": (i % 100) as f64 / 100.0})
            })
            .collect();
        let mut message = sample_message("course.workshop_updated", 1);
        message["workshop"]["enrolments"] = json!(records);
        DeliveryBuilder::new("course.workshop_updated")
            .message(message)
            .message_id("669ee575-71c1-5cf2-97ee-bb20be1f817d")
            .timestamp(at)
            .body()
            .0
    };
    // Largest record count that fits, by binary search.
    let (mut lo, mut hi) = (0, 1);
    while build(hi).len() <= size {
        (lo, hi) = (hi, hi * 2);
    }
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if build(mid).len() <= size {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    build(lo)
}

fn bench(c: &mut Criterion) {
    let verifier = Verifier::builder()
        .key("current", KEY)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mac =
        <Hmac<Sha256> as Mac>::new_from_slice(KEY.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    for (name, size) in SIZES {
        let body = delivery(size);
        let headers = signed_headers(&body, KEY);
        let sig = hex::decode(&headers[1].1).unwrap_or_default();
        assert!(verifier.verify_at(&headers, &body, now()).is_ok());
        let mut group = c.benchmark_group(format!("verify_{name}"));
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(BenchmarkId::from_parameter("bare_hmac"), |b| {
            b.iter(|| {
                let mut m = mac.clone();
                m.update(black_box(&body));
                black_box(m.finalize().into_bytes())
            })
        });
        group.bench_function(BenchmarkId::from_parameter("axhook"), |b| {
            b.iter(|| {
                black_box(verifier.verify_at(black_box(&headers), black_box(&body), now())).is_ok()
            })
        });
        group.bench_function(BenchmarkId::from_parameter("handwritten"), |b| {
            b.iter(|| {
                let mut m = mac.clone();
                m.update(black_box(&body));
                m.verify_slice(&sig).is_ok()
                    && serde_json::from_slice::<Value>(black_box(&body)).is_ok()
            })
        });
        group.finish();
    }
}

/// Runs the benchmark group (criterion's macro, wrapped for its doc comment).
mod group {
    #![allow(missing_docs)]
    criterion::criterion_group!(benches, super::bench);
}

fn mean_ns(root: &Path, group: &str, id: &str) -> Option<f64> {
    let path = root.join(group).join(id).join("new/estimates.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

fn main() {
    group::benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target")));
    let root = target.join("criterion");
    println!("\naxhook verify+parse, ratios from this run (time relative to a bare HMAC-SHA256 of the same bytes):");
    println!(
        "{:>7} {:>10} {:>12} {:>12} {:>14} {:>13} {:>14}",
        "size", "bytes", "hmac", "axhook", "axhook/hmac", "hmac thrpt %", "handwritten/ax"
    );
    for (name, size) in SIZES {
        let group = format!("verify_{name}");
        let (Some(h), Some(a), Some(w)) = (
            mean_ns(&root, &group, "bare_hmac"),
            mean_ns(&root, &group, "axhook"),
            mean_ns(&root, &group, "handwritten"),
        ) else {
            println!("{name:>7}: no estimates under {}", root.display());
            continue;
        };
        let bytes = delivery(size).len();
        println!(
            "{name:>7} {bytes:>10} {:>10.0}ns {:>10.0}ns {:>13.2}x {:>12.0}% {:>13.2}x",
            h,
            a,
            a / h,
            100.0 * h / a,
            w / a
        );
    }
    println!("targets: 1KiB axhook/hmac <= 2.00x; 1MiB throughput >= 50% of hmac");
}
