//! [`Received`]: the outcome of one request, ready to answer.

use axhook::{Delivery, Verdict};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

/// What the receiver decided for one request: the core's [`Verdict`], the verified delivery
/// (when verification passed) and the raw body as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    /// The verdict; its `code()` and `http_status()` are the answer.
    pub verdict: Verdict,
    /// The verified delivery; `None` when verification refused the request.
    pub delivery: Option<Delivery<'static>>,
    /// The body as received (at most `max_body_bytes + 1` bytes of it).
    pub body: Bytes,
}

impl Received {
    /// The stable code: `processed`, `duplicate`, … or a verification code.
    pub fn code(&self) -> &'static str {
        self.verdict.code()
    }

    /// The HTTP status to answer.
    pub fn http_status(&self) -> u16 {
        self.verdict.http_status()
    }

    /// A message for the sender. Handler and store failures are internal matters: the sender
    /// learns only that it should retry; the full verdict is for the receiver's own log.
    pub fn public_message(&self) -> String {
        match &self.verdict {
            Verdict::HandlerFailed(_) => "handler failed; retry later".to_string(),
            Verdict::StoreUnavailable(_) => "dedupe store unavailable; retry later".to_string(),
            v => v.to_string(),
        }
    }

    /// The JSON answered to the sender: `{"status", "code", "message", "messageId"?}`.
    pub fn response_json(&self) -> serde_json::Value {
        let mut json = serde_json::json!({
            "status": self.http_status(),
            "code": self.code(),
            "message": self.public_message(),
        });
        if let Some(d) = &self.delivery {
            json["messageId"] = d.message_id().into();
        }
        json
    }
}

impl IntoResponse for Received {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = self.response_json().to_string();
        (
            status,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    }
}
