//! A SQLite [`DedupeStore`] for axhook: persistent exactly-once processing on one host.
//!
//! One file in WAL mode, shared safely by every process on the host: each claim, complete and
//! release is a single atomic statement, so of two processes claiming one delivery exactly one
//! gets [`Claim::New`]. Completed ids survive restarts for the retention window; expired rows
//! are swept in small batches so that sweeping never holds up claims for long.
//!
//! ```
//! use axhook::{Claim, DedupeStore};
//! use axhook_sqlite::SqliteStore;
//!
//! let dir = std::env::temp_dir().join(format!("axhook-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let store = SqliteStore::open(dir.join("dedupe.sqlite3"))?;
//! let now = axhook::chrono::Utc::now();
//! let Claim::New(ticket) = store.claim("12345678:m-1", now)? else { panic!() };
//! store.complete(&ticket, now)?;
//! // A restart: a new store on the same file still knows the delivery.
//! let reopened = SqliteStore::open(dir.join("dedupe.sqlite3"))?;
//! assert_eq!(reopened.claim("12345678:m-1", now)?, Claim::Duplicate);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), axhook::StoreError>(())
//! ```
#![forbid(unsafe_code)]

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use axhook::chrono::{DateTime, TimeDelta, Utc};
use axhook::{Claim, DedupeStore, StoreError, Ticket, DEFAULT_LEASE, DEFAULT_RETENTION};
use rusqlite::{params, Connection, OptionalExtension};

/// How long a statement waits for another process's write lock before the store answers
/// `store_unavailable`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Claims between two sweeps of expired rows, and the most rows one sweep deletes.
const SWEEP_EVERY: u64 = 256;
const SWEEP_BATCH: u32 = 512;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS axhook_dedupe (
    key      TEXT PRIMARY KEY,
    done     INTEGER NOT NULL,   -- 0: leased to `token`, 1: completed
    token    TEXT,
    until_ms INTEGER NOT NULL    -- lease or retention end, epoch milliseconds
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS axhook_dedupe_until ON axhook_dedupe (until_ms);
";

/// A persistent [`DedupeStore`] in one SQLite file.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    path: PathBuf,
    lease: TimeDelta,
    retention: TimeDelta,
    claims: AtomicU64,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("lease", &self.lease)
            .field("retention", &self.retention)
            .finish()
    }
}

fn unavailable(e: impl fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("sqlite: {e}"))
}

impl SqliteStore {
    /// Opens (or creates) the store at `path` with the default lease (5 min) and retention
    /// (14 days 5 min).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::with_limits(path, DEFAULT_LEASE, DEFAULT_RETENTION)
    }

    /// Opens (or creates) the store at `path` with the given lease and retention.
    pub fn with_limits(
        path: impl AsRef<Path>,
        lease: TimeDelta,
        retention: TimeDelta,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let conn = Connection::open(&path).map_err(unavailable)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(unavailable)?;
        // WAL lets readers and one writer work at once across processes; NORMAL sync is
        // durable against process crashes, which is what dedupe needs.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(unavailable)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(unavailable)?;
        conn.execute_batch(SCHEMA).map_err(unavailable)?;
        Ok(Self {
            conn: Mutex::new(conn),
            path,
            lease,
            retention,
            claims: AtomicU64::new(0),
        })
    }

    /// The file the store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Deletes up to one batch of rows expired at `now`; returns how many.
    pub fn sweep(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.lock()
            .prepare_cached(
                "DELETE FROM axhook_dedupe WHERE key IN
                   (SELECT key FROM axhook_dedupe WHERE until_ms <= ?1 LIMIT ?2)",
            )
            .and_then(|mut st| st.execute(params![now.timestamp_millis(), SWEEP_BATCH]))
            .map_err(unavailable)
    }

    /// How many rows (leased or completed, expired or not) the file holds.
    pub fn len(&self) -> Result<usize, StoreError> {
        self.lock()
            .query_row("SELECT count(*) FROM axhook_dedupe", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as usize)
            .map_err(unavailable)
    }

    /// Whether the file holds no row.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        self.len().map(|n| n == 0)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl DedupeStore for SqliteStore {
    fn claim(&self, key: &str, now: DateTime<Utc>) -> Result<Claim, StoreError> {
        if self.claims.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep(now)?;
        }
        let token = axhook::signer::fresh_message_id();
        let now_ms = now.timestamp_millis();
        let conn = self.lock();
        // One statement: insert, or take over an expired row; RETURNING says whether we won.
        let won: Option<String> = conn
            .prepare_cached(
                "INSERT INTO axhook_dedupe (key, done, token, until_ms) VALUES (?1, 0, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET done = 0, token = excluded.token,
                                                 until_ms = excluded.until_ms
                 WHERE axhook_dedupe.until_ms <= ?4
                 RETURNING token",
            )
            .and_then(|mut st| {
                st.query_row(
                    params![key, token, now_ms + self.lease.num_milliseconds(), now_ms],
                    |r| r.get(0),
                )
                .optional()
            })
            .map_err(unavailable)?;
        if won.as_deref() == Some(token.as_str()) {
            return Ok(Claim::New(Ticket::new(key, token)));
        }
        let done: Option<bool> = conn
            .prepare_cached("SELECT done FROM axhook_dedupe WHERE key = ?1")
            .and_then(|mut st| st.query_row(params![key], |r| r.get(0)).optional())
            .map_err(unavailable)?;
        Ok(match done {
            Some(true) => Claim::Duplicate,
            // Released between the two statements counts as still in progress: the sender
            // retries and the next claim wins.
            _ => Claim::InProgress,
        })
    }

    fn complete(&self, ticket: &Ticket, now: DateTime<Utc>) -> Result<(), StoreError> {
        let until = now.timestamp_millis() + self.retention.num_milliseconds();
        let changed = self
            .lock()
            .prepare_cached(
                "UPDATE axhook_dedupe SET done = 1, token = NULL, until_ms = ?3
                 WHERE key = ?1 AND done = 0 AND token = ?2",
            )
            .and_then(|mut st| st.execute(params![ticket.key(), ticket.token(), until]))
            .map_err(unavailable)?;
        if changed == 1 {
            Ok(())
        } else {
            Err(StoreError::LeaseLost)
        }
    }

    fn release(&self, ticket: &Ticket) -> Result<(), StoreError> {
        let changed = self
            .lock()
            .prepare_cached("DELETE FROM axhook_dedupe WHERE key = ?1 AND done = 0 AND token = ?2")
            .and_then(|mut st| st.execute(params![ticket.key(), ticket.token()]))
            .map_err(unavailable)?;
        if changed == 1 {
            Ok(())
        } else {
            Err(StoreError::LeaseLost)
        }
    }
}
