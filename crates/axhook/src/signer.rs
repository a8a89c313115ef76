//! The sender side, as aXcelerate does it: sign bodies and build realistic deliveries.
//! Fixtures, tests, `axhook send` and every binding's test helpers use it.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::headers::{SIGNATURE_HEADER, VERSION_HEADER};

/// Signs bodies with one key: lowercase hex of HMAC-SHA256(key, body).
///
/// ```
/// let sig = axhook::signer::Signer::new("key").sign(b"The quick brown fox jumps over the lazy dog");
/// assert_eq!(sig, "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
/// ```
#[derive(Clone)]
pub struct Signer {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer([REDACTED])")
    }
}

impl Drop for Signer {
    fn drop(&mut self) {
        crate::verifier::wipe(&mut self.mac);
    }
}

impl Signer {
    /// A signer for `key`, used as its exact bytes.
    pub fn new(key: impl AsRef<[u8]>) -> Self {
        Self {
            mac: <Hmac<Sha256> as Mac>::new_from_slice(key.as_ref())
                .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length")),
        }
    }

    /// The signature of `body`: 64 lowercase hex digits.
    pub fn sign(&self, body: &[u8]) -> String {
        let mut mac = self.mac.clone();
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }
}

/// The two headers aXcelerate sends with a body signed by `key` (version `1`).
pub fn signed_headers(body: &[u8], key: impl AsRef<[u8]>) -> [(&'static str, String); 2] {
    [
        (VERSION_HEADER, "1".to_string()),
        (SIGNATURE_HEADER, Signer::new(key).sign(body)),
    ]
}

/// The two headers aXcelerate sends when no key is configured (version `0`).
pub fn unsigned_headers() -> [(&'static str, String); 2] {
    [
        (VERSION_HEADER, "0".to_string()),
        (SIGNATURE_HEADER, String::new()),
    ]
}

/// A delivery ready to send: the body and its headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The JSON body, compact, as aXcelerate serialises it.
    pub body: Vec<u8>,
    /// `Ax-Signature-Version` and `Ax-Signature`.
    pub headers: Vec<(String, String)>,
    /// The envelope's messageId.
    pub message_id: String,
}

/// Builds a realistic delivery envelope: type, message, clientId, a fresh messageId and the
/// current timestamp, each overridable.
///
/// ```
/// use axhook::signer::DeliveryBuilder;
/// let sent = DeliveryBuilder::new("student.workshop_enrolment_created").client_id(42).sign("k1");
/// let text = std::str::from_utf8(&sent.body).unwrap();
/// assert!(text.contains(r#""clientId":42"#) && text.contains(r#""workshop":{"id""#));
/// ```
#[derive(Debug, Clone)]
pub struct DeliveryBuilder {
    event_type: String,
    message: Option<String>,
    client_id: u64,
    message_id: Option<String>,
    timestamp: Option<DateTime<Utc>>,
}

impl DeliveryBuilder {
    /// A delivery of `event_type` with a sample message for it.
    pub fn new(event_type: impl Into<String>) -> Self {
        Self {
            event_type: event_type.into(),
            message: None,
            client_id: 12345678,
            message_id: None,
            timestamp: None,
        }
    }

    /// Replaces the sample message.
    pub fn message(mut self, message: Value) -> Self {
        self.message = Some(message.to_string());
        self
    }

    /// Replaces the sample message with raw JSON text, used exactly as given (key order,
    /// number spelling). The text is not checked: a broken one makes a broken delivery.
    pub fn message_json(mut self, json: impl Into<String>) -> Self {
        self.message = Some(json.into());
        self
    }

    /// Sets the clientId (default 12345678).
    pub fn client_id(mut self, client_id: u64) -> Self {
        self.client_id = client_id;
        self
    }

    /// Sets the messageId (default: a fresh UUID).
    pub fn message_id(mut self, id: impl Into<String>) -> Self {
        self.message_id = Some(id.into());
        self
    }

    /// Sets the timestamp (default: now).
    pub fn timestamp(mut self, at: DateTime<Utc>) -> Self {
        self.timestamp = Some(at);
        self
    }

    /// The envelope's JSON body and its messageId.
    pub fn body(&self) -> (Vec<u8>, String) {
        let message_id = self.message_id.clone().unwrap_or_else(fresh_message_id);
        let message = self
            .message
            .clone()
            .unwrap_or_else(|| sample_message(&self.event_type, self.client_id).to_string());
        let timestamp = self
            .timestamp
            .unwrap_or_else(Utc::now)
            .to_rfc3339_opts(SecondsFormat::Millis, true);
        // Fields in aXcelerate's order; serde_json's own maps would sort them.
        let body = format!(
            r#"{{"type":{},"message":{},"clientId":{},"messageId":{},"timestamp":{}}}"#,
            Value::from(self.event_type.as_str()),
            message,
            self.client_id,
            Value::from(message_id.as_str()),
            Value::from(timestamp),
        );
        (body.into_bytes(), message_id)
    }

    /// The delivery signed with `key` (version `1`).
    pub fn sign(&self, key: impl AsRef<[u8]>) -> Outgoing {
        let (body, message_id) = self.body();
        let headers = owned(signed_headers(&body, key));
        Outgoing {
            body,
            headers,
            message_id,
        }
    }

    /// The delivery unsigned (version `0`), as aXcelerate sends it without a private key.
    pub fn unsigned(&self) -> Outgoing {
        let (body, message_id) = self.body();
        Outgoing {
            body,
            headers: owned(unsigned_headers()),
            message_id,
        }
    }
}

fn owned(headers: [(&'static str, String); 2]) -> Vec<(String, String)> {
    headers
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// A fresh random UUID (version 4 layout) for a messageId.
pub fn fresh_message_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut words = [0u64; 2];
    for word in &mut words {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_i64(Utc::now().timestamp_nanos_opt().unwrap_or_default());
        *word = h.finish();
    }
    let b = (u128::from(words[0]) << 64 | u128::from(words[1])) & !(0xF << 76) & !(0x3 << 62)
        | (0x4 << 76)
        | (0x2 << 62);
    let hex = format!("{b:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// A realistic message for an event type, shaped like aXcelerate's (ids derived from `seed`).
pub fn sample_message(event_type: &str, seed: u64) -> Value {
    let id = 100_000 + seed % 900_000;
    let (namespace, event) = event_type.split_once('.').unwrap_or((event_type, ""));
    let contact = json!({
        "id": id, "givenName": "Ada", "surname": "Lovelace",
        "emailAddress": "ada.lovelace@example.edu.au", "mobilephone": "0400 000 000",
        "organisation": "Analytical Engines Pty Ltd", "dob": "1990-12-10",
    });
    let enrolment = |kind: &str| {
        json!({
            "id": id + 7, "status": "Enrolled",
            kind: {"id": id + 11, "name": "Certificate IV in Training and Assessment"},
            "student": {"contactId": id, "givenName": "Ada", "surname": "Lovelace"},
            "updatedAt": "2024-02-25T23:30:37.000Z",
        })
    };
    match (namespace, event) {
        ("contact", "contact_merged") => json!({
            "contact": contact, "mergedContactIds": [id + 1, id + 2],
        }),
        ("contact", _) => json!({ "contact": contact }),
        ("student", e) if e.starts_with("workshop_enrolment") => {
            json!({ "enrolment": enrolment("workshop") })
        }
        ("student", e) if e.starts_with("class_enrolment") => {
            json!({ "enrolment": enrolment("class") })
        }
        ("student", e) if e.starts_with("unit_enrolment") => json!({
            "enrolment": {"id": id + 5, "status": "Competent", "unit": {"code": "TAEDES411", "name": "Design learning"},
                          "student": {"contactId": id}},
        }),
        ("student", _) => json!({
            "enrolment": {"id": id + 3, "status": "Completed", "activity": {"id": id + 13, "name": "Induction quiz"},
                          "student": {"contactId": id}},
        }),
        ("course", e) => {
            let kind = e.rsplit_once('_').map_or(e, |(k, _)| k);
            json!({ kind: {"id": id + 17, "name": format!("Sample {kind}"), "active": true} })
        }
        ("calendar", _) => json!({
            "event": {"id": id + 19, "title": "Trainer meeting", "start": "2024-03-01T09:00:00+10:00",
                      "end": "2024-03-01T10:00:00+10:00", "location": "Brisbane"},
        }),
        ("trainer", _) => {
            json!({ "trainer": {"id": id + 23, "contactId": id, "givenName": "Grace", "surname": "Hopper"} })
        }
        _ => json!({ "id": id }),
    }
}
