//! Dedupe (`MemoryStore`, `Claim`, `Ticket`, `StoreError`) and the `Receiver`, whose handler is
//! a callback interface implemented in Kotlin or Swift.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::verifier::{ConfigError, Delivery, Verifier};
use crate::{duration, header_pairs, instant, HeaderMap};

/// A bounded, in-process dedupe store: right for one process and for tests.
///
/// Claims lease a delivery (default 5 min); completed ids are remembered for the retention
/// window (default 14 days 5 min, the verifier's whole accepted window); at most `capacity` ids
/// (default 100,000) are held, and an unexpired lease is never evicted.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct MemoryStore {
    inner: Arc<axhook::MemoryStore>,
}

#[uniffi::export]
impl MemoryStore {
    /// A store with these limits; omitted ones take the defaults.
    #[uniffi::constructor(default(lease = None, retention = None, capacity = None))]
    pub fn new(
        lease: Option<Duration>,
        retention: Option<Duration>,
        capacity: Option<u64>,
    ) -> Result<Self, Arc<ConfigError>> {
        let lease = match lease {
            Some(d) => duration("lease", d).map_err(ConfigError::wrap)?,
            None => axhook::DEFAULT_LEASE,
        };
        let retention = match retention {
            Some(d) => duration("retention", d).map_err(ConfigError::wrap)?,
            None => axhook::DEFAULT_RETENTION,
        };
        let capacity = capacity.map_or(axhook::DEFAULT_MEMORY_CAPACITY, |n| {
            usize::try_from(n).unwrap_or(usize::MAX)
        });
        Ok(Self {
            inner: Arc::new(axhook::MemoryStore::with_limits(lease, retention, capacity)),
        })
    }

    /// Claims `key` (`clientId:messageId`) as of `now` (default: the wall clock).
    #[uniffi::method(default(now = None))]
    pub fn claim(&self, key: &str, now: Option<SystemTime>) -> Result<Claim, Arc<StoreError>> {
        use axhook::DedupeStore as _;
        self.inner
            .claim(key, instant(now))
            .map(Claim::from)
            .map_err(StoreError::wrap)
    }

    /// Marks a claimed delivery processed; throws `lease_lost` for a stale ticket.
    #[uniffi::method(default(now = None))]
    pub fn complete(&self, ticket: Ticket, now: Option<SystemTime>) -> Result<(), Arc<StoreError>> {
        use axhook::DedupeStore as _;
        self.inner
            .complete(&ticket.into(), instant(now))
            .map_err(StoreError::wrap)
    }

    /// Gives a claim up so that the next retry is processed; throws `lease_lost` for a stale
    /// ticket.
    pub fn release(&self, ticket: Ticket) -> Result<(), Arc<StoreError>> {
        use axhook::DedupeStore as _;
        self.inner.release(&ticket.into()).map_err(StoreError::wrap)
    }

    /// How many ids (leased or completed, expired or not) the store holds now.
    pub fn len(&self) -> u64 {
        u64::try_from(self.inner.len()).unwrap_or(u64::MAX)
    }

    /// Whether the store holds no id.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

/// Proof of a claim: pass it to `complete` or `release`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Ticket {
    /// The dedupe key claimed (`clientId:messageId`).
    pub key: String,
    /// The claim's unique token.
    pub token: String,
}

impl From<Ticket> for axhook::Ticket {
    fn from(t: Ticket) -> Self {
        axhook::Ticket::new(t.key, t.token)
    }
}

/// The answer to a claim.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Claim {
    /// Nobody holds this delivery: process it, then `complete` (or `release` on failure).
    New {
        /// The claim, to complete or release.
        ticket: Ticket,
    },
    /// Completed within the retention window: do not process again.
    Duplicate,
    /// Another worker holds an unexpired lease on it.
    InProgress,
}

#[uniffi::export]
impl Claim {
    /// `new`, `duplicate` or `in_progress`.
    pub fn code(&self) -> String {
        axhook::Claim::from(self.clone()).code().to_string()
    }
}

impl From<axhook::Claim> for Claim {
    fn from(c: axhook::Claim) -> Self {
        match c {
            axhook::Claim::New(t) => Claim::New {
                ticket: Ticket {
                    key: t.key().to_string(),
                    token: t.token().to_string(),
                },
            },
            axhook::Claim::Duplicate => Claim::Duplicate,
            axhook::Claim::InProgress => Claim::InProgress,
        }
    }
}

impl From<Claim> for axhook::Claim {
    fn from(c: Claim) -> Self {
        match c {
            Claim::New { ticket } => axhook::Claim::New(ticket.into()),
            Claim::Duplicate => axhook::Claim::Duplicate,
            Claim::InProgress => axhook::Claim::InProgress,
        }
    }
}

/// A store that could not answer: `code()` is `store_unavailable` or `lease_lost`.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct StoreError {
    inner: axhook::StoreError,
}

#[uniffi::export]
impl StoreError {
    /// `store_unavailable` or `lease_lost`.
    pub fn code(&self) -> String {
        self.inner.code().to_string()
    }
}

impl std::error::Error for StoreError {}

impl StoreError {
    fn wrap(inner: axhook::StoreError) -> Arc<Self> {
        Arc::new(Self { inner })
    }
}

/// Handles a verified, newly claimed delivery. Return normally when it is processed; throw to
/// have the claim released, so that aXcelerate's retry is processed (`handler_failed`, 500).
#[uniffi::export(callback_interface)]
pub trait DeliveryHandler: Send + Sync {
    /// Processes one delivery.
    fn handle(&self, delivery: Delivery) -> Result<(), HandlerError>;
}

/// A handler's failure. Throw `Failed` with a reason, or any other exception (its first line
/// becomes the reason).
#[derive(Debug, uniffi::Error)]
pub enum HandlerError {
    /// The delivery could not be processed.
    Failed {
        /// Why, for the outcome's message and the logs.
        reason: String,
    },
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandlerError::Failed { reason } => f.write_str(reason),
        }
    }
}

impl std::error::Error for HandlerError {}

impl From<uniffi::UnexpectedUniFFICallbackError> for HandlerError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        // Kotlin passes the exception's stack trace: keep its first line, the exception itself.
        let reason = e.reason.lines().next().unwrap_or_default().to_string();
        HandlerError::Failed { reason }
    }
}

/// What happened to one delivery: `status` is the HTTP status to answer aXcelerate with.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Outcome {
    /// The HTTP status to answer.
    pub status: u16,
    /// `processed`, `duplicate`, `in_progress`, `handler_failed`, `store_unavailable`,
    /// `lease_lost`, or the verification code of a refused delivery.
    pub code: String,
    /// A human explanation, for logs (never a key).
    pub message: String,
    /// The verified delivery; none when verification refused it.
    pub delivery: Option<Delivery>,
}

impl From<axhook::Outcome<'_>> for Outcome {
    fn from(o: axhook::Outcome<'_>) -> Self {
        Self {
            status: o.http_status(),
            code: o.code().to_string(),
            message: o.verdict.to_string(),
            delivery: o.delivery.as_ref().map(Delivery::from),
        }
    }
}

/// A `Verifier` and a `MemoryStore`: each delivery is verified, claimed, handled once and
/// settled, and the `Outcome` says what to answer.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct Receiver {
    inner: axhook::Receiver<Arc<axhook::MemoryStore>>,
}

#[uniffi::export]
impl Receiver {
    /// Combines a verifier and a store (the store may be shared with other receivers).
    #[uniffi::constructor]
    pub fn new(verifier: &Verifier, store: &MemoryStore) -> Self {
        Self {
            inner: axhook::Receiver::new(verifier.inner.clone(), store.inner.clone()),
        }
    }

    /// Verifies, claims, runs `handler` once for a new delivery and settles the claim, as of
    /// `now` (default: the wall clock). Never throws: every result is an `Outcome`.
    #[uniffi::method(default(now = None))]
    pub fn receive(
        &self,
        headers: HeaderMap,
        body: Vec<u8>,
        handler: Box<dyn DeliveryHandler>,
        now: Option<SystemTime>,
    ) -> Outcome {
        let pairs = header_pairs(&headers);
        self.inner
            .receive_at(pairs.as_slice(), &body, instant(now), |d| {
                handler.handle(Delivery::from(d))
            })
            .into()
    }
}

forward_fmt!(MemoryStore => Debug, StoreError => Display, Receiver => Debug);
