//! `make bench`: claim+complete operations per second for every store, beside a bare Redis
//! `SET NX` loop measured in the same run. One delivery = one claim + one complete.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failure should panic

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axhook::chrono::Utc;
use axhook::{Claim, DedupeStore, MemoryStore};
use axhook_redis::RedisStore;
use axhook_sqlite::SqliteStore;

/// Runs `op(i)` for distinct i on `threads` threads for about `budget`; deliveries per second.
fn rate(threads: usize, budget: Duration, op: impl Fn(usize) + Sync) -> f64 {
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while started.elapsed() < budget {
                    for _ in 0..64 {
                        op(next.fetch_add(1, Ordering::Relaxed));
                    }
                }
            });
        }
    });
    next.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// Claims and completes delivery `i` (a fresh key); the key is written into a reused buffer so
/// that the figure is the store's, not the formatting's.
fn deliver(store: &impl DedupeStore, i: usize) {
    thread_local!(static KEY: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) });
    KEY.with(|key| {
        let mut key = key.borrow_mut();
        key.clear();
        key.push_str("12345678:669ee575-71c1-5cf2-");
        let mut digits = [b'0'; 20];
        let mut n = i;
        for d in digits.iter_mut().rev() {
            *d = b'0' + (n % 10) as u8;
            n /= 10;
        }
        key.push_str(std::str::from_utf8(&digits).unwrap_or_default());
        let now = Utc::now();
        match store.claim(&key, now) {
            Ok(Claim::New(ticket)) => store.complete(&ticket, now).expect("complete"),
            other => panic!("claim {i}: {other:?}"),
        }
    });
}

fn main() {
    let budget = Duration::from_secs(3);
    let memory =
        MemoryStore::with_limits(axhook::DEFAULT_LEASE, axhook::DEFAULT_RETENTION, 10_000_000);
    let memory_rate = rate(1, budget, |i| deliver(&memory, i));

    let dir = std::env::temp_dir().join(format!("axhook-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sqlite = SqliteStore::open(dir.join("bench.sqlite3")).expect("sqlite");
    let sqlite_rate = rate(1, budget, |i| deliver(&sqlite, i));
    std::fs::remove_dir_all(&dir).ok();

    let server = support::RedisServer::start();
    let url = server.url();
    let redis_store = Arc::new(
        RedisStore::builder(&url)
            .prefix("bench:")
            .build()
            .expect("redis"),
    );
    let redis1 = rate(1, budget, |i| deliver(&*redis_store, i));
    let redis_store8 = Arc::new(
        RedisStore::builder(&url)
            .prefix("bench8:")
            .build()
            .expect("redis"),
    );
    let redis8 = rate(8, budget, |i| deliver(&*redis_store8, i));

    // The floor: a bare SET NX per operation, one connection per client thread.
    let client = redis::Client::open(url.as_str()).expect("client");
    let set_nx = |threads: usize, prefix: &'static str| {
        let conns: Vec<_> = (0..threads)
            .map(|_| std::sync::Mutex::new(client.get_connection().expect("conn")))
            .collect();
        let slot = AtomicUsize::new(0);
        thread_local!(static SLOT: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) });
        rate(threads, budget, |i| {
            let mine = SLOT.with(|s| {
                if s.get() == usize::MAX {
                    s.set(slot.fetch_add(1, Ordering::Relaxed) % threads);
                }
                s.get()
            });
            let mut conn = conns[mine].lock().expect("lock");
            let _: Option<String> = redis::cmd("SET")
                .arg(format!("{prefix}{i}"))
                .arg(1)
                .arg("NX")
                .arg("PX")
                .arg(60_000)
                .query(&mut *conn)
                .expect("SET NX");
        })
    };
    let nx1 = set_nx(1, "nx1:");
    let nx8 = set_nx(8, "nx8:");

    println!("\ndedupe stores: deliveries (claim + complete) per second, one run");
    println!("  {:<28} {:>12}  note", "store", "per second");
    println!(
        "  {:<28} {:>12.0}  target >= 2,000,000",
        "MemoryStore, 1 thread", memory_rate
    );
    println!(
        "  {:<28} {:>12.0}  WAL, synchronous=NORMAL",
        "SqliteStore, 1 thread", sqlite_rate
    );
    println!(
        "  {:<28} {:>12.0}  {:.2}x of bare SET NX ({:.0}/s); 2 round trips per delivery",
        "RedisStore, 1 client",
        redis1,
        redis1 / nx1,
        nx1
    );
    println!(
        "  {:<28} {:>12.0}  {:.2}x of bare SET NX ({:.0}/s); target >= 25,000",
        "RedisStore, 8 clients",
        redis8,
        redis8 / nx8,
        nx8
    );
}
