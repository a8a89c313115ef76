//! `MemoryStore` under contention: exactly one `New` per id, whatever the interleaving.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use axhook::chrono::Utc;
use axhook::{Claim, DedupeStore, MemoryStore};

#[test]
fn eight_threads_claiming_the_same_ids_get_one_new_each() {
    const THREADS: usize = 8;
    const IDS: usize = 2_000;
    let store = Arc::new(MemoryStore::new());
    let news: Arc<Vec<AtomicUsize>> = Arc::new((0..IDS).map(|_| AtomicUsize::new(0)).collect());
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (store, news, barrier) = (store.clone(), news.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let now = Utc::now();
                for i in 0..IDS {
                    // Each thread walks the ids from a different offset to vary the interleaving.
                    let id = (i + t * IDS / THREADS) % IDS;
                    match store.claim(&format!("1:{id}"), now) {
                        Ok(Claim::New(ticket)) => {
                            news[id].fetch_add(1, Ordering::SeqCst);
                            if id.is_multiple_of(2) {
                                store
                                    .complete(&ticket, now)
                                    .unwrap_or_else(|e| panic!("{e}"));
                            }
                        }
                        Ok(_) => {}
                        Err(e) => panic!("{e}"),
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap_or_else(|_| panic!("worker panicked"));
    }
    for (id, count) in news.iter().enumerate() {
        assert_eq!(count.load(Ordering::SeqCst), 1, "id {id}");
    }
    assert_eq!(store.len(), IDS);
}
