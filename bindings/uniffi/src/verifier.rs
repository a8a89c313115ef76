//! `Verifier`, the `Delivery` it returns and the two exceptions of this side: a refused
//! delivery (`VerificationException` in Kotlin, `VerificationError` in Swift) and a verifier
//! that cannot be built (`ConfigException` / `ConfigError`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::{duration, header_pairs, instant, system_time, HeaderMap};

/// Verifies aXcelerate deliveries: signature, envelope, clientId policy and timestamp.
///
/// Built once, immutable, and safe to share between threads. Its `toString()` (Kotlin) or
/// `debugDescription` (Swift) shows key labels and limits, never a key.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct Verifier {
    pub(crate) inner: axhook::Verifier,
}

#[uniffi::export]
impl Verifier {
    /// A verifier with these keys and policy.
    ///
    /// - `keys`: label → key (default: none), used as its exact UTF-8 bytes; several keys allow rotation and
    ///   the label of the matching one is reported on the delivery.
    /// - `client_keys`: clientId → (label → key), for receivers serving several aXcelerate
    ///   accounts.
    /// - `allowed_client_ids`: the clientIds accepted (`null`/`nil`: every clientId; empty:
    ///   none).
    /// - `allow_unsigned`: accept version `0` (unsigned) deliveries when no key applies.
    /// - `max_age` (default 14 days), `max_future_skew` (5 min), `max_body_bytes` (1 MiB).
    // (`keys` last: uniffi 0.32 parses a bare name, meaning the type's default, only there.)
    #[uniffi::constructor(default(
        client_keys = None,
        allowed_client_ids = None,
        allow_unsigned = false,
        max_age = None,
        max_future_skew = None,
        max_body_bytes = None,
        keys
    ))]
    pub fn new(
        keys: HashMap<String, String>,
        client_keys: Option<HashMap<u64, HashMap<String, String>>>,
        allowed_client_ids: Option<Vec<u64>>,
        allow_unsigned: bool,
        max_age: Option<Duration>,
        max_future_skew: Option<Duration>,
        max_body_bytes: Option<u64>,
    ) -> Result<Self, Arc<ConfigError>> {
        let mut b = axhook::Verifier::builder().allow_unsigned(allow_unsigned);
        // Sorted, so that a configuration error names the same key on every run.
        let mut keys: Vec<_> = keys.into_iter().collect();
        keys.sort();
        for (label, secret) in keys {
            b = b.key(label, secret);
        }
        let mut client_keys: Vec<_> = client_keys.into_iter().flatten().collect();
        client_keys.sort_by_key(|(id, _)| *id);
        for (id, keys) in client_keys {
            let mut keys: Vec<_> = keys.into_iter().collect();
            keys.sort();
            for (label, secret) in keys {
                b = b.client_key(id, label, secret);
            }
        }
        if let Some(ids) = allowed_client_ids {
            b = b.allowed_client_ids(ids);
        }
        if let Some(d) = max_age {
            b = b.max_age(duration("maxAge", d).map_err(ConfigError::wrap)?);
        }
        if let Some(d) = max_future_skew {
            b = b.max_future_skew(duration("maxFutureSkew", d).map_err(ConfigError::wrap)?);
        }
        if let Some(n) = max_body_bytes {
            // A limit beyond the address space is no limit.
            b = b.max_body_bytes(usize::try_from(n).unwrap_or(usize::MAX));
        }
        Ok(Self {
            inner: b.build().map_err(ConfigError::wrap)?,
        })
    }

    /// Verifies a delivery: `headers` as received (name → values; any case), `body` the raw
    /// request bytes, exactly as received, and `now` the clock (default: the wall clock).
    /// Throws a `VerificationException` with the code and HTTP status of the refusal.
    #[uniffi::method(default(now = None))]
    pub fn verify(
        &self,
        headers: HeaderMap,
        body: Vec<u8>,
        now: Option<SystemTime>,
    ) -> Result<Delivery, Arc<VerificationError>> {
        let delivery = self
            .inner
            .verify_at(header_pairs(&headers).as_slice(), &body, instant(now))
            .map_err(VerificationError::wrap)?;
        Ok(Delivery::from(&delivery))
    }

    /// The configured `max_age`.
    pub fn max_age(&self) -> Duration {
        self.inner.max_age().to_std().unwrap_or_default()
    }

    /// The configured `max_future_skew`.
    pub fn max_future_skew(&self) -> Duration {
        self.inner.max_future_skew().to_std().unwrap_or_default()
    }

    /// The configured `max_body_bytes`.
    pub fn max_body_bytes(&self) -> u64 {
        u64::try_from(self.inner.max_body_bytes()).unwrap_or(u64::MAX)
    }
}

/// A verified aXcelerate delivery: the envelope's fields and the message as JSON text.
///
/// The raw body is the one the caller passed in; it is not copied back.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Delivery {
    /// The event type, for example `contact.contact_updated`.
    pub event_type: String,
    /// The part of the type before its first dot (`contact`).
    pub namespace: String,
    /// The part of the type after its first dot (`contact_updated`).
    pub event: String,
    /// The aXcelerate account that sent the delivery (at most 2^53 − 1).
    pub client_id: u64,
    /// The delivery's id, the same on every retry.
    pub message_id: String,
    /// When aXcelerate created the delivery.
    pub timestamp: SystemTime,
    /// The label of the key whose signature matched; none for an unsigned delivery.
    pub key_label: Option<String>,
    /// Whether the delivery was signed and its signature verified.
    pub signed: bool,
    /// The `message` value's JSON text, exactly as it appears in the body.
    pub message_json: String,
    /// The dedupe key, `clientId:messageId`.
    pub dedupe_key: String,
}

impl From<&axhook::Delivery<'_>> for Delivery {
    fn from(d: &axhook::Delivery<'_>) -> Self {
        Self {
            event_type: d.event_type().as_str().to_string(),
            namespace: d.namespace().to_string(),
            event: d.event().to_string(),
            client_id: d.client_id(),
            message_id: d.message_id().to_string(),
            timestamp: system_time(d.timestamp()),
            key_label: d.key_label().map(str::to_string),
            signed: d.signed(),
            message_json: d.message_json().to_string(),
            dedupe_key: d.dedupe_key(),
        }
    }
}

/// A delivery refused by the verifier. `code()` is the stable code (`signature_mismatch`, …)
/// and `status()` the HTTP status to answer; `toString()` / `description` says why, without
/// revealing a key or the expected signature.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct VerificationError {
    inner: axhook::Error,
}

#[uniffi::export]
impl VerificationError {
    /// The stable code, identical in every binding.
    pub fn code(&self) -> String {
        self.inner.code().to_string()
    }

    /// The HTTP status a receiver should answer with.
    pub fn status(&self) -> u16 {
        self.inner.http_status()
    }
}

impl std::error::Error for VerificationError {}

impl VerificationError {
    pub(crate) fn wrap(inner: axhook::Error) -> Arc<Self> {
        Arc::new(Self { inner })
    }
}

/// A verifier or store that cannot be built as configured; `code()` is `invalid_config`.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct ConfigError {
    inner: axhook::ConfigError,
}

#[uniffi::export]
impl ConfigError {
    /// The stable code: `invalid_config`.
    pub fn code(&self) -> String {
        self.inner.code().to_string()
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    pub(crate) fn wrap(inner: axhook::ConfigError) -> Arc<Self> {
        Arc::new(Self { inner })
    }
}

/// Whether `event_type` matches `pattern`: `*`, `namespace.*` or an exact type.
#[uniffi::export]
pub fn event_type_matches(event_type: &str, pattern: &str) -> bool {
    axhook::pattern_matches(pattern, event_type)
}

/// The event types aXcelerate is known to send (the list is open: others flow through).
#[uniffi::export]
pub fn known_event_types() -> Vec<String> {
    axhook::KNOWN_EVENTS.iter().map(|t| t.to_string()).collect()
}

forward_fmt!(Verifier => Debug, VerificationError => Display, ConfigError => Display);
