//! Does rejecting a signature take the same time wherever its first wrong byte is?
//!
//! Not a test: timings on a shared machine are noisy, so this prints medians and their spread
//! for `make bench` to report. Positions are measured interleaved, round after round, so that
//! drift in the machine's speed falls on all of them alike. A control, an early-exit byte
//! loop, shows that the method sees a difference of a few nanoseconds when there is one.

use std::hint::black_box;
use std::time::Instant;

use axhook::chrono::{DateTime, Utc};
use axhook::signer::DeliveryBuilder;
use axhook::Verifier;
use hmac::digest::CtOutput;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const KEY: &str = "ax-private-key-7f3c9a";
const ROUNDS: usize = 200;
const BATCH: usize = 200;
/// Byte positions (of the 32-byte MAC) where the first difference is placed.
const POSITIONS: [usize; 5] = [0, 1, 8, 16, 31];

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Medians in ns per call for each position (`call` gets its index), measured interleaved.
fn measure(mut call: impl FnMut(usize) -> bool) -> Vec<f64> {
    let mut samples = vec![Vec::with_capacity(ROUNDS); POSITIONS.len()];
    for _ in 0..ROUNDS {
        for (i, row) in samples.iter_mut().enumerate() {
            let start = Instant::now();
            for _ in 0..BATCH {
                black_box(call(black_box(i)));
            }
            row.push(start.elapsed().as_nanos() as f64 / BATCH as f64);
        }
    }
    samples.into_iter().map(median).collect()
}

fn report(title: &str, medians: &[f64]) {
    let (lo, hi) = medians
        .iter()
        .fold((f64::MAX, 0f64), |(lo, hi), m| (lo.min(*m), hi.max(*m)));
    println!("\n{title}");
    for (p, m) in POSITIONS.iter().zip(medians) {
        println!(
            "  first wrong byte {p:>2}: {m:>9.1} ns  ({:.3}x the fastest)",
            m / lo
        );
    }
    println!("  spread (slowest / fastest median): {:.3}x", hi / lo);
}

fn main() {
    let now: DateTime<Utc> = "2024-02-26T00:00:00Z".parse().unwrap_or_default();
    let sent = DeliveryBuilder::new("contact.contact_updated")
        .timestamp(now)
        .sign(KEY);
    let verifier = Verifier::builder()
        .key("current", KEY)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let good = sent.headers[1].1.clone();
    let tag = hex::decode(&good).unwrap_or_default();
    // One wrong signature per position: the MAC with that byte flipped.
    let wrong: Vec<[(&str, String); 2]> = POSITIONS
        .iter()
        .map(|&p| {
            let mut t = tag.clone();
            t[p] ^= 0x01;
            [
                ("Ax-Signature-Version", "1".to_string()),
                ("Ax-Signature", hex::encode(t)),
            ]
        })
        .collect();
    for headers in &wrong {
        let e = verifier.verify_at(headers, &sent.body, now).err();
        assert_eq!(e.map(|e| e.code()), Some("signature_mismatch"));
    }
    let body_len = sent.body.len();

    let full = measure(|i| verifier.verify_at(&wrong[i], &sent.body, now).is_err());
    report(
        &format!(
            "axhook: rejecting a {body_len}-byte delivery, by position of the first wrong MAC byte"
        ),
        &full,
    );

    // The comparison alone, as the verifier does it (CtOutput's constant-time equality)...
    let expected =
        CtOutput::<Hmac<Sha256>>::new(*hmac::digest::generic_array::GenericArray::from_slice(&tag));
    let received: Vec<_> = wrong
        .iter()
        .map(|h| {
            let t = hex::decode(&h[1].1).unwrap_or_default();
            CtOutput::<Hmac<Sha256>>::new(*hmac::digest::generic_array::GenericArray::from_slice(
                &t,
            ))
        })
        .collect();
    let ct = measure(|i| expected == received[i]);
    report(
        "constant-time comparison alone (what verify_slice uses)",
        &ct,
    );

    // ...and the control: an early-exit loop, which leaks the position.
    let raw: Vec<Vec<u8>> = wrong
        .iter()
        .map(|h| hex::decode(&h[1].1).unwrap_or_default())
        .collect();
    let naive = measure(|i| {
        let other = &raw[i];
        for i in 0..32 {
            if black_box(tag[i]) != black_box(other[i]) {
                return false;
            }
        }
        true
    });
    report(
        "control: an early-exit byte loop (leaks the position; should spread)",
        &naive,
    );

    // Keep the verify path honest: the right signature still passes.
    let mac = <Hmac<Sha256> as Mac>::new_from_slice(KEY.as_bytes()).map(|mut m| {
        m.update(&sent.body);
        m.verify_slice(&tag).is_ok()
    });
    assert_eq!(mac.ok(), Some(true));
}
