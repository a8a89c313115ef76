//! The sender side, for tests and tools: sign bodies and build realistic deliveries the way
//! aXcelerate does.

use std::fmt;
use std::time::SystemTime;

use crate::{header_map, instant, HeaderMap};

/// Signs bodies with one key: lowercase hex of HMAC-SHA256(key's UTF-8 bytes, body).
/// Its `toString()` / `debugDescription` never shows the key.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct Signer {
    inner: axhook::signer::Signer,
}

#[uniffi::export]
impl Signer {
    /// A signer for `key`, used as its exact UTF-8 bytes.
    #[uniffi::constructor]
    pub fn new(key: &str) -> Self {
        Self {
            inner: axhook::signer::Signer::new(key),
        }
    }

    /// The signature of `body`: 64 lowercase hex digits.
    pub fn sign(&self, body: Vec<u8>) -> String {
        self.inner.sign(&body)
    }
}

/// The headers aXcelerate sends with `body` signed by `key` (version `1`).
#[uniffi::export]
pub fn signed_headers(body: Vec<u8>, key: &str) -> HeaderMap {
    header_map(axhook::signer::signed_headers(&body, key))
}

/// The headers aXcelerate sends when no key is configured (version `0`, empty signature).
#[uniffi::export]
pub fn unsigned_headers() -> HeaderMap {
    header_map(axhook::signer::unsigned_headers())
}

/// What to put in a test delivery; every field but the type has a realistic default.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DeliverySpec {
    /// The event type, for example `contact.contact_updated`.
    pub event_type: String,
    /// The message as JSON text (default: a sample message for the type).
    #[uniffi(default = None)]
    pub message_json: Option<String>,
    /// The clientId (default 12345678).
    #[uniffi(default = None)]
    pub client_id: Option<u64>,
    /// The messageId (default: a fresh UUID).
    #[uniffi(default = None)]
    pub message_id: Option<String>,
    /// The timestamp (default: now).
    #[uniffi(default = None)]
    pub timestamp: Option<SystemTime>,
}

/// A delivery ready to send: the body and its headers.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Outgoing {
    /// The JSON body, compact, as aXcelerate serialises it.
    pub body: Vec<u8>,
    /// `Ax-Signature-Version` and `Ax-Signature`.
    pub headers: HeaderMap,
    /// The envelope's messageId.
    pub message_id: String,
}

impl From<axhook::signer::Outgoing> for Outgoing {
    fn from(o: axhook::signer::Outgoing) -> Self {
        Self {
            body: o.body,
            headers: header_map(o.headers),
            message_id: o.message_id,
        }
    }
}

/// A delivery spec that cannot be built.
#[derive(Debug, uniffi::Error)]
pub enum SignerError {
    /// `message_json` is not JSON.
    InvalidMessageJson {
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for SignerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignerError::InvalidMessageJson { reason } => {
                write!(f, "message_json is not JSON: {reason}")
            }
        }
    }
}

impl std::error::Error for SignerError {}

impl DeliverySpec {
    fn builder(&self) -> Result<axhook::signer::DeliveryBuilder, SignerError> {
        let mut b = axhook::signer::DeliveryBuilder::new(self.event_type.clone());
        if let Some(json) = &self.message_json {
            let message =
                serde_json::from_str(json).map_err(|e| SignerError::InvalidMessageJson {
                    reason: e.to_string(),
                })?;
            b = b.message(message);
        }
        if let Some(id) = self.client_id {
            b = b.client_id(id);
        }
        if let Some(id) = &self.message_id {
            b = b.message_id(id.clone());
        }
        if let Some(at) = self.timestamp {
            b = b.timestamp(instant(Some(at)));
        }
        Ok(b)
    }
}

/// The delivery `spec` describes, signed with `key` (version `1`).
#[uniffi::export]
pub fn signed_delivery(spec: &DeliverySpec, key: &str) -> Result<Outgoing, SignerError> {
    Ok(spec.builder()?.sign(key).into())
}

/// The delivery `spec` describes, unsigned (version `0`), as aXcelerate sends it without a key.
#[uniffi::export]
pub fn unsigned_delivery(spec: &DeliverySpec) -> Result<Outgoing, SignerError> {
    Ok(spec.builder()?.unsigned().into())
}

forward_fmt!(Signer => Debug);
