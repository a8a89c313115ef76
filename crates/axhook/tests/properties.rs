//! Property tests: round trips, single-bit flips, and no panic on arbitrary input.

use axhook::chrono::{DateTime, Utc};
use axhook::signer::{signed_headers, DeliveryBuilder, Signer};
use axhook::Verifier;
use proptest::prelude::*;

fn now() -> DateTime<Utc> {
    "2024-02-26T00:00:00Z".parse().unwrap_or_default()
}

fn envelope(message: &str, message_id: &str, client_id: u64) -> Vec<u8> {
    DeliveryBuilder::new("contact.contact_updated")
        .message(serde_json::Value::String(message.to_string()))
        .message_id(message_id)
        .client_id(client_id)
        .timestamp(now())
        .body()
        .0
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any key and any envelope signed by the signer verify, with every field intact.
    #[test]
    fn sign_then_verify(key in proptest::collection::vec(any::<u8>(), 1..80),
                        message in ".{0,200}", message_id in "[^\u{0}]{1,40}", client_id in 0u64..(1 << 53)) {
        let body = envelope(&message, &message_id, client_id);
        let verifier = Verifier::builder().key("k", &key).build().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let d = verifier.verify_at(&signed_headers(&body, &key), &body, now())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(d.message(), serde_json::Value::String(message));
        prop_assert_eq!(d.message_id(), message_id.as_str());
        prop_assert_eq!(d.client_id(), client_id);
        prop_assert_eq!(d.key_label(), Some("k"));
    }

    /// Any raw body, signed, verifies as far as the signature: what remains is an envelope error.
    #[test]
    fn any_signed_body_passes_the_signature(key in "[a-z]{1,20}", body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let verifier = Verifier::builder().key("k", &key).build().map_err(|e| TestCaseError::fail(e.to_string()))?;
        if let Err(e) = verifier.verify_at(&signed_headers(&body, &key), &body, now()) {
            prop_assert!(matches!(e.http_status(), 400), "{}", e);
        }
    }

    /// Flipping any single bit of the body or of the signature is refused.
    #[test]
    fn any_flipped_bit_is_refused(bit in 0usize..4096, in_signature in any::<bool>()) {
        let key = "flip-key";
        let body = envelope("payload", "m-1", 7);
        let sig = Signer::new(key).sign(&body);
        let verifier = Verifier::builder().key("k", key).build().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (mut body, mut sig_bytes) = (body, hex::decode(&sig).unwrap_or_default());
        if in_signature {
            let b = bit % 256;
            sig_bytes[b / 8] ^= 1 << (b % 8);
        } else {
            let b = bit % (body.len() * 8);
            body[b / 8] ^= 1 << (b % 8);
        }
        let headers = [("Ax-Signature-Version", "1".to_string()), ("Ax-Signature", hex::encode(sig_bytes))];
        let err = verifier.verify_at(&headers, &body, now()).err();
        prop_assert_eq!(err.map(|e| e.code()), Some("signature_mismatch"));
    }

    /// Arbitrary header names and values never panic, and always end in a documented code.
    #[test]
    fn arbitrary_headers_never_panic(headers in proptest::collection::vec(
            (prop_oneof!["(?i)ax-signature(-version)?", ".{0,30}"], proptest::collection::vec(any::<u8>(), 0..90)), 0..5),
            body in proptest::collection::vec(any::<u8>(), 0..64)) {
        let verifier = Verifier::builder().key("k", "k").allow_unsigned(true).build().map_err(|e| TestCaseError::fail(e.to_string()))?;
        if let Err(e) = verifier.verify_at(&headers, &body, now()) {
            prop_assert!(axhook::Error::CODES.contains(&e.code()));
        }
    }

    /// Arbitrary and JSON-like bodies never panic, and the scanner agrees with serde_json on
    /// whether the body is JSON at all.
    #[test]
    fn arbitrary_bodies_agree_with_serde_json(body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..200).prop_map(|b| b),
            "[\\[\\]{}\":,0-9a-z\\\\. -]{0,120}".prop_map(|s| s.into_bytes()),
        ]) {
        let verifier = Verifier::builder().key("k", "k").build().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let result = verifier.verify_at(&signed_headers(&body, "k"), &body, now());
        let serde_ok = serde_json::from_slice::<serde_json::Value>(&body).is_ok_and(|v| v.is_object());
        let syntax_ok = !matches!(&result, Err(e) if e.code() == "malformed_json");
        // The one refusal serde_json does not share: a duplicated key at any depth (it keeps the
        // last one). Anything else the scanner refuses must be invalid JSON for serde_json too.
        let duplicated = matches!(&result, Err(e) if (e.to_string().contains("appears more than once") || e.to_string().contains("duplicate key")));
        prop_assert!(serde_ok == syntax_ok || (serde_ok && duplicated), "serde {} scanner {:?}", serde_ok, result);
    }
}

/// RFC 4231 test vectors for HMAC-SHA256 through the signer (cases 1–4, 6, 7).
#[test]
fn rfc4231_vectors() {
    let cases: [(Vec<u8>, Vec<u8>, &str); 6] = [
        (vec![0x0b; 20], b"Hi There".to_vec(), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (b"Jefe".to_vec(), b"what do ya want for nothing?".to_vec(), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (vec![0xaa; 20], vec![0xdd; 50], "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        ((1..=25).collect(), vec![0xcd; 50], "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (vec![0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (vec![0xaa; 131], b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".to_vec(), "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ];
    for (key, data, expected) in cases {
        assert_eq!(Signer::new(&key).sign(&data), expected);
        // And the verifier accepts exactly that signature for those bytes.
        let verifier = Verifier::builder()
            .key("rfc", &key)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let headers = [("Ax-Signature-Version", "1"), ("Ax-Signature", expected)];
        let err = verifier
            .verify_at(
                &headers,
                &data,
                "2024-01-01T00:00:00Z".parse().unwrap_or_default(),
            )
            .err();
        assert_eq!(
            err.map(|e| e.code()),
            Some("malformed_json"),
            "signature passed, body is not an envelope"
        );
    }
}
