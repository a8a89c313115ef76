//! The full verify path: arbitrary headers and body, against a verifier with every option
//! on. Nothing may panic, every refusal has a documented code, and an accepted delivery is
//! consistent with its body.
#![no_main]

use axhook::chrono::{DateTime, Utc};
use axhook::{Error, Verifier};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (Vec<(String, Vec<u8>)>, Vec<u8>, bool)| {
    let (headers, body, unsigned) = input;
    let verifier = Verifier::builder()
        .key("current", "k1")
        .client_key(42, "acme", "k2")
        .allowed_client_ids([42, 12345678])
        .allow_unsigned(unsigned)
        .max_body_bytes(4096)
        .build()
        .unwrap();
    let now: DateTime<Utc> = "2024-02-26T00:00:00Z".parse().unwrap();
    match verifier.verify_at(&headers, &body, now) {
        Ok(d) => {
            assert_eq!(d.raw_body(), &body[..]);
            let whole: serde_json::Value = serde_json::from_slice(&body).expect("accepted body is JSON");
            assert_eq!(d.message(), whole["message"]);
            assert_eq!(whole["messageId"].as_str(), Some(d.message_id()));
            assert_eq!(whole["clientId"].as_u64(), Some(d.client_id()));
        }
        Err(e) => assert!(Error::CODES.contains(&e.code())),
    }
});
