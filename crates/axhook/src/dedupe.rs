//! Exactly-once processing over at-least-once delivery: the [`DedupeStore`] contract.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

/// Default lease: how long a claim stays exclusive before another worker may take it over.
pub const DEFAULT_LEASE: TimeDelta = TimeDelta::minutes(5);
/// Default retention of completed ids: `max_age + max_future_skew`, so every replay the
/// verifier would accept is caught as a duplicate.
pub const DEFAULT_RETENTION: TimeDelta = TimeDelta::seconds(14 * 86_400 + 5 * 60);
/// Default bound on the ids a [`MemoryStore`](crate::MemoryStore) holds.
pub const DEFAULT_MEMORY_CAPACITY: usize = 100_000;

/// Proof of a claim: pass it to `complete` or `release`. Two tickets are equal when their key
/// and token are.
#[derive(Debug, Clone)]
pub struct Ticket {
    key: Arc<str>,
    token: String,
    /// Where the issuing store keeps the key (its keyed hash), so that settling does not hash
    /// again; 0 when unknown (a ticket rebuilt with [`Ticket::new`]).
    hint: u64,
}

impl PartialEq for Ticket {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key && self.token == other.token
    }
}

impl Eq for Ticket {}

impl std::hash::Hash for Ticket {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key.hash(state);
        self.token.hash(state);
    }
}

impl Ticket {
    /// A ticket for `key`; `token` distinguishes this claim from any other of the same key.
    pub fn new(key: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            key: Arc::from(key.into()),
            token: token.into(),
            hint: 0,
        }
    }

    /// A ticket sharing the store's copy of the key, with the store's hint.
    pub(crate) fn issued(key: Arc<str>, token: String, hint: u64) -> Self {
        Self { key, token, hint }
    }

    pub(crate) fn hint(&self) -> Option<u64> {
        (self.hint != 0).then_some(self.hint)
    }

    /// The dedupe key claimed (`clientId:messageId`).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The claim's unique token.
    pub fn token(&self) -> &str {
        &self.token
    }
}

/// The answer to a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Nobody holds this delivery: process it, then `complete` (or `release` on failure).
    New(Ticket),
    /// Completed within the retention window: do not process again.
    Duplicate,
    /// Another worker holds an unexpired lease on it.
    InProgress,
}

impl Claim {
    /// `new`, `duplicate` or `in_progress`, as in the fixtures.
    pub fn code(&self) -> &'static str {
        match self {
            Claim::New(_) => "new",
            Claim::Duplicate => "duplicate",
            Claim::InProgress => "in_progress",
        }
    }
}

/// A store that could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// The store is unreachable or full; the sender should retry (503).
    Unavailable(String),
    /// `complete` or `release` with a ticket whose lease was taken over or already settled.
    LeaseLost,
}

impl StoreError {
    /// `store_unavailable` or `lease_lost`.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Unavailable(_) => "store_unavailable",
            StoreError::LeaseLost => "lease_lost",
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Unavailable(why) => write!(f, "dedupe store unavailable: {why}"),
            StoreError::LeaseLost => f.write_str(
                "the claim's lease was lost: another worker took the delivery over or it was already settled",
            ),
        }
    }
}

impl std::error::Error for StoreError {}

/// Where claims live. Implementations must make `claim` atomic: of any number of concurrent
/// claims of one key, at most one gets [`Claim::New`] while its lease runs.
pub trait DedupeStore: Send + Sync {
    /// Claims `key` at `now`.
    fn claim(&self, key: &str, now: DateTime<Utc>) -> Result<Claim, StoreError>;
    /// Marks the claimed delivery processed; it answers `Duplicate` for the retention window.
    fn complete(&self, ticket: &Ticket, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Gives the claim up (the handler failed) so that the next retry is processed.
    fn release(&self, ticket: &Ticket) -> Result<(), StoreError>;
}

impl<S: DedupeStore + ?Sized> DedupeStore for std::sync::Arc<S> {
    fn claim(&self, key: &str, now: DateTime<Utc>) -> Result<Claim, StoreError> {
        (**self).claim(key, now)
    }
    fn complete(&self, ticket: &Ticket, now: DateTime<Utc>) -> Result<(), StoreError> {
        (**self).complete(ticket, now)
    }
    fn release(&self, ticket: &Ticket) -> Result<(), StoreError> {
        (**self).release(ticket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verifier::{DEFAULT_MAX_AGE, DEFAULT_MAX_FUTURE_SKEW};

    #[test]
    fn retention_covers_the_accepted_window() {
        assert_eq!(DEFAULT_RETENTION, DEFAULT_MAX_AGE + DEFAULT_MAX_FUTURE_SKEW);
    }
}
