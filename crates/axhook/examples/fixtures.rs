//! Generates `fixtures/` with the signer: `cargo run -p axhook --example fixtures -- fixtures`.
//!
//! Each case states the code it is meant to produce; the generator runs the core on it and
//! refuses to write a fixture that disagrees, so the files are a checked specification.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use axhook::chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use axhook::signer::{sample_message, Signer};
use axhook::{Claim, DedupeStore, MemoryStore, Ticket, Verifier, VerifierConfig, KNOWN_EVENTS};
use serde::Serialize;
use serde_json::{json, Value};

const NOW: &str = "2024-02-26T00:00:00Z";
const TS: &str = "2024-02-25T23:30:38.056Z";
const KEY: &str = "ax-private-key-7f3c9a";
const OLD_KEY: &str = "ax-private-key-2b8e41";
const CLIENT: u64 = 12345678;
const MSG_ID: &str = "669ee575-71c1-5cf2-97ee-bb20be1f817d";

#[derive(Serialize, Clone, Default)]
#[serde(rename_all = "camelCase")]
struct Config {
    keys: BTreeMap<String, String>,
    allow_unsigned: bool,
    max_age_seconds: i64,
    max_future_skew_seconds: i64,
    max_body_bytes: usize,
    client_keys: Option<BTreeMap<String, BTreeMap<String, String>>>,
    allowed_client_ids: Option<Vec<u64>>,
}

impl Config {
    fn key(k: &str) -> Self {
        Self {
            keys: BTreeMap::from([("current".into(), k.into())]),
            max_age_seconds: 14 * 86_400,
            max_future_skew_seconds: 300,
            max_body_bytes: 1 << 20,
            ..Self::default()
        }
    }

    fn verifier(&self) -> Verifier {
        let value = serde_json::to_value(self).unwrap_or_default();
        let config: VerifierConfig =
            serde_json::from_value(value).unwrap_or_else(|e| panic!("{e}"));
        config.build().unwrap_or_else(|e| panic!("{e}"))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Case {
    name: String,
    description: String,
    verifier: Config,
    now: Option<String>,
    headers: Vec<(String, String)>,
    body: Option<String>,
    body_base64: Option<String>,
    expect: Value,
}

struct Spec {
    name: &'static str,
    description: String,
    config: Config,
    now: Option<String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    expect: &'static str,
}

fn envelope(
    event_type: &str,
    message: &Value,
    client_id: &str,
    message_id: &str,
    ts: &str,
) -> String {
    format!(
        r#"{{"type":{},"message":{},"clientId":{},"messageId":{},"timestamp":{}}}"#,
        Value::from(event_type),
        message,
        client_id,
        Value::from(message_id),
        Value::from(ts)
    )
}

fn body_with(event_type: &str) -> String {
    envelope(
        event_type,
        &sample_message(event_type, CLIENT),
        &CLIENT.to_string(),
        MSG_ID,
        TS,
    )
}

fn default_body() -> String {
    body_with("contact.contact_updated")
}

fn signed(body: &[u8], key: &str) -> Vec<(String, String)> {
    h(&[
        ("Ax-Signature-Version", "1"),
        ("Ax-Signature", &Signer::new(key).sign(body)),
    ])
}

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

struct Cases(Vec<Spec>);

impl Cases {
    fn add(
        &mut self,
        name: &'static str,
        expect: &'static str,
        description: impl Into<String>,
        config: Config,
        headers: Vec<(String, String)>,
        body: impl Into<Vec<u8>>,
    ) -> &mut Spec {
        self.0.push(Spec {
            name,
            description: description.into(),
            config,
            now: None,
            headers,
            body: body.into(),
            expect,
        });
        self.0.last_mut().unwrap_or_else(|| unreachable!())
    }

    /// A body signed with the default key under the default configuration.
    fn signed(
        &mut self,
        name: &'static str,
        expect: &'static str,
        description: &str,
        body: impl Into<Vec<u8>>,
    ) -> &mut Spec {
        let body = body.into();
        let headers = signed(&body, KEY);
        self.add(name, expect, description, Config::key(KEY), headers, body)
    }
}

fn vector_specs() -> Vec<Spec> {
    let mut c = Cases(Vec::new());
    let body = default_body();
    let cfg = Config::key(KEY);
    let sig = Signer::new(KEY).sign(body.as_bytes());

    // Accepted deliveries and header variants.
    c.signed(
        "v1_valid",
        "ok",
        "a signed contact_updated delivery",
        body.clone(),
    );
    c.add(
        "v1_uppercase_hex",
        "ok",
        "the signature in uppercase hex is accepted",
        cfg.clone(),
        h(&[
            ("Ax-Signature-Version", "1"),
            ("Ax-Signature", &sig.to_uppercase()),
        ]),
        body.clone(),
    );
    c.add(
        "v1_header_names_lowercase",
        "ok",
        "header names are matched case-insensitively",
        cfg.clone(),
        h(&[("ax-signature-version", "1"), ("ax-signature", &sig)]),
        body.clone(),
    );
    c.add(
        "v1_header_names_uppercase",
        "ok",
        "header names are matched case-insensitively",
        cfg.clone(),
        h(&[("AX-SIGNATURE-VERSION", "1"), ("AX-SIGNATURE", &sig)]),
        body.clone(),
    );
    c.add(
        "v1_header_names_mixed_case",
        "ok",
        "header names are matched case-insensitively",
        cfg.clone(),
        h(&[
            ("aX-sIgNaTuRe-VeRsIoN", "1"),
            ("Ax-signature", &sig),
            ("Content-Type", "application/json"),
        ]),
        body.clone(),
    );
    c.add(
        "v1_values_with_surrounding_whitespace",
        "ok",
        "version and signature are trimmed",
        cfg.clone(),
        h(&[
            ("Ax-Signature-Version", " 1 "),
            ("Ax-Signature", &format!("\t{sig} ")),
        ]),
        body.clone(),
    );
    c.signed(
        "unknown_extra_fields",
        "ok",
        "unknown envelope fields are ignored",
        body.replacen(
            '{',
            r#"{"deliveryAttempt":3,"extra":{"nested":[1,2,3]},"#,
            1,
        ),
    );
    c.signed("unicode_in_message", "ok", "non-ASCII text and escapes in the message",
        envelope("contact.contact_updated", &json!({"contact": {"id": 1, "givenName": "Zoë", "surname": "Nguyễn 阮", "note": "🎓 ✓"}}), "12345678", MSG_ID, TS)
            .replace("✓", "\\u2713"));
    c.signed(
        "type_with_two_dots",
        "ok",
        "the namespace ends at the first dot",
        envelope("a.b.c", &json!({}), "12345678", MSG_ID, TS),
    );
    c.signed(
        "message_null",
        "ok",
        "message may be null",
        envelope(
            "contact.contact_deleted",
            &Value::Null,
            "12345678",
            MSG_ID,
            TS,
        ),
    );
    c.signed(
        "client_id_max_safe_integer",
        "ok",
        "clientId 2^53-1 is the largest accepted",
        envelope(
            "contact.contact_updated",
            &json!({}),
            "9007199254740991",
            MSG_ID,
            TS,
        ),
    );
    c.signed(
        "client_id_zero",
        "ok",
        "clientId 0 is accepted",
        envelope("contact.contact_updated", &json!({}), "0", MSG_ID, TS),
    );
    c.signed(
        "message_id_256_chars",
        "ok",
        "a messageId of 256 characters (512 bytes) is accepted",
        envelope(
            "contact.contact_updated",
            &json!({}),
            "12345678",
            &"é".repeat(256),
            TS,
        ),
    );
    c.signed(
        "whitespace_around_json",
        "ok",
        "JSON whitespace around and inside the envelope",
        format!(
            " \r\n{}\n",
            body.replace(",\"clientId\"", " ,\n\t\"clientId\"")
        ),
    );
    c.signed(
        "timestamp_with_offset",
        "ok",
        "a timestamp with a numeric zone offset",
        envelope(
            "contact.contact_updated",
            &json!({}),
            "12345678",
            MSG_ID,
            "2024-02-26T09:30:38.056+10:00",
        ),
    );
    let records: Vec<Value> = (0..2600)
        .map(|i| json!({"contactId": 500_000 + i, "givenName": format!("Student {i}"), "emailAddress": format!("student{i}@example.edu.au"),
            "status": "Enrolled", "units": ["TAEDES411", "TAEASS412", "TAEDEL411"], "progress": (i % 100) as f64 / 100.0, "note": "x".repeat(60)}))
        .collect();
    let large = envelope(
        "course.workshop_updated",
        &json!({"workshop": {"id": 9911, "enrolments": records}}),
        "12345678",
        MSG_ID,
        TS,
    );
    assert!(
        large.len() >= 512 * 1024,
        "large body is {} bytes",
        large.len()
    );
    c.signed(
        "large_valid_body",
        "ok",
        "a valid body of more than 512 KiB",
        large,
    );

    // Every event type of the catalogue.
    for t in KNOWN_EVENTS {
        let name: &'static str =
            Box::leak(format!("event_{}", t.replace('.', "_")).into_boxed_str());
        c.signed(
            name,
            "ok",
            &format!("a {t} delivery with a realistic message"),
            body_with(t),
        );
    }

    // Rotation, per-client keys, allow-list.
    let mut rot = Config::key(KEY);
    rot.keys.insert("previous".into(), OLD_KEY.into());
    c.add(
        "rotation_current_key",
        "ok",
        "two keys: the current one matches",
        rot.clone(),
        signed(body.as_bytes(), KEY),
        body.clone(),
    );
    c.add(
        "rotation_previous_key",
        "ok",
        "two keys: the previous one matches and is reported",
        rot.clone(),
        signed(body.as_bytes(), OLD_KEY),
        body.clone(),
    );
    c.add(
        "rotation_neither_key",
        "signature_mismatch",
        "two keys: neither matches",
        rot,
        signed(body.as_bytes(), "retired-key"),
        body.clone(),
    );
    let mut per = Config::key(KEY);
    per.client_keys = Some(BTreeMap::from([(
        CLIENT.to_string(),
        BTreeMap::from([("acme".to_string(), "acme-key".to_string())]),
    )]));
    c.add(
        "client_key_matches",
        "ok",
        "a listed clientId is checked against its own key",
        per.clone(),
        signed(body.as_bytes(), "acme-key"),
        body.clone(),
    );
    c.add(
        "client_key_global_key_not_used",
        "signature_mismatch",
        "a listed clientId is not checked against the global keys",
        per.clone(),
        signed(body.as_bytes(), KEY),
        body.clone(),
    );
    let other = body.replace("\"clientId\":12345678", "\"clientId\":555");
    c.add(
        "client_key_unlisted_uses_global",
        "ok",
        "an unlisted clientId falls back to the global keys",
        per.clone(),
        signed(other.as_bytes(), KEY),
        other.clone(),
    );
    let mut only = per.clone();
    only.keys.clear();
    c.add(
        "client_key_unlisted_no_global",
        "no_key_for_client",
        "an unlisted clientId with no global key",
        only.clone(),
        signed(other.as_bytes(), KEY),
        other.clone(),
    );
    let unreadable = body.replace("\"clientId\":12345678", "\"clientId\":\"12345678\"");
    c.add(
        "client_key_unreadable_client_id",
        "no_key_for_client",
        "no clientId can be read and there is no global key",
        only.clone(),
        signed(unreadable.as_bytes(), "acme-key"),
        unreadable,
    );
    let broken = format!("{}x", body);
    c.add(
        "client_key_broken_body_judged_by_signature",
        "signature_mismatch",
        "a broken body is judged by its signature first",
        per.clone(),
        signed(broken.as_bytes(), "wrong"),
        broken,
    );
    let mut allow = Config::key(KEY);
    allow.allowed_client_ids = Some(vec![CLIENT, 42]);
    c.add(
        "allow_list_allows",
        "ok",
        "clientId in the allow-list",
        allow.clone(),
        signed(body.as_bytes(), KEY),
        body.clone(),
    );
    c.add(
        "allow_list_refuses",
        "client_not_allowed",
        "clientId not in the allow-list",
        allow.clone(),
        signed(other.as_bytes(), KEY),
        other.clone(),
    );
    let mut nobody = Config::key(KEY);
    nobody.allowed_client_ids = Some(vec![]);
    c.add(
        "allow_list_empty_allows_nobody",
        "client_not_allowed",
        "an empty allow-list allows nobody",
        nobody,
        signed(body.as_bytes(), KEY),
        body.clone(),
    );

    // Version 0: accepted without a key, refused as a downgrade.
    let mut unsigned = Config::key(KEY);
    unsigned.keys.clear();
    unsigned.allow_unsigned = true;
    c.add(
        "v0_accepted_no_key",
        "ok",
        "unsigned allowed and no key configured",
        unsigned.clone(),
        h(&[("Ax-Signature-Version", "0"), ("Ax-Signature", "")]),
        body.clone(),
    );
    c.add(
        "v0_accepted_without_signature_header",
        "ok",
        "version 0 with no Ax-Signature header at all",
        unsigned.clone(),
        h(&[("Ax-Signature-Version", "0")]),
        body.clone(),
    );
    let mut downgrade = Config::key(KEY);
    downgrade.allow_unsigned = true;
    c.add(
        "v0_downgrade_refused",
        "unsigned_rejected",
        "version 0 while a key is configured, even with unsigned allowed",
        downgrade,
        h(&[("Ax-Signature-Version", "0"), ("Ax-Signature", "")]),
        body.clone(),
    );
    let mut downgrade_client = only.clone();
    downgrade_client.allow_unsigned = true;
    c.add(
        "v0_downgrade_refused_client_key",
        "unsigned_rejected",
        "version 0 for a clientId that has its own key",
        downgrade_client,
        h(&[("Ax-Signature-Version", "0")]),
        body.clone(),
    );
    c.add(
        "v0_not_allowed",
        "unsigned_rejected",
        "version 0 when no key applies and unsigned is not allowed",
        only.clone(),
        h(&[("Ax-Signature-Version", "0")]),
        other.clone(),
    );
    c.add(
        "v0_with_signature",
        "malformed_signature",
        "version 0 must not carry a signature",
        unsigned,
        h(&[("Ax-Signature-Version", "0"), ("Ax-Signature", &sig)]),
        body.clone(),
    );

    // Header errors.
    c.add(
        "no_headers",
        "missing_signature_version",
        "no signature headers at all",
        cfg.clone(),
        vec![],
        body.clone(),
    );
    c.add(
        "signature_without_version",
        "missing_signature_version",
        "Ax-Signature without Ax-Signature-Version",
        cfg.clone(),
        h(&[("Ax-Signature", &sig)]),
        body.clone(),
    );
    for (name, v) in [
        ("version_2", "2"),
        ("version_01", "01"),
        ("version_v1", "v1"),
        ("version_1_0", "1.0"),
        ("version_empty", ""),
    ] {
        c.add(
            name,
            "unsupported_signature_version",
            format!("Ax-Signature-Version {v:?}"),
            cfg.clone(),
            h(&[("Ax-Signature-Version", v), ("Ax-Signature", &sig)]),
            body.clone(),
        );
    }
    c.add(
        "v1_no_signature_header",
        "missing_signature",
        "version 1 without Ax-Signature",
        cfg.clone(),
        h(&[("Ax-Signature-Version", "1")]),
        body.clone(),
    );
    c.add(
        "v1_empty_signature",
        "missing_signature",
        "version 1 with an empty Ax-Signature",
        cfg.clone(),
        h(&[("Ax-Signature-Version", "1"), ("Ax-Signature", "")]),
        body.clone(),
    );
    c.add(
        "v1_blank_signature",
        "missing_signature",
        "version 1 with a blank Ax-Signature",
        cfg.clone(),
        h(&[("Ax-Signature-Version", "1"), ("Ax-Signature", "   ")]),
        body.clone(),
    );
    let b64 = "9wY2U7T1Obs3pVlNMQcnLMXBtGqFo8RnJ9hS4VPe1T0=";
    for (name, s, what) in [
        ("signature_63_hex", &sig[..63], "63 hex digits"),
        ("signature_65_hex", &format!("{sig}0")[..], "65 hex digits"),
        (
            "signature_not_hex",
            &format!("{}g", &sig[..63])[..],
            "a non-hex character",
        ),
        ("signature_base64", b64, "base64 instead of hex"),
        (
            "signature_sha256_prefix",
            &format!("sha256={sig}")[..],
            "a sha256= prefix",
        ),
    ] {
        c.add(
            name,
            "malformed_signature",
            format!("a signature with {what}"),
            cfg.clone(),
            h(&[("Ax-Signature-Version", "1"), ("Ax-Signature", s)]),
            body.clone(),
        );
    }
    let tampered = body.replace("\"id\":", "\"id\": ");
    c.add(
        "v1_tampered_body",
        "signature_mismatch",
        "the body was changed after signing",
        cfg.clone(),
        signed(body.as_bytes(), KEY),
        body.replace("Lovelace", "Lovelacf"),
    );
    c.add(
        "v1_wrong_key",
        "signature_mismatch",
        "signed with another key",
        cfg.clone(),
        signed(body.as_bytes(), "not-the-key"),
        body.clone(),
    );
    c.add(
        "v1_reserialised_body",
        "signature_mismatch",
        "the body was re-serialised after signing (hint)",
        cfg.clone(),
        signed(body.as_bytes(), KEY),
        tampered,
    );
    let mut spaced = Config::key(&format!("{KEY}\n"));
    spaced.keys.insert("current".into(), format!(" {KEY}\n"));
    c.add(
        "v1_key_with_whitespace",
        "signature_mismatch",
        "the configured key has surrounding whitespace (hint)",
        spaced,
        signed(body.as_bytes(), KEY),
        body.clone(),
    );
    let bad_json = "{\"type\":";
    c.add(
        "signature_checked_before_json",
        "signature_mismatch",
        "a broken body with a wrong signature is a signature error",
        cfg.clone(),
        signed(b"{}", KEY),
        bad_json,
    );
    c.add(
        "duplicate_signature_equal",
        "duplicate_header",
        "Ax-Signature twice with equal values",
        cfg.clone(),
        h(&[
            ("Ax-Signature-Version", "1"),
            ("Ax-Signature", &sig),
            ("Ax-Signature", &sig),
        ]),
        body.clone(),
    );
    c.add(
        "duplicate_signature_other_case",
        "duplicate_header",
        "Ax-Signature twice under two casings",
        cfg.clone(),
        h(&[
            ("Ax-Signature-Version", "1"),
            ("Ax-Signature", &sig),
            ("ax-signature", &"0".repeat(64)),
        ]),
        body.clone(),
    );
    c.add(
        "duplicate_version",
        "duplicate_header",
        "Ax-Signature-Version twice",
        cfg.clone(),
        h(&[
            ("Ax-Signature-Version", "1"),
            ("Ax-Signature-Version", "0"),
            ("Ax-Signature", &sig),
        ]),
        body.clone(),
    );

    // Body size: the limit passes, one byte more fails; checked before the signature.
    let mut exact = Config::key(KEY);
    exact.max_body_bytes = body.len();
    c.add(
        "body_at_limit",
        "ok",
        "a body exactly max_body_bytes long",
        exact.clone(),
        signed(body.as_bytes(), KEY),
        body.clone(),
    );
    let mut under = Config::key(KEY);
    under.max_body_bytes = body.len() - 1;
    c.add(
        "body_one_over_limit",
        "body_too_large",
        "a body one byte over max_body_bytes",
        under.clone(),
        signed(body.as_bytes(), KEY),
        body.clone(),
    );
    c.add(
        "body_too_large_before_signature",
        "body_too_large",
        "size is checked before the signature",
        under,
        signed(b"other", KEY),
        body.clone(),
    );

    // Malformed JSON.
    c.signed(
        "duplicate_top_level_field",
        "malformed_json",
        "a duplicated top-level field",
        body.replacen('{', "{\"clientId\":1,", 1),
    );
    c.signed(
        "duplicate_unknown_top_level_field",
        "malformed_json",
        "a duplicated unknown top-level field",
        body.replacen('{', "{\"x\":1,\"x\":2,", 1),
    );
    let mut latin1 = body.clone().into_bytes();
    let at = body.find("Ada").unwrap_or(0);
    latin1[at + 2] = 0xE4;
    c.signed(
        "non_utf8_body",
        "malformed_json",
        "a body that is not UTF-8 (Latin-1 byte)",
        latin1,
    );
    c.signed(
        "bom",
        "malformed_json",
        "a body starting with a UTF-8 byte order mark",
        [b"\xEF\xBB\xBF".as_slice(), body.as_bytes()].concat(),
    );
    c.signed("empty_body", "malformed_json", "an empty body", "");
    c.signed(
        "array_body",
        "malformed_json",
        "a JSON array body",
        format!("[{body}]"),
    );
    c.signed(
        "string_body",
        "malformed_json",
        "a JSON string body",
        "\"contact.contact_updated\"",
    );
    c.signed(
        "truncated_body",
        "malformed_json",
        "a truncated body",
        &body[..body.len() - 1],
    );
    c.signed(
        "trailing_data",
        "malformed_json",
        "data after the JSON object",
        format!("{body}{{}}"),
    );
    c.signed(
        "lone_surrogate",
        "malformed_json",
        "a lone surrogate escape in the message",
        envelope(
            "contact.contact_updated",
            &json!({"note": "X"}),
            "12345678",
            MSG_ID,
            TS,
        )
        .replace("\"X\"", "\"\\ud800\""),
    );
    c.signed(
        "nested_too_deep",
        "malformed_json",
        "nesting deeper than 128 levels",
        envelope(
            "contact.contact_updated",
            &json!(null),
            "12345678",
            MSG_ID,
            TS,
        )
        .replace("null", &("[".repeat(128) + &"]".repeat(128))),
    );
    c.signed(
        "nested_at_limit",
        "ok",
        "nesting of exactly 128 levels, the envelope included",
        envelope(
            "contact.contact_updated",
            &json!(null),
            "12345678",
            MSG_ID,
            TS,
        )
        .replace("null", &("[".repeat(127) + &"]".repeat(127))),
    );
    c.signed(
        "number_out_of_range",
        "malformed_json",
        "a number that overflows a double",
        envelope(
            "contact.contact_updated",
            &json!({"n": 1}),
            "12345678",
            MSG_ID,
            TS,
        )
        .replace(":1}", ":1e400}"),
    );

    // Missing and invalid fields.
    for field in ["type", "message", "clientId", "messageId", "timestamp"] {
        let name: &'static str = Box::leak(format!("missing_{field}").into_boxed_str());
        let v: Value = serde_json::from_str(&body).unwrap_or_default();
        let mut m = v.as_object().cloned().unwrap_or_default();
        m.remove(field);
        c.signed(
            name,
            "missing_field",
            &format!("the envelope has no {field}"),
            Value::Object(m).to_string(),
        );
    }
    let with_client = |raw: &str| envelope("contact.contact_updated", &json!({}), raw, MSG_ID, TS);
    for (name, raw, what) in [
        ("client_id_string", "\"12345678\"", "a string"),
        ("client_id_negative", "-5", "negative"),
        ("client_id_fraction", "12345678.5", "fractional"),
        (
            "client_id_integral_fraction",
            "12345678.0",
            "written with a fraction",
        ),
        ("client_id_exponent", "1e3", "written with an exponent"),
        (
            "client_id_2_pow_53",
            "9007199254740992",
            "2^53, one past the largest",
        ),
        ("client_id_null", "null", "null"),
    ] {
        c.signed(
            name,
            "invalid_field",
            &format!("clientId {what}"),
            with_client(raw),
        );
    }
    let with_id = |id: &str| envelope("contact.contact_updated", &json!({}), "12345678", id, TS);
    c.signed(
        "message_id_empty",
        "invalid_field",
        "an empty messageId",
        with_id(""),
    );
    c.signed(
        "message_id_257_chars",
        "invalid_field",
        "a messageId of 257 characters",
        with_id(&"a".repeat(257)),
    );
    c.signed(
        "message_id_number",
        "invalid_field",
        "a numeric messageId",
        with_id("x").replace("\"messageId\":\"x\"", "\"messageId\":42"),
    );
    let with_type = |t: &str| envelope(t, &json!({}), "12345678", MSG_ID, TS);
    c.signed(
        "type_without_dot",
        "invalid_field",
        "a type without a dot",
        with_type("contactupdated"),
    );
    c.signed(
        "type_empty_event",
        "invalid_field",
        "a type with an empty event part",
        with_type("contact."),
    );
    c.signed(
        "type_null",
        "invalid_field",
        "a null type",
        with_type("x.y").replace("\"x.y\"", "null"),
    );
    let with_ts = |t: &str| envelope("contact.contact_updated", &json!({}), "12345678", MSG_ID, t);
    c.signed(
        "timestamp_without_zone",
        "invalid_field",
        "a timestamp without a zone",
        with_ts("2024-02-25T23:30:38.056"),
    );
    c.signed(
        "timestamp_not_rfc3339",
        "invalid_field",
        "a timestamp in another format",
        with_ts("25/02/2024 23:30"),
    );
    c.signed(
        "timestamp_number",
        "invalid_field",
        "a numeric timestamp",
        with_ts("x").replace("\"timestamp\":\"x\"", "\"timestamp\":1708903838"),
    );

    // Timestamp limits: the limit itself passes, one millisecond past fails.
    let now: DateTime<Utc> = NOW.parse().unwrap_or_default();
    let at = |d: TimeDelta| (now + d).to_rfc3339_opts(SecondsFormat::Millis, true);
    c.signed(
        "timestamp_at_max_age",
        "ok",
        "exactly max_age old",
        with_ts(&at(-TimeDelta::days(14))),
    );
    c.signed(
        "timestamp_one_past_max_age",
        "timestamp_too_old",
        "max_age plus 1 ms old",
        with_ts(&at(-TimeDelta::days(14) - TimeDelta::milliseconds(1))),
    );
    c.signed(
        "timestamp_year_old",
        "timestamp_too_old",
        "a replay from a year ago",
        with_ts(&at(-TimeDelta::days(365))),
    );
    c.signed(
        "timestamp_at_max_skew",
        "ok",
        "exactly max_future_skew ahead",
        with_ts(&at(TimeDelta::seconds(300))),
    );
    c.signed(
        "timestamp_one_past_max_skew",
        "timestamp_in_future",
        "max_future_skew plus 1 ms ahead",
        with_ts(&at(TimeDelta::seconds(300) + TimeDelta::milliseconds(1))),
    );
    c.signed(
        "timestamp_day_ahead",
        "timestamp_in_future",
        "a day ahead",
        with_ts(&at(TimeDelta::days(1))),
    );
    c.signed(
        "now_override",
        "ok",
        "a case with its own clock",
        with_ts("2020-01-01T00:00:00.000Z"),
    )
    .now = Some("2020-01-01T00:01:00Z".into());
    let mut allow_old = Config::key(KEY);
    allow_old.allowed_client_ids = Some(vec![1]);
    c.add(
        "client_rules_before_timestamp",
        "client_not_allowed",
        "clientId rules are checked before the timestamp",
        allow_old,
        signed(with_ts("2000-01-01T00:00:00Z").as_bytes(), KEY),
        with_ts("2000-01-01T00:00:00Z"),
    );
    c.0
}

fn run(spec: &Spec) -> Value {
    let verifier = spec.config.verifier();
    let now: DateTime<Utc> = spec
        .now
        .as_deref()
        .unwrap_or(NOW)
        .parse()
        .unwrap_or_default();
    match verifier.verify_at(&spec.headers, &spec.body, now) {
        Ok(d) => json!({
            "ok": true, "type": d.event_type().as_str(), "namespace": d.namespace(), "event": d.event(),
            "clientId": d.client_id(), "messageId": d.message_id(),
            "timestamp": d.timestamp().to_rfc3339_opts(SecondsFormat::Millis, true),
            "timestampMillis": d.timestamp().timestamp_millis(),
            "keyLabel": d.key_label(), "signed": d.signed(),
        }),
        Err(e) => {
            json!({ "ok": false, "code": e.code(), "status": e.http_status(), "message": e.to_string() })
        }
    }
}

#[derive(Serialize)]
struct Vectors {
    now: &'static str,
    cases: Vec<Case>,
}

fn vectors() -> Vectors {
    let specs = vector_specs();
    let mut names = std::collections::HashSet::new();
    let cases: Vec<Case> = specs
        .iter()
        .map(|spec| {
            assert!(names.insert(spec.name), "duplicate case name {}", spec.name);
            let expect = run(spec);
            let got = expect.get("code").and_then(Value::as_str).unwrap_or("ok");
            assert_eq!(got, spec.expect, "case {}: {}", spec.name, expect);
            let text = String::from_utf8(spec.body.clone()).ok();
            Case {
                name: spec.name.to_string(),
                description: spec.description.clone(),
                verifier: spec.config.clone(),
                now: spec.now.clone(),
                headers: spec.headers.clone(),
                body_base64: text.is_none().then(|| base64(&spec.body)),
                body: text,
                expect,
            }
        })
        .collect();
    Vectors { now: NOW, cases }
}

/// Standard base64 with padding (the fixtures' only use of it).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[derive(Serialize)]
struct Step {
    op: &'static str,
    at: i64,
    #[serde(skip_serializing_if = "Option::is_none", rename = "clientId")]
    client_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", rename = "messageId")]
    message_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    ticket: String,
    expect: &'static str,
}

struct Sequence {
    name: &'static str,
    description: &'static str,
    lease: i64,
    retention: i64,
    steps: Vec<Step>,
}

fn claim(at: i64, client_id: u64, message_id: &str, ticket: &str, expect: &'static str) -> Step {
    Step {
        op: "claim",
        at,
        client_id: Some(client_id),
        message_id: Some(message_id.into()),
        key: Some(axhook::dedupe_key(client_id, message_id)),
        ticket: ticket.into(),
        expect,
    }
}

fn settle(op: &'static str, at: i64, ticket: &str, expect: &'static str) -> Step {
    Step {
        op,
        at,
        client_id: None,
        message_id: None,
        key: None,
        ticket: ticket.into(),
        expect,
    }
}

fn dedupe_sequences() -> Vec<Sequence> {
    let (lease, retention) = (300, 14 * 86_400 + 300);
    let m = MSG_ID;
    let seq = |name, description, steps| Sequence {
        name,
        description,
        lease,
        retention,
        steps,
    };
    vec![
        seq(
            "new_complete_duplicate",
            "a processed delivery's retries are duplicates",
            vec![
                claim(0, CLIENT, m, "t1", "new"),
                settle("complete", 1, "t1", "ok"),
                claim(2, CLIENT, m, "t2", "duplicate"),
                claim(86_400 * 12, CLIENT, m, "t3", "duplicate"),
            ],
        ),
        seq(
            "new_release_new",
            "a released claim (handler failed) is processed on the retry",
            vec![
                claim(0, CLIENT, m, "t1", "new"),
                settle("release", 1, "t1", "ok"),
                claim(2, CLIENT, m, "t2", "new"),
                settle("complete", 3, "t2", "ok"),
                claim(4, CLIENT, m, "t3", "duplicate"),
            ],
        ),
        seq(
            "in_progress",
            "a claim during another's lease is in progress",
            vec![
                claim(0, CLIENT, m, "t1", "new"),
                claim(1, CLIENT, m, "t2", "in_progress"),
                claim(299, CLIENT, m, "t3", "in_progress"),
                settle("complete", 10, "t1", "ok"),
                claim(11, CLIENT, m, "t4", "duplicate"),
            ],
        ),
        seq(
            "lease_expiry_takeover",
            "an expired lease is taken over; the crashed worker's late complete is lease_lost",
            vec![
                claim(0, CLIENT, m, "t1", "new"),
                claim(300, CLIENT, m, "t2", "new"),
                settle("complete", 301, "t1", "lease_lost"),
                settle("complete", 302, "t2", "ok"),
                claim(303, CLIENT, m, "t3", "duplicate"),
            ],
        ),
        seq(
            "stale_ticket_release",
            "a release with a taken-over ticket is lease_lost and changes nothing",
            vec![
                claim(0, CLIENT, m, "t1", "new"),
                claim(400, CLIENT, m, "t2", "new"),
                settle("release", 401, "t1", "lease_lost"),
                claim(402, CLIENT, m, "t3", "in_progress"),
            ],
        ),
        seq(
            "settle_twice",
            "a ticket settles once; a second complete or release is lease_lost",
            vec![
                claim(0, CLIENT, m, "t1", "new"),
                settle("complete", 1, "t1", "ok"),
                settle("complete", 2, "t1", "lease_lost"),
                settle("release", 3, "t1", "lease_lost"),
                claim(4, CLIENT, m, "t2", "duplicate"),
            ],
        ),
        seq(
            "retention_expiry",
            "after the retention window the id is new again",
            vec![
                claim(0, CLIENT, m, "t1", "new"),
                settle("complete", 0, "t1", "ok"),
                claim(retention - 1, CLIENT, m, "t2", "duplicate"),
                claim(retention, CLIENT, m, "t3", "new"),
            ],
        ),
        seq(
            "same_message_id_two_clients",
            "the same messageId under two clientIds is two deliveries",
            vec![
                claim(0, CLIENT, m, "t1", "new"),
                claim(0, 42, m, "t2", "new"),
                settle("complete", 1, "t1", "ok"),
                claim(2, 42, m, "t3", "in_progress"),
                claim(2, CLIENT, m, "t4", "duplicate"),
            ],
        ),
        seq(
            "distinct_ids_independent",
            "different messageIds never interfere",
            vec![
                claim(0, CLIENT, "a", "t1", "new"),
                claim(0, CLIENT, "b", "t2", "new"),
                settle("release", 1, "t1", "ok"),
                settle("complete", 1, "t2", "ok"),
                claim(2, CLIENT, "a", "t3", "new"),
                claim(2, CLIENT, "b", "t4", "duplicate"),
            ],
        ),
        Sequence {
            name: "short_lease_and_retention",
            description: "custom lease (10 s) and retention (60 s)",
            lease: 10,
            retention: 60,
            steps: vec![
                claim(0, CLIENT, m, "t1", "new"),
                claim(9, CLIENT, m, "t2", "in_progress"),
                claim(10, CLIENT, m, "t3", "new"),
                settle("complete", 11, "t3", "ok"),
                claim(70, CLIENT, m, "t4", "duplicate"),
                claim(71, CLIENT, m, "t5", "new"),
            ],
        },
    ]
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StoreConfig {
    lease_seconds: i64,
    retention_seconds: i64,
}

#[derive(Serialize)]
struct SequenceOut {
    name: &'static str,
    description: &'static str,
    store: StoreConfig,
    steps: Vec<Step>,
}

#[derive(Serialize)]
struct Dedupe {
    start: &'static str,
    sequences: Vec<SequenceOut>,
}

fn dedupe() -> Dedupe {
    let start: DateTime<Utc> = NOW.parse().unwrap_or_default();
    let sequences: Vec<SequenceOut> = dedupe_sequences()
        .into_iter()
        .map(|s| {
            let store = MemoryStore::with_limits(
                TimeDelta::seconds(s.lease),
                TimeDelta::seconds(s.retention),
                1000,
            );
            let mut tickets: BTreeMap<String, Ticket> = BTreeMap::new();
            for step in &s.steps {
                let now = start + TimeDelta::seconds(step.at);
                let got = match step.op {
                    "claim" => match store.claim(step.key.as_deref().unwrap_or_default(), now) {
                        Ok(Claim::New(t)) => {
                            tickets.insert(step.ticket.clone(), t);
                            "new"
                        }
                        Ok(other) => other.code(),
                        Err(e) => e.code(),
                    },
                    op => {
                        let t = &tickets[&step.ticket];
                        let r = if op == "complete" {
                            store.complete(t, now)
                        } else {
                            store.release(t)
                        };
                        r.map_or_else(|e| e.code(), |()| "ok")
                    }
                };
                assert_eq!(
                    got, step.expect,
                    "sequence {}, step {} {} at {}",
                    s.name, step.op, step.ticket, step.at
                );
            }
            SequenceOut {
                name: s.name,
                description: s.description,
                store: StoreConfig {
                    lease_seconds: s.lease,
                    retention_seconds: s.retention,
                },
                steps: s.steps,
            }
        })
        .collect();
    Dedupe {
        start: NOW,
        sequences,
    }
}

fn write(path: PathBuf, value: &impl Serialize) {
    let text = serde_json::to_string_pretty(value).unwrap_or_default() + "\n";
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "fixtures".into()));
    let events = dir.join("events");
    std::fs::create_dir_all(&events).unwrap_or_else(|e| panic!("{}: {e}", events.display()));
    let vectors = vectors();
    write(dir.join("vectors.json"), &vectors);
    write(dir.join("dedupe.json"), &dedupe());
    for t in KNOWN_EVENTS {
        let body: Value = serde_json::from_str(&body_with(t)).unwrap_or_default();
        write(Path::new(&events).join(format!("{t}.json")), &body);
    }
    let count = vectors.cases.len();
    println!(
        "wrote {count} vectors, {} dedupe sequences, {} event samples to {}",
        dedupe_sequences().len(),
        KNOWN_EVENTS.len(),
        dir.display()
    );
}
