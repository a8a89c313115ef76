//! Envelope parsing, differentially: any body signed correctly passes the signature, and
//! the scanner agrees with serde_json on what is JSON (duplicate keys aside, which
//! the envelope refuses and serde_json keeps the last of).
#![no_main]

use axhook::chrono::{DateTime, Utc};
use axhook::signer::signed_headers;
use axhook::Verifier;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let verifier = Verifier::builder().key("k", "k").build().unwrap();
    let now: DateTime<Utc> = "2024-02-26T00:00:00Z".parse().unwrap();
    let result = verifier.verify_at(&signed_headers(body, "k"), body, now);
    if let Err(e) = &result {
        let after_signature = ["malformed_json", "missing_field", "invalid_field", "timestamp_too_old", "timestamp_in_future"];
        assert!(after_signature.contains(&e.code()), "a signed body can only fail after the signature: {e}");
    }
    let scanner_ok = !matches!(&result, Err(e) if e.code() == "malformed_json");
    // serde_json stops at 128 levels for the whole body; the envelope counts the same 128
    // levels, so compare with the limit lifted.
    let mut de = serde_json::Deserializer::from_slice(body);
    de.disable_recursion_limit();
    let serde = serde::Deserialize::deserialize(&mut de).and_then(|v: serde_json::Value| de.end().map(|()| v));
    let is_object = matches!(&serde, Ok(serde_json::Value::Object(_)));
    let no_bom = !body.starts_with(b"\xEF\xBB\xBF");
    let depth = max_depth(body);
    if scanner_ok {
        assert!(is_object, "scanner accepted what serde_json refuses");
        assert!(depth <= axhook::MAX_DEPTH, "scanner accepted nesting of {depth}");
    } else if is_object && no_bom {
        // The only refusals serde_json does not share: a duplicated key at any depth.
        let e = result.unwrap_err().to_string();
        assert!(
            e.contains("more than once") || e.contains("duplicate key") || (e.contains("nested too deeply") && depth > axhook::MAX_DEPTH),
            "scanner refused valid JSON: {e}"
        );
    }
});

/// The deepest nesting of arrays and objects outside strings.
fn max_depth(body: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in body {
        match (in_string, escaped, b) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') => in_string = false,
            (true, ..) => {}
            (false, _, b'"') => in_string = true,
            (false, _, b'[' | b'{') => {
                depth += 1;
                max = max.max(depth);
            }
            (false, _, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}
