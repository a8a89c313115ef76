//! The activity page, like aXcelerate's own "Recent Activity": the recent deliveries with
//! their verdicts at `/_axhook/`, their data at `/_axhook/deliveries.json`.
//!
//! Loopback clients only, unless a token is configured: then anyone presenting it (as
//! `?token=` or `Authorization: Bearer`), and nobody without it.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axhook_axum::Received;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The page: self-contained HTML, CSS and script, no external asset.
const PAGE: &str = include_str!("activity.html");
/// The most of a payload the page keeps.
const MAX_PAYLOAD_BYTES: usize = 64 * 1024;

/// One request as the page shows it.
#[derive(Debug, Clone)]
struct Entry {
    id: u64,
    received_at: DateTime<Utc>,
    status: u16,
    code: &'static str,
    message: String,
    verified: bool,
    event_type: Option<String>,
    client_id: Option<u64>,
    message_id: Option<String>,
    key_label: Option<String>,
    duration: Duration,
    payload: String,
}

/// The recent deliveries, newest last, bounded.
#[derive(Debug)]
pub(crate) struct Activity {
    entries: Mutex<(u64, VecDeque<Entry>)>,
    capacity: usize,
    /// SHA-256 of the token, compared in constant time; the token itself is not kept.
    token_digest: Option<[u8; 32]>,
}

impl Activity {
    /// Keeps the last `capacity` deliveries; `token` opens the page beyond loopback.
    pub fn new(capacity: usize, token: Option<&str>) -> Self {
        Self {
            entries: Mutex::new((0, VecDeque::new())),
            capacity: capacity.max(1),
            token_digest: token.map(|t| Sha256::digest(t.as_bytes()).into()),
        }
    }

    /// Records what was received. A refused request's fields are read from its unverified
    /// body for display only, and shown as unverified.
    pub fn record(&self, received: &Received, duration: Duration) {
        let (event_type, client_id, message_id, key_label) = match &received.delivery {
            Some(d) => (
                Some(d.event_type().to_string()),
                Some(d.client_id()),
                Some(d.message_id().to_string()),
                d.key_label().map(str::to_string),
            ),
            None => {
                let json: Value = serde_json::from_slice(&received.body).unwrap_or(Value::Null);
                (
                    json.get("type").and_then(Value::as_str).map(str::to_string),
                    json.get("clientId").and_then(Value::as_u64),
                    json.get("messageId")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    None,
                )
            }
        };
        let shown = &received.body[..received.body.len().min(MAX_PAYLOAD_BYTES)];
        let mut entries = match self.entries.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        entries.0 += 1;
        let entry = Entry {
            id: entries.0,
            received_at: Utc::now(),
            status: received.http_status(),
            code: received.code(),
            message: received.verdict.to_string(),
            verified: received.delivery.is_some(),
            event_type,
            client_id,
            message_id,
            key_label,
            duration,
            payload: String::from_utf8_lossy(shown).into_owned(),
        };
        if entries.1.len() == self.capacity {
            entries.1.pop_front();
        }
        entries.1.push_back(entry);
    }

    /// `{"deliveries": [...]}`, newest first.
    pub fn to_json(&self) -> Value {
        let entries = match self.entries.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let list: Vec<Value> = entries
            .1
            .iter()
            .rev()
            .map(|e| {
                json!({
                    "id": e.id,
                    "receivedAt": e.received_at.to_rfc3339_opts(SecondsFormat::Millis, true),
                    "status": e.status,
                    "code": e.code,
                    "message": e.message,
                    "verified": e.verified,
                    "type": e.event_type,
                    "clientId": e.client_id,
                    "messageId": e.message_id,
                    "keyLabel": e.key_label,
                    "durationMs": (e.duration.as_secs_f64() * 1e4).round() / 10.0,
                    "payload": e.payload,
                })
            })
            .collect();
        json!({ "deliveries": list })
    }

    /// The answer to a request that may not see the page; `None` lets it through.
    fn denial(&self, request: &Request) -> Option<Response> {
        match &self.token_digest {
            Some(expected) => {
                let presented = bearer(request).or_else(|| query_token(request));
                let ok = presented.is_some_and(|t| {
                    let digest: [u8; 32] = Sha256::digest(t.as_bytes()).into();
                    // Constant time over equal-length digests.
                    digest
                        .iter()
                        .zip(expected)
                        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                        == 0
                });
                (!ok).then(|| {
                    denied(
                        StatusCode::UNAUTHORIZED,
                        "a valid activity token is required",
                    )
                })
            }
            None => {
                let loopback = request
                    .extensions()
                    .get::<ConnectInfo<SocketAddr>>()
                    .is_some_and(|ConnectInfo(addr)| addr.ip().is_loopback());
                (!loopback).then(|| {
                    denied(
                        StatusCode::FORBIDDEN,
                        "the activity page answers loopback clients only; start serve with --activity-token-env to open it",
                    )
                })
            }
        }
    }
}

fn bearer(request: &Request) -> Option<String> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    value.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

fn query_token(request: &Request) -> Option<String> {
    request.uri().query()?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == "token").then(|| percent_decode(v))
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn denied(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({ "status": status.as_u16(), "code": "activity_forbidden", "message": message })
            .to_string(),
    )
        .into_response()
}

/// `GET /_axhook/`: the page.
pub(crate) async fn page(State(activity): State<Arc<Activity>>, request: Request) -> Response {
    if let Some(denied) = activity.denial(&request) {
        return denied;
    }
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
            ),
        ],
        PAGE,
    )
        .into_response()
}

/// `GET /_axhook/deliveries.json`: the data.
pub(crate) async fn deliveries(
    State(activity): State<Arc<Activity>>,
    request: Request,
) -> Response {
    if let Some(denied) = activity.denial(&request) {
        return denied;
    }
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        activity.to_json().to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_tokens() {
        assert_eq!(percent_decode("a%20b+c%2"), "a b c%2");
        assert_eq!(percent_decode("%7e"), "~");
    }
}
