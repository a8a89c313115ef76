//! Keys are wiped before their memory is freed: a global allocator looks for the key, and for
//! the HMAC states pre-keyed from it, in every block freed while the test runs.
//!
//! One test function, so that no other test thread frees memory while the auditor is armed.
#![allow(unsafe_code, clippy::unwrap_used, clippy::expect_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axhook::chrono::{TimeZone, Utc};
use axhook::signer::{DeliveryBuilder, Signer};
use axhook::{MemoryStore, Receiver, Verifier, VerifierConfig};

const KEY: &str = "axhook-audit-needle-7c1f0e9a2b5d8c3e";

/// What the auditor looks for: up to four patterns of 32 bytes.
struct Needles([[u8; 32]; 4]);

static ARMED: AtomicBool = AtomicBool::new(false);
static HITS: [AtomicUsize; 4] = [const { AtomicUsize::new(0) }; 4];
static mut NEEDLES: Needles = Needles([[0; 32]; 4]);

struct Auditor;

unsafe impl GlobalAlloc for Auditor {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::SeqCst) && layout.size() >= 32 {
            let block = std::slice::from_raw_parts(ptr, layout.size());
            let needles = &*std::ptr::addr_of!(NEEDLES);
            for (i, needle) in needles.0.iter().enumerate() {
                if block.windows(32).any(|w| w == needle) {
                    HITS[i].fetch_add(1, Ordering::SeqCst);
                }
            }
        }
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Auditor = Auditor;

/// The SHA-256 state after one block of `key` XOR `pad`: what HMAC keeps pre-keyed.
fn keyed_state(key: &[u8], pad: u8) -> [u8; 32] {
    let mut block = [pad; 64];
    for (b, k) in block.iter_mut().zip(key) {
        *b ^= k;
    }
    let mut state: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    sha2::compress256(&mut state, &[block.into()]);
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_ne_bytes());
    }
    out
}

fn hits() -> [usize; 4] {
    std::array::from_fn(|i| HITS[i].swap(0, Ordering::SeqCst))
}

/// Runs `work` with the auditor armed and returns how often each needle was seen freed.
fn audit(work: impl FnOnce()) -> [usize; 4] {
    hits();
    ARMED.store(true, Ordering::SeqCst);
    work();
    ARMED.store(false, Ordering::SeqCst);
    hits()
}

#[test]
fn freed_memory_never_holds_a_key_or_a_keyed_state() {
    let raw: [u8; 32] = KEY.as_bytes()[..32].try_into().unwrap();
    let mut padded = [0u8; 32];
    padded.copy_from_slice(format!("  {KEY}").as_bytes()[..32].as_ref());
    // SAFETY: written before the auditor is first armed; only read while armed.
    unsafe {
        NEEDLES = Needles([
            raw,
            keyed_state(KEY.as_bytes(), 0x36),
            keyed_state(KEY.as_bytes(), 0x5c),
            padded,
        ]);
    }
    let now = Utc.with_ymd_and_hms(2024, 2, 26, 0, 0, 0).unwrap();
    let sent = DeliveryBuilder::new("contact.contact_updated")
        .timestamp(now)
        .sign(KEY);
    let config_json =
        format!(r#"{{"keys": {{"current": "{KEY}"}}, "clientKeys": {{"7": {{"own": "{KEY}"}}}}}}"#);
    let padded_key = format!("  {KEY}  ");

    let seen = audit(|| {
        // A verifier with the key as a global key, a client key, and a padded variant.
        let verifier = Verifier::builder()
            .key("current", KEY)
            .key("padded", &padded_key)
            .client_key(7, "own", KEY)
            .build()
            .unwrap();
        let delivery = verifier.verify_at(&sent.headers, &sent.body, now).unwrap();
        assert_eq!(delivery.key_label(), Some("current"));
        let mut tampered = sent.body.clone();
        tampered[3] ^= 1;
        assert!(verifier.verify_at(&sent.headers, &tampered, now).is_err());
        let receiver = Receiver::new(verifier.clone(), MemoryStore::new());
        let outcome = receiver.receive_at(&sent.headers, &sent.body, now, |_| Ok::<(), String>(()));
        assert_eq!(outcome.code(), "processed");
        drop(receiver);
        drop(verifier);

        // The same through the configuration object the bindings use.
        let config: VerifierConfig = serde_json::from_str(&config_json).unwrap();
        let built = config.build().unwrap();
        assert!(format!("{config:?}{built:?}").find(KEY).is_none());
        drop(built);
        drop(config);

        // The sender's side.
        let signer = Signer::new(KEY);
        assert_eq!(signer.sign(&sent.body).len(), 64);
        drop(signer);
    });
    assert_eq!(
        seen,
        [0, 0, 0, 0],
        "freed blocks held [key, inner state, outer state, padded key]"
    );
    // The auditor works: an un-wiped copy of the key, and an HMAC keyed with it, are found.
    // (Last, since the freed copies stay in the allocator's free lists.)
    let control = audit(|| {
        let copy: Vec<u8> = KEY.as_bytes().to_vec();
        let mac = Box::new(
            <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(KEY.as_bytes()).unwrap(),
        );
        drop(std::hint::black_box(copy));
        drop(std::hint::black_box(mac));
    });
    assert!(
        control[0] >= 1,
        "the auditor did not see a plain copy of the key: {control:?}"
    );
    assert!(
        control[1] >= 1 && control[2] >= 1,
        "the auditor did not see the keyed states: {control:?}"
    );
}
