//! A `MemoryStore` fed one million distinct ids stays within its bound, in ids and in memory.
//! Its own test binary (one test), so that the process's RSS is this store's alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axhook::chrono::{TimeDelta, TimeZone, Utc};
use axhook::{dedupe_key, Claim, DedupeStore, MemoryStore, DEFAULT_LEASE, DEFAULT_RETENTION};

/// The resident set of this process, in KiB (Linux; `None` elsewhere).
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_million_distinct_ids_stay_within_the_bound() {
    const CAPACITY: usize = 100_000;
    const IDS: usize = 1_000_000;
    let store = MemoryStore::with_limits(DEFAULT_LEASE, DEFAULT_RETENTION, CAPACITY);
    let start = Utc.with_ymd_and_hms(2024, 2, 26, 0, 0, 0).unwrap();
    let mut samples = Vec::new();
    for i in 0..IDS {
        // One delivery a millisecond: every id is well within retention, so only the bound
        // makes room, by evicting the oldest completed id.
        let now = start + TimeDelta::milliseconds(i as i64);
        let key = dedupe_key(12345678, &format!("669ee575-71c1-5cf2-97ee-{i:012}"));
        match store.claim(&key, now).unwrap() {
            Claim::New(ticket) => store.complete(&ticket, now).unwrap(),
            other => panic!("id {i}: {other:?}"),
        }
        assert!(
            store.len() <= CAPACITY,
            "{} ids held after {i}",
            store.len()
        );
        if (i + 1) % 100_000 == 0 {
            samples.push((i + 1, rss_kib()));
        }
    }
    assert_eq!(store.len(), CAPACITY);
    // The most recent ids are still known; the oldest were evicted for them.
    let last = dedupe_key(
        12345678,
        &format!("669ee575-71c1-5cf2-97ee-{:012}", IDS - 1),
    );
    let now = start + TimeDelta::milliseconds(IDS as i64);
    assert!(matches!(store.claim(&last, now).unwrap(), Claim::Duplicate));

    for (n, kib) in &samples {
        println!(
            "after {n:>9} ids: RSS {} KiB",
            kib.map_or("?".into(), |k| k.to_string())
        );
    }
    // Memory plateaus once the bound is reached: from 200,000 ids on (the table is full and has
    // churned once), RSS grows by at most a tenth more.
    if let (Some((_, Some(full))), Some((_, Some(end)))) = (samples.get(1), samples.last()) {
        assert!(
            *end <= full + full / 10,
            "RSS grew from {full} KiB at 200,000 ids to {end} KiB at {IDS}"
        );
    }
}
