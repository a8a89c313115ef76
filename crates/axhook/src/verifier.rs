//! The [`Verifier`]: keys, policy and the order of checks.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::envelope::{self, Delivery, Envelope};
use crate::error::{ConfigError, Error};
use crate::headers::{read_signature, Headers, Signature};

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// Default `max_age`: 14 days, longer than aXcelerate's whole retry schedule (~12.1 days).
pub const DEFAULT_MAX_AGE: TimeDelta = TimeDelta::days(14);
/// Default `max_future_skew`: 5 minutes.
pub const DEFAULT_MAX_FUTURE_SKEW: TimeDelta = TimeDelta::minutes(5);
/// Default `max_body_bytes`: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1 << 20;

/// One labelled key, pre-keyed once: verification clones the HMAC state.
#[derive(Clone)]
struct Key {
    label: Arc<str>,
    mac: HmacSha256,
    /// The same key without its surrounding whitespace, kept only to explain a mismatch.
    trimmed: Option<HmacSha256>,
}

impl Key {
    fn new(label: &str, secret: &[u8]) -> Result<Self, ConfigError> {
        if secret.is_empty() {
            return Err(ConfigError::new(format!(
                "the key labelled {label:?} is empty"
            )));
        }
        let trimmed = secret.trim_ascii();
        Ok(Self {
            label: Arc::from(label),
            mac: mac_for(secret),
            trimmed: (trimmed.len() != secret.len() && !trimmed.is_empty())
                .then(|| mac_for(trimmed)),
        })
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        wipe(&mut self.mac);
        if let Some(trimmed) = &mut self.trimmed {
            wipe(trimmed);
        }
    }
}

/// Overwrites a pre-keyed state, which is as good as its key, with the state of an empty key
/// (the `digest` crate cannot zeroize its own); `black_box` keeps the store from being
/// optimised away.
pub(crate) fn wipe(mac: &mut HmacSha256) {
    *mac = mac_for(b"");
    std::hint::black_box(mac);
}

pub(crate) fn mac_for(secret: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    <HmacSha256 as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!())
}

/// Verifies aXcelerate deliveries: signature, envelope, clientId policy and timestamp.
///
/// Built once with [`Verifier::builder`], immutable, and cheap to share across threads.
/// Keys never appear in its `Debug` output.
///
/// ```
/// use axhook::{signer, Verifier};
///
/// let verifier = Verifier::builder().key("current", "k1").build()?;
/// let body = br#"{"type":"contact.contact_created","message":{"contact":{"id":7}},"clientId":1,"messageId":"m","timestamp":"2024-02-25T23:30:38Z"}"#;
/// let headers = signer::signed_headers(body, "k1");
/// let now = "2024-02-26T00:00:00Z".parse().unwrap();
/// let delivery = verifier.verify_at(&headers, body, now)?;
/// assert_eq!(delivery.key_label(), Some("current"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Verifier {
    keys: Vec<Key>,
    client_keys: Option<HashMap<u64, Vec<Key>>>,
    allowed_client_ids: Option<HashSet<u64>>,
    allow_unsigned: bool,
    max_age: TimeDelta,
    max_future_skew: TimeDelta,
    max_body_bytes: usize,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let labels: Vec<&str> = self.keys.iter().map(|k| &*k.label).collect();
        f.debug_struct("Verifier")
            .field("keys", &format_args!("{labels:?} [REDACTED]"))
            .field(
                "client_keys",
                &self
                    .client_keys
                    .as_ref()
                    .map(|m| format!("{} clients [REDACTED]", m.len())),
            )
            .field("allowed_client_ids", &self.allowed_client_ids)
            .field("allow_unsigned", &self.allow_unsigned)
            .field("max_age", &self.max_age)
            .field("max_future_skew", &self.max_future_skew)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

/// A key's bytes as the builder holds them until `build`: wiped when dropped.
type KeyBytes = Zeroizing<Vec<u8>>;

/// Builds a [`Verifier`].
#[derive(Default)]
pub struct VerifierBuilder {
    keys: Vec<(String, KeyBytes)>,
    client_keys: Option<Vec<(u64, String, KeyBytes)>>,
    allowed_client_ids: Option<HashSet<u64>>,
    allow_unsigned: bool,
    max_age: Option<TimeDelta>,
    max_future_skew: Option<TimeDelta>,
    max_body_bytes: Option<usize>,
}

impl fmt::Debug for VerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierBuilder").finish_non_exhaustive()
    }
}

impl VerifierBuilder {
    /// Adds a key under a label (`"current"`, `"previous"`, …). Several keys make rotation
    /// possible; the label of the key that matched is reported on the delivery. The key is
    /// used exactly as given: its UTF-8 bytes, never trimmed.
    pub fn key(mut self, label: impl Into<String>, secret: impl AsRef<[u8]>) -> Self {
        self.keys
            .push((label.into(), Zeroizing::new(secret.as_ref().to_vec())));
        self
    }

    /// Adds a key that applies only to deliveries of `client_id`. Once any client key is set,
    /// a listed clientId is checked against its own keys only, and an unlisted one against the
    /// global keys (`no_key_for_client` when there are none).
    pub fn client_key(
        mut self,
        client_id: u64,
        label: impl Into<String>,
        secret: impl AsRef<[u8]>,
    ) -> Self {
        self.client_keys.get_or_insert_with(Vec::new).push((
            client_id,
            label.into(),
            Zeroizing::new(secret.as_ref().to_vec()),
        ));
        self
    }

    /// Accepts only these clientIds (`client_not_allowed` otherwise). An empty list allows
    /// nobody; not calling this allows everyone.
    pub fn allowed_client_ids(mut self, ids: impl IntoIterator<Item = u64>) -> Self {
        self.allowed_client_ids = Some(ids.into_iter().collect());
        self
    }

    /// Accepts version `0` (unsigned) deliveries when no key applies to them.
    pub fn allow_unsigned(mut self, allow: bool) -> Self {
        self.allow_unsigned = allow;
        self
    }

    /// The oldest timestamp accepted, relative to now (default 14 days).
    pub fn max_age(mut self, max_age: TimeDelta) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// How far in the future a timestamp may be (default 5 minutes).
    pub fn max_future_skew(mut self, skew: TimeDelta) -> Self {
        self.max_future_skew = Some(skew);
        self
    }

    /// The largest body accepted, in bytes (default 1 MiB).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = Some(limit);
        self
    }

    /// Builds the verifier, pre-keying every HMAC.
    pub fn build(self) -> Result<Verifier, ConfigError> {
        let keys = labelled(self.keys.iter().map(|(l, s)| (l.as_str(), s.as_slice())))?;
        let client_keys = match &self.client_keys {
            None => None,
            Some(list) => {
                let mut by_client: HashMap<u64, Vec<(&str, &[u8])>> = HashMap::new();
                for (id, label, secret) in list {
                    by_client.entry(*id).or_default().push((label, secret));
                }
                let mut map = HashMap::with_capacity(by_client.len());
                for (id, keys) in by_client {
                    map.insert(id, labelled(keys.into_iter())?);
                }
                Some(map)
            }
        };
        if keys.is_empty() && client_keys.is_none() && !self.allow_unsigned {
            return Err(ConfigError::new(
                "no key is configured and unsigned deliveries are not allowed, so every delivery would be refused",
            ));
        }
        let max_age = self.max_age.unwrap_or(DEFAULT_MAX_AGE);
        let max_future_skew = self.max_future_skew.unwrap_or(DEFAULT_MAX_FUTURE_SKEW);
        if max_age < TimeDelta::zero() || max_future_skew < TimeDelta::zero() {
            return Err(ConfigError::new(
                "max_age and max_future_skew must not be negative",
            ));
        }
        Ok(Verifier {
            keys,
            client_keys,
            allowed_client_ids: self.allowed_client_ids,
            allow_unsigned: self.allow_unsigned,
            max_age,
            max_future_skew,
            max_body_bytes: self.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES),
        })
    }
}

fn labelled<'k>(keys: impl Iterator<Item = (&'k str, &'k [u8])>) -> Result<Vec<Key>, ConfigError> {
    let keys: Vec<_> = keys.collect();
    // Sized once: growing would free a copy of the pre-keyed states without wiping it.
    let mut out: Vec<Key> = Vec::with_capacity(keys.len());
    for (label, secret) in keys {
        if out.iter().any(|k| &*k.label == label) {
            return Err(ConfigError::new(format!(
                "the key label {label:?} is used twice"
            )));
        }
        out.push(Key::new(label, secret)?);
    }
    Ok(out)
}

impl Verifier {
    /// Starts building a verifier.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    /// The labels of the global keys, in the order they were added (never the keys).
    pub fn key_labels(&self) -> Vec<&str> {
        self.keys.iter().map(|k| &*k.label).collect()
    }

    /// The configured `max_age`.
    pub fn max_age(&self) -> TimeDelta {
        self.max_age
    }

    /// The configured `max_future_skew`.
    pub fn max_future_skew(&self) -> TimeDelta {
        self.max_future_skew
    }

    /// The configured `max_body_bytes`.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// Verifies a delivery against the wall clock. See [`verify_at`](Self::verify_at).
    pub fn verify<'b, H: Headers + ?Sized>(
        &self,
        headers: &H,
        body: &'b [u8],
    ) -> Result<Delivery<'b>, Error> {
        self.verify_at(headers, body, Utc::now())
    }

    /// Verifies a delivery as of `now`: headers, body size, signature, envelope, clientId
    /// rules, then timestamp. The body is the raw request bytes, exactly as received.
    pub fn verify_at<'b, H: Headers + ?Sized>(
        &self,
        headers: &H,
        body: &'b [u8],
        now: DateTime<Utc>,
    ) -> Result<Delivery<'b>, Error> {
        let signature = read_signature(headers)?;
        if body.len() > self.max_body_bytes {
            return Err(Error::BodyTooLarge {
                len: body.len(),
                limit: self.max_body_bytes,
            });
        }
        // The clientId is read from the unverified body only to pick keys.
        let (keys, parsed) = match &self.client_keys {
            None => (Some(self.keys.as_slice()), None),
            Some(by_client) => {
                let parsed = envelope::parse(body);
                let client_id = match &parsed {
                    Ok(env) => Some(env.client_id),
                    Err(failure) => failure.client_id,
                };
                let keys = match client_id.and_then(|id| by_client.get(&id)) {
                    Some(keys) => Some(keys.as_slice()),
                    None if self.keys.is_empty() => None,
                    None => Some(self.keys.as_slice()),
                };
                if keys.is_none() && signature != Signature::Unsigned {
                    return Err(Error::NoKeyForClient { client_id });
                }
                (keys, Some(parsed))
            }
        };
        let keys = keys.unwrap_or(&[]);
        let (key_label, parsed) = match signature {
            Signature::Unsigned if !keys.is_empty() || !self.allow_unsigned => {
                return Err(Error::UnsignedRejected {
                    key_applies: !keys.is_empty(),
                });
            }
            Signature::Unsigned => (None, parsed),
            Signature::Signed(sig) => {
                let (first, parsed) = match (parsed, keys.first()) {
                    // Scan the body while its HMAC under the first key is computed; the
                    // signature is still judged before anything the scan found.
                    (None, Some(key)) => {
                        let mut mac = key.mac.clone();
                        let parsed = envelope::parse_and_mac(body, &mut mac);
                        (Some(mac), Some(parsed))
                    }
                    (parsed, _) => (None, parsed),
                };
                (Some(check_signature(keys, body, &sig, first)?), parsed)
            }
        };
        let env = match parsed {
            Some(parsed) => parsed,
            None => envelope::parse(body),
        }
        .map_err(|failure| failure.error)?;
        self.check_policy(&env, now)?;
        Ok(Delivery {
            raw: Cow::Borrowed(body),
            message: env.message,
            event_type: env.event_type,
            client_id: env.client_id,
            message_id: env.message_id,
            timestamp: env.timestamp,
            key_label,
        })
    }

    fn check_policy(&self, env: &Envelope, now: DateTime<Utc>) -> Result<(), Error> {
        if let Some(allowed) = &self.allowed_client_ids {
            if !allowed.contains(&env.client_id) {
                return Err(Error::ClientNotAllowed {
                    client_id: env.client_id,
                });
            }
        }
        let age = now.signed_duration_since(env.timestamp);
        if age > self.max_age {
            return Err(Error::TimestampTooOld {
                age_ms: age.num_milliseconds(),
                max_age_ms: self.max_age.num_milliseconds(),
            });
        }
        if -age > self.max_future_skew {
            return Err(Error::TimestampInFuture {
                ahead_ms: (-age).num_milliseconds(),
                max_skew_ms: self.max_future_skew.num_milliseconds(),
            });
        }
        Ok(())
    }
}

/// Finds the key that produced `sig` (constant-time comparison), or explains the mismatch.
/// `first` is the first key's MAC when it was already fed with the body.
fn check_signature(
    keys: &[Key],
    body: &[u8],
    sig: &[u8; 32],
    mut first: Option<HmacSha256>,
) -> Result<Arc<str>, Error> {
    for key in keys {
        let mac = first.take().unwrap_or_else(|| {
            let mut mac = key.mac.clone();
            mac.update(body);
            mac
        });
        if mac.verify_slice(sig).is_ok() {
            return Ok(key.label.clone());
        }
    }
    Err(Error::SignatureMismatch {
        hint: mismatch_hint(keys, body, sig),
    })
}

/// A likely cause of a mismatch, found without revealing the expected signature.
fn mismatch_hint(keys: &[Key], body: &[u8], sig: &[u8; 32]) -> Option<&'static str> {
    if keys.is_empty() {
        return Some("no key applies to this delivery");
    }
    let trimmed_matches = keys
        .iter()
        .filter_map(|k| k.trimmed.clone())
        .any(|mut mac| {
            mac.update(body);
            mac.verify_slice(sig).is_ok()
        });
    if trimmed_matches {
        return Some(
            "a configured key has surrounding whitespace that the sender's key lacks; \
             remove it from the configured key",
        );
    }
    if body.windows(2).any(|w| w == b"\n " || w == b"\r\n") || body.windows(3).any(|w| w == b"\": ")
    {
        return Some(
            "the body looks re-serialised or pretty-printed; verify the raw request bytes, \
             before any JSON parser touches them",
        );
    }
    if keys.iter().any(|k| k.trimmed.is_some()) {
        return Some(
            "a configured key has surrounding whitespace; keys are used exactly as configured",
        );
    }
    None
}
