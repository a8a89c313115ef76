//! Signature header values: any bytes, any casing, any repetition. The verdict must follow
//! the header rules of the design exactly.
#![no_main]

use axhook::chrono::{DateTime, Utc};
use axhook::signer::Signer;
use axhook::Verifier;
use libfuzzer_sys::fuzz_target;

const BODY: &[u8] = br#"{"type":"contact.contact_updated","message":{},"clientId":1,"messageId":"m","timestamp":"2024-02-25T23:30:38.056Z"}"#;

fuzz_target!(|input: (Vec<u8>, Option<Vec<u8>>, bool, bool)| {
    let (version, signature, repeat, use_real) = input;
    let verifier = Verifier::builder().key("k", "k").build().unwrap();
    let now: DateTime<Utc> = "2024-02-26T00:00:00Z".parse().unwrap();
    let real = Signer::new("k").sign(BODY).into_bytes();
    let signature = if use_real { Some(real.clone()) } else { signature };
    let mut headers: Vec<(&str, Vec<u8>)> = vec![("ax-signature-version", version.clone())];
    if let Some(s) = &signature {
        headers.push(("AX-SIGNATURE", s.clone()));
        if repeat {
            headers.push(("Ax-Signature", s.clone()));
        }
    }
    let got = verifier.verify_at(&headers, BODY, now).map(|_| ()).map_err(|e| e.code());
    let v = version.trim_ascii();
    let s = signature.as_deref().map(<[u8]>::trim_ascii).unwrap_or(b"");
    let expected = if repeat && signature.is_some() {
        Err("duplicate_header")
    } else if v == b"0" {
        Err(if s.is_empty() { "unsigned_rejected" } else { "malformed_signature" })
    } else if v != b"1" {
        Err("unsupported_signature_version")
    } else if s.is_empty() {
        Err("missing_signature")
    } else if s.len() != 64 || !s.iter().all(u8::is_ascii_hexdigit) {
        Err("malformed_signature")
    } else if s.eq_ignore_ascii_case(&real) {
        Ok(())
    } else {
        Err("signature_mismatch")
    };
    assert_eq!(got, expected);
});
