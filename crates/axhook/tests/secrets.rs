//! Keys never appear in `Debug` (plain or pretty) or in any error text.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axhook::chrono::{TimeZone, Utc};
use axhook::signer::{DeliveryBuilder, Signer};
use axhook::{MemoryStore, Receiver, Secret, Verifier, VerifierConfig};

const KEY: &str = "s3cret-key-do-not-print";

fn assert_hidden(what: &str, text: String) {
    assert!(!text.contains(KEY), "{what} shows the key: {text}");
    // Nor any long piece of it.
    for piece in KEY.as_bytes().windows(8) {
        let piece = std::str::from_utf8(piece).unwrap();
        assert!(
            !text.contains(piece),
            "{what} shows part of the key ({piece}): {text}"
        );
    }
}

fn both<T: std::fmt::Debug>(what: &str, value: &T) {
    assert_hidden(what, format!("{value:?}"));
    assert_hidden(what, format!("{value:#?}"));
}

#[test]
fn debug_output_never_shows_a_key() {
    let builder = Verifier::builder()
        .key("current", KEY)
        .client_key(7, "own", KEY);
    both("VerifierBuilder", &builder);
    let verifier = builder.build().unwrap();
    both("Verifier", &verifier);
    assert!(
        format!("{verifier:?}").contains("current"),
        "labels are shown"
    );
    let receiver = Receiver::new(verifier, MemoryStore::new());
    both("Receiver", &receiver);
    both("Signer", &Signer::new(KEY));
    both("Secret", &Secret::from(KEY));
    let config: VerifierConfig = serde_json::from_str(&format!(
        r#"{{"keys": {{"current": "{KEY}"}}, "clientKeys": {{"7": {{"own": "{KEY}"}}}}}}"#
    ))
    .unwrap();
    both("VerifierConfig", &config);
    assert!(
        format!("{config:?}").contains("own"),
        "client key labels are shown"
    );
}

#[test]
fn errors_never_show_a_key() {
    let now = Utc.with_ymd_and_hms(2024, 2, 26, 0, 0, 0).unwrap();
    // A key configured with surrounding whitespace: the mismatch hint mentions it, not it.
    let padded = format!(" {KEY}\n");
    let verifier = Verifier::builder().key("current", &padded).build().unwrap();
    let sent = DeliveryBuilder::new("contact.contact_updated")
        .timestamp(now)
        .sign(KEY);
    let e = verifier
        .verify_at(&sent.headers, &sent.body, now)
        .unwrap_err();
    assert_eq!(e.code(), "signature_mismatch");
    assert_hidden("signature_mismatch", format!("{e} {e:?}"));
    let wrong = DeliveryBuilder::new("contact.contact_updated")
        .timestamp(now)
        .sign("other");
    let e = verifier
        .verify_at(&wrong.headers, &wrong.body, now)
        .unwrap_err();
    assert_hidden("signature_mismatch", format!("{e} {e:?}"));

    let configs = [
        format!(r#"{{"keys": {{"current": "{KEY}"}}, "maxAgeSeconds": -1}}"#),
        format!(r#"{{"keys": {{"current": "{KEY}"}}, "clientKeys": {{"x": {{"a": "{KEY}"}}}}}}"#),
        format!(r#"{{"keys": {{"current": "{KEY}"}}, "unknown": 1}}"#),
        format!(r#"{{"keys": {{"current": ["{KEY}"]}}}}"#),
        format!(r#"{{"keys": {{"current": "{KEY}", "current": "{KEY}"}}, "maxAgeSeconds": "x"}}"#),
        format!(r#"{{"clientKeys": {{"7": "{KEY}"}}}}"#),
        format!(r#"{{"keys": "{KEY}"}}"#),
        format!(r#"{{"allowedClientIds": ["{KEY}"]}}"#),
        format!(r#"{{"keys": {{"current": "{KEY}"}}, "allowUnsigned": "{KEY}"}}"#),
    ];
    for text in configs {
        let err = match VerifierConfig::from_json(&text) {
            Err(e) => e.to_string(),
            Ok(config) => config.build().unwrap_err().to_string(),
        };
        assert_hidden("configuration error", err);
    }
}
