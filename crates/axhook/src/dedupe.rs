//! Exactly-once processing over at-least-once delivery: the [`DedupeStore`] contract and the
//! bounded in-memory [`MemoryStore`].

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, TimeDelta, Utc};

/// Default lease: how long a claim stays exclusive before another worker may take it over.
pub const DEFAULT_LEASE: TimeDelta = TimeDelta::minutes(5);
/// Default retention of completed ids: `max_age + max_future_skew`, so every replay the
/// verifier would accept is caught as a duplicate.
pub const DEFAULT_RETENTION: TimeDelta = TimeDelta::seconds(14 * 86_400 + 5 * 60);
/// Default bound on the ids a [`MemoryStore`] holds.
pub const DEFAULT_MEMORY_CAPACITY: usize = 100_000;

/// Proof of a claim: pass it to `complete` or `release`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ticket {
    key: String,
    token: String,
}

impl Ticket {
    /// A ticket for `key`; `token` distinguishes this claim from any other of the same key.
    pub fn new(key: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            token: token.into(),
        }
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

#[derive(Debug, Clone, Copy)]
enum Entry {
    Leased { token: u64, until: DateTime<Utc> },
    Done { until: DateTime<Utc> },
}

impl Entry {
    fn until(&self) -> DateTime<Utc> {
        match *self {
            Entry::Leased { until, .. } | Entry::Done { until } => until,
        }
    }
}

#[derive(Default)]
struct Table {
    entries: HashMap<String, Entry>,
    /// Every entry ordered by when it expires, to sweep and to evict the oldest.
    by_expiry: BTreeSet<(DateTime<Utc>, String)>,
}

impl Table {
    fn put(&mut self, key: &str, entry: Entry) {
        if let Some(old) = self.entries.insert(key.to_string(), entry) {
            self.by_expiry.remove(&(old.until(), key.to_string()));
        }
        self.by_expiry.insert((entry.until(), key.to_string()));
    }

    fn remove(&mut self, key: &str) {
        if let Some(old) = self.entries.remove(key) {
            self.by_expiry.remove(&(old.until(), key.to_string()));
        }
    }

    /// Drops every entry expired at `now`.
    fn sweep(&mut self, now: DateTime<Utc>) {
        while let Some((until, _)) = self.by_expiry.first() {
            if *until > now {
                break;
            }
            if let Some((_, key)) = self.by_expiry.pop_first() {
                self.entries.remove(&key);
            }
        }
    }

    /// Evicts the completed entry closest to expiry; never an unexpired lease.
    fn evict_oldest_done(&mut self) -> bool {
        let victim = self
            .by_expiry
            .iter()
            .find(|(_, key)| matches!(self.entries.get(key), Some(Entry::Done { .. })))
            .cloned();
        match victim {
            Some((until, key)) => {
                self.by_expiry.remove(&(until, key.clone()));
                self.entries.remove(&key);
                true
            }
            None => false,
        }
    }
}

/// A bounded, in-process [`DedupeStore`]: right for one process and for tests. It forgets on
/// restart and is not shared between processes; use the SQLite or Redis store for that.
///
/// When full it drops expired entries, then the completed ids closest to expiry; it never
/// evicts an unexpired lease, and answers `store_unavailable` if only leases remain.
///
/// ```
/// use axhook::{Claim, DedupeStore, MemoryStore};
/// let store = MemoryStore::new();
/// let now = chrono::Utc::now();
/// let Claim::New(ticket) = store.claim("1:m", now)? else { panic!() };
/// assert_eq!(store.claim("1:m", now)?, Claim::InProgress);
/// store.complete(&ticket, now)?;
/// assert_eq!(store.claim("1:m", now)?, Claim::Duplicate);
/// # Ok::<(), axhook::StoreError>(())
/// ```
pub struct MemoryStore {
    table: Mutex<Table>,
    next_token: AtomicU64,
    lease: TimeDelta,
    retention: TimeDelta,
    capacity: usize,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("len", &self.len())
            .field("lease", &self.lease)
            .field("retention", &self.retention)
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// A store with the default lease (5 min), retention (14 days 5 min) and capacity (100,000).
    pub fn new() -> Self {
        Self::with_limits(DEFAULT_LEASE, DEFAULT_RETENTION, DEFAULT_MEMORY_CAPACITY)
    }

    /// A store with the given lease, retention and bound on the ids held (at least 1).
    pub fn with_limits(lease: TimeDelta, retention: TimeDelta, capacity: usize) -> Self {
        Self {
            table: Mutex::new(Table::default()),
            next_token: AtomicU64::new(1),
            lease,
            retention,
            capacity: capacity.max(1),
        }
    }

    /// How many ids (leased or completed, expired or not) the store holds now.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the store holds no id.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        // A panic while holding the lock cannot leave the table inconsistent in a way that
        // matters more than refusing every delivery would.
        self.table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl DedupeStore for MemoryStore {
    fn claim(&self, key: &str, now: DateTime<Utc>) -> Result<Claim, StoreError> {
        let mut table = self.lock();
        match table.entries.get(key) {
            Some(Entry::Done { until }) if now < *until => return Ok(Claim::Duplicate),
            Some(Entry::Leased { until, .. }) if now < *until => return Ok(Claim::InProgress),
            _ => {}
        }
        if !table.entries.contains_key(key) && table.entries.len() >= self.capacity {
            table.sweep(now);
            if table.entries.len() >= self.capacity && !table.evict_oldest_done() {
                return Err(StoreError::Unavailable(format!(
                    "memory store full: {} deliveries are in progress",
                    table.entries.len()
                )));
            }
        }
        let token = self.next_token.fetch_add(1, Ordering::Relaxed);
        table.put(
            key,
            Entry::Leased {
                token,
                until: now + self.lease,
            },
        );
        Ok(Claim::New(Ticket::new(key, token.to_string())))
    }

    fn complete(&self, ticket: &Ticket, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut table = self.lock();
        match table.entries.get(ticket.key()) {
            Some(Entry::Leased { token, .. }) if token.to_string() == ticket.token() => {
                table.put(
                    ticket.key(),
                    Entry::Done {
                        until: now + self.retention,
                    },
                );
                Ok(())
            }
            _ => Err(StoreError::LeaseLost),
        }
    }

    fn release(&self, ticket: &Ticket) -> Result<(), StoreError> {
        let mut table = self.lock();
        match table.entries.get(ticket.key()) {
            Some(Entry::Leased { token, .. }) if token.to_string() == ticket.token() => {
                table.remove(ticket.key());
                Ok(())
            }
            _ => Err(StoreError::LeaseLost),
        }
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

    #[test]
    fn full_store_evicts_done_but_never_a_live_lease() {
        let t0 = DateTime::<Utc>::UNIX_EPOCH;
        let store = MemoryStore::with_limits(TimeDelta::minutes(5), TimeDelta::days(1), 2);
        let Ok(Claim::New(a)) = store.claim("a", t0) else {
            panic!("a")
        };
        assert_eq!(store.complete(&a, t0), Ok(()));
        let Ok(Claim::New(_b)) = store.claim("b", t0) else {
            panic!("b")
        };
        // Full: "a" (done) is evicted for "c".
        assert!(matches!(store.claim("c", t0), Ok(Claim::New(_))));
        assert_eq!(store.len(), 2);
        // Full of live leases: refused, nothing evicted.
        assert_eq!(
            store.claim("d", t0).map_err(|e| e.code()),
            Err("store_unavailable")
        );
        assert_eq!(store.claim("b", t0), Ok(Claim::InProgress));
        // Once the leases expire they are swept.
        assert!(matches!(
            store.claim("d", t0 + TimeDelta::minutes(5)),
            Ok(Claim::New(_))
        ));
    }
}
