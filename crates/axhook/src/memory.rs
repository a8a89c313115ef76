//! [`MemoryStore`]: the bounded, in-process [`DedupeStore`].

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, TimeDelta, Utc};

use crate::dedupe::{
    Claim, DedupeStore, StoreError, Ticket, DEFAULT_LEASE, DEFAULT_MEMORY_CAPACITY,
    DEFAULT_RETENTION,
};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Entry {
    Leased { token: u64, until: DateTime<Utc> },
    Done { until: DateTime<Utc> },
}

/// Passes a precomputed (keyed SipHash) value through: the table hashes each key once.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

struct Slot {
    key: Arc<str>,
    entry: Entry,
}

/// A queued write: when an entry's lease or retention ends, its key's hash and the key.
type Queued = (DateTime<Utc>, u64, Arc<str>);

/// The ids, indexed by a keyed hash computed once per call, and two queues in the order
/// entries were written (leases and completions) for sweeping and eviction. A queued item is
/// stale once its entry changed: stale items are skipped when met and compacted away when a
/// queue outgrows the table.
#[derive(Default)]
struct Table {
    hasher: RandomState,
    slots: HashMap<u64, Slot, BuildHasherDefault<Prehashed>>,
    /// Keys whose hash a different key already holds in `slots` (vanishingly rare).
    collided: HashMap<Arc<str>, Entry>,
    leases: VecDeque<Queued>,
    done: VecDeque<Queued>,
}

impl Table {
    /// The key's hash: the one its ticket carries, or computed. Always odd, so that a
    /// ticket's hint is never 0 (unknown).
    fn hash(&self, ticket: &Ticket) -> u64 {
        ticket
            .hint()
            .unwrap_or_else(|| self.hasher.hash_one(ticket.key()) | 1)
    }

    fn len(&self) -> usize {
        self.slots.len() + self.collided.len()
    }

    fn get(&self, hash: u64, key: &str) -> Option<(&Arc<str>, Entry)> {
        match self.slots.get(&hash) {
            Some(slot) if same_key(&slot.key, key) => Some((&slot.key, slot.entry)),
            _ if self.collided.is_empty() => None,
            _ => self.collided.get_key_value(key).map(|(k, e)| (k, *e)),
        }
    }

    fn set(&mut self, hash: u64, key: Arc<str>, entry: Entry) {
        match self.slots.get_mut(&hash) {
            Some(slot) if slot.key == key => slot.entry = entry,
            Some(_) => {
                self.collided.insert(key, entry);
            }
            None => match self.collided.get_mut(&key) {
                Some(e) => *e = entry,
                None => {
                    self.slots.insert(hash, Slot { key, entry });
                }
            },
        }
    }

    fn remove(&mut self, hash: u64, key: &str) {
        match self.slots.get(&hash) {
            Some(slot) if same_key(&slot.key, key) => {
                self.slots.remove(&hash);
            }
            _ => {
                self.collided.remove(key);
            }
        }
    }

    /// Whether a queued item still describes its entry.
    fn live(&self, (until, hash, key): &Queued, leased: bool) -> bool {
        match self.get(*hash, key) {
            Some((_, Entry::Leased { until: u, .. })) => leased && u == *until,
            Some((_, Entry::Done { until: u })) => !leased && u == *until,
            None => false,
        }
    }

    fn queue(&mut self, leased: bool) -> &mut VecDeque<Queued> {
        if leased {
            &mut self.leases
        } else {
            &mut self.done
        }
    }

    /// Drops stale items at the front of both queues, and the entries expired at `now` that
    /// reach the front.
    fn sweep(&mut self, now: DateTime<Utc>) {
        for leased in [true, false] {
            while let Some(item) = self.queue(leased).front().cloned() {
                let live = self.live(&item, leased);
                if live && item.0 > now {
                    break;
                }
                if live {
                    self.remove(item.1, &item.2);
                }
                self.queue(leased).pop_front();
            }
        }
    }

    /// Evicts the completed entry written first; never a lease.
    fn evict_oldest_done(&mut self) -> bool {
        while let Some(item) = self.done.pop_front() {
            if self.live(&item, false) {
                self.remove(item.1, &item.2);
                return true;
            }
        }
        false
    }

    /// Keeps the queues within a small multiple of the table, whatever the order of events.
    fn compact(&mut self) {
        let limit = 2 * self.len() + 1024;
        for leased in [true, false] {
            if self.queue(leased).len() > limit {
                let items = std::mem::take(self.queue(leased));
                let kept = items.into_iter().filter(|i| self.live(i, leased)).collect();
                *self.queue(leased) = kept;
            }
        }
    }
}

/// A bounded, in-process [`DedupeStore`]: right for one process and for tests. It forgets on
/// restart and is not shared between processes; use the SQLite or Redis store for that.
///
/// When full it drops expired entries, then the completed ids written first; it never
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
    /// Tokens are a random per-store start plus a counter: unique in the store, and a ticket
    /// from another store never matches.
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

/// `now + span`, saturating at the last instant chrono holds (a caller's clock may be anything).
fn later(now: DateTime<Utc>, span: TimeDelta) -> DateTime<Utc> {
    now.checked_add_signed(span)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
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
        let capacity = capacity.max(1);
        // Room for the whole bound up front (up to a million ids), so that steady traffic
        // never waits for the table to grow.
        let room = capacity.min(1 << 20);
        let table = Table {
            slots: HashMap::with_capacity_and_hasher(room, BuildHasherDefault::default()),
            done: VecDeque::with_capacity(room),
            ..Table::default()
        };
        let start = RandomState::new().hash_one(0u8);
        Self {
            table: Mutex::new(table),
            next_token: AtomicU64::new(start),
            lease,
            retention,
            capacity,
        }
    }

    /// How many ids (leased or completed, expired or not) the store holds now.
    pub fn len(&self) -> usize {
        self.lock().len()
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
        let hash = table.hasher.hash_one(key) | 1;
        let key: Arc<str> = match table.get(hash, key) {
            Some((_, Entry::Done { until })) if now < until => return Ok(Claim::Duplicate),
            Some((_, Entry::Leased { until, .. })) if now < until => return Ok(Claim::InProgress),
            Some((k, _)) => k.clone(),
            None => {
                // Expired entries are harmless (every answer checks its end), so they are
                // only swept when room is needed.
                if table.len() >= self.capacity {
                    table.sweep(now);
                }
                if table.len() >= self.capacity && !table.evict_oldest_done() {
                    return Err(StoreError::Unavailable(format!(
                        "memory store full: {} deliveries are in progress",
                        table.len()
                    )));
                }
                Arc::from(key)
            }
        };
        let token = self.next_token.fetch_add(1, Ordering::Relaxed);
        let until = later(now, self.lease);
        table.set(hash, key.clone(), Entry::Leased { token, until });
        table.leases.push_back((until, hash, key.clone()));
        table.compact();
        Ok(Claim::New(Ticket::issued(key, decimal(token), hash | 1)))
    }

    fn complete(&self, ticket: &Ticket, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut table = self.lock();
        let hash = table.hash(ticket);
        let token = ticket.token().parse::<u64>().ok();
        match table.get(hash, ticket.key()) {
            Some((key, Entry::Leased { token: t, .. })) if Some(t) == token => {
                let key = key.clone();
                let until = later(now, self.retention);
                table.set(hash, key.clone(), Entry::Done { until });
                table.done.push_back((until, hash, key));
                Ok(())
            }
            _ => Err(StoreError::LeaseLost),
        }
    }

    fn release(&self, ticket: &Ticket) -> Result<(), StoreError> {
        let mut table = self.lock();
        let hash = table.hash(ticket);
        let token = ticket.token().parse::<u64>().ok();
        match table.get(hash, ticket.key()) {
            Some((_, Entry::Leased { token: t, .. })) if Some(t) == token => {
                table.remove(hash, ticket.key());
                Ok(())
            }
            _ => Err(StoreError::LeaseLost),
        }
    }
}

/// Whether `key` is the slot's key. Queued items share the slot's allocation, so the pointer
/// answers without reading the text (a cache miss saved on every sweep and eviction).
fn same_key(slot: &str, key: &str) -> bool {
    (std::ptr::eq(slot.as_ptr(), key.as_ptr()) && slot.len() == key.len()) || slot == key
}

/// `n` in decimal, without the formatting machinery (tokens are made on every claim).
fn decimal(mut n: u64) -> String {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    String::from_utf8(digits[at..].to_vec()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_at_the_end_of_time_saturate_instead_of_panicking() {
        let store = MemoryStore::with_limits(TimeDelta::days(365), TimeDelta::days(365), 10);
        let end = DateTime::<Utc>::MAX_UTC;
        let Ok(Claim::New(ticket)) = store.claim("a", end) else {
            panic!("not claimed")
        };
        assert_eq!(store.complete(&ticket, end), Ok(()));
        // The retention saturates at `end` itself: answered, whatever the answer.
        assert!(store.claim("a", end).is_ok());
        assert!(matches!(
            store.claim("b", DateTime::<Utc>::MIN_UTC),
            Ok(Claim::New(_))
        ));
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

    #[test]
    fn many_distinct_ids_stay_within_the_bound() {
        let t0 = DateTime::<Utc>::UNIX_EPOCH;
        let store = MemoryStore::with_limits(TimeDelta::minutes(5), TimeDelta::days(14), 1000);
        for i in 0..50_000 {
            let now = t0 + TimeDelta::milliseconds(i);
            match store.claim(&format!("1:{i}"), now) {
                // Every third handler fails: released ids leave stale queue items behind.
                Ok(Claim::New(t)) if i % 3 == 0 => assert_eq!(store.release(&t), Ok(())),
                Ok(Claim::New(t)) => assert_eq!(store.complete(&t, now), Ok(())),
                other => panic!("{i}: {other:?}"),
            }
        }
        let table = store.lock();
        assert!(table.len() <= 1000);
        assert!(table.leases.len() + table.done.len() <= 2 * (2 * 1000 + 1024));
    }

    #[test]
    fn decimal_matches_display() {
        for n in [0, 7, 10, 12345, u64::MAX] {
            assert_eq!(decimal(n), n.to_string());
        }
    }

    #[test]
    fn tickets_work_rebuilt_but_not_across_stores() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let (a, b) = (MemoryStore::new(), MemoryStore::new());
        let Ok(Claim::New(from_a)) = a.claim("1:m", now) else {
            panic!()
        };
        let Ok(Claim::New(_)) = b.claim("1:m", now) else {
            panic!()
        };
        assert_eq!(
            b.complete(&from_a, now).map_err(|e| e.code()),
            Err("lease_lost")
        );
        // A ticket rebuilt from its strings (as bindings do) settles like the original.
        let rebuilt = Ticket::new(from_a.key(), from_a.token());
        assert_eq!(rebuilt, from_a);
        assert_eq!(a.complete(&rebuilt, now), Ok(()));
        assert_eq!(a.claim("1:m", now), Ok(Claim::Duplicate));
    }

    #[test]
    fn colliding_hashes_keep_both_keys_apart() {
        // Force every key onto one hash: the collision path must behave like the normal one.
        let mut table = Table::default();
        let t = DateTime::<Utc>::UNIX_EPOCH;
        let leased = |token| Entry::Leased { token, until: t };
        table.set(7, Arc::from("a"), leased(1));
        table.set(7, Arc::from("b"), leased(2));
        assert_eq!(table.get(7, "a").map(|(_, e)| e), Some(leased(1)));
        assert_eq!(table.get(7, "b").map(|(_, e)| e), Some(leased(2)));
        table.remove(7, "a");
        assert_eq!(table.get(7, "a"), None);
        table.set(7, Arc::from("b"), Entry::Done { until: t });
        assert_eq!(
            table.get(7, "b").map(|(_, e)| e),
            Some(Entry::Done { until: t })
        );
        assert_eq!(table.len(), 1);
        table.set(7, Arc::from("a"), leased(3));
        assert_eq!(table.len(), 2);
        table.remove(7, "b");
        assert_eq!(table.get(7, "b"), None);
        assert_eq!(table.get(7, "a").map(|(_, e)| e), Some(leased(3)));
    }
}
