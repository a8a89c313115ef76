//! A Redis [`DedupeStore`] for axhook: exactly-once processing across a fleet of receivers
//! sharing one Redis.
//!
//! Each claim, complete and release is one atomic Lua script (sent once, then run by its
//! SHA). Keys carry a prefix and a TTL equal to the lease (while leased) or the retention
//! (once completed), so Redis forgets them by itself. Connections are pooled and reused;
//! every call has a timeout, and an unreachable Redis answers `store_unavailable` — never a
//! panic, a hang, or a delivery marked done that was not.
//!
//! ```no_run
//! use axhook::{MemoryStore, Receiver, Verifier};
//! use axhook_redis::RedisStore;
//!
//! let store = RedisStore::builder("redis://127.0.0.1:6379/")
//!     .prefix("billing:axhook:")
//!     .build()?;
//! let receiver = Receiver::new(Verifier::builder().key("current", "k").build()?, store);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use axhook::chrono::{DateTime, TimeDelta, Utc};
use axhook::{Claim, DedupeStore, StoreError, Ticket, DEFAULT_LEASE, DEFAULT_RETENTION};
use redis::{Client, Connection, Script};

/// Default key prefix.
pub const DEFAULT_PREFIX: &str = "axhook:dedupe:";
/// Default timeout for connecting and for each command.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// Idle connections kept for reuse.
const POOL_SIZE: usize = 16;

// Values: "l|<lease end ms>|<token>" while leased, "d|<retention end ms>" once completed. The
// ends are compared with the caller's clock, so an injected `now` behaves like the real one.
const CLAIM: &str = r"
local v = redis.call('GET', KEYS[1])
if v then
  local kind, ends = string.match(v, '^(%a)|(%d+)')
  if ends and tonumber(ARGV[2]) < tonumber(ends) then
    if kind == 'd' then return 'duplicate' end
    return 'in_progress'
  end
end
redis.call('SET', KEYS[1], 'l|' .. ARGV[3] .. '|' .. ARGV[1], 'PX', ARGV[4])
return 'new'
";

const COMPLETE: &str = r"
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 2) == 'l|' and string.match(v, '^l|%d+|(.*)$') == ARGV[1] then
  redis.call('SET', KEYS[1], 'd|' .. ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
";

const RELEASE: &str = r"
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 2) == 'l|' and string.match(v, '^l|%d+|(.*)$') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
";

/// Builds a [`RedisStore`].
#[derive(Debug, Clone)]
pub struct RedisStoreBuilder {
    url: String,
    prefix: String,
    lease: TimeDelta,
    retention: TimeDelta,
    timeout: Duration,
}

impl RedisStoreBuilder {
    /// The prefix of every key (default `axhook:dedupe:`).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a claim stays exclusive (default 5 minutes).
    pub fn lease(mut self, lease: TimeDelta) -> Self {
        self.lease = lease;
        self
    }

    /// How long a completed id is remembered (default 14 days 5 minutes).
    pub fn retention(mut self, retention: TimeDelta) -> Self {
        self.retention = retention;
        self
    }

    /// Timeout for connecting and for each command (default 2 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Checks the URL; connections are made on first use, so a Redis that is down at start-up
    /// makes calls answer `store_unavailable` until it is back.
    pub fn build(self) -> Result<RedisStore, StoreError> {
        if self.lease <= TimeDelta::zero() || self.retention <= TimeDelta::zero() {
            return Err(StoreError::Unavailable(
                "lease and retention must be positive".into(),
            ));
        }
        let client = Client::open(self.url.as_str()).map_err(|e| redis_error("invalid URL", &e))?;
        Ok(RedisStore {
            client,
            pool: Mutex::new(Vec::new()),
            claim: Script::new(CLAIM),
            complete: Script::new(COMPLETE),
            release: Script::new(RELEASE),
            config: self,
        })
    }
}

/// A [`DedupeStore`] in Redis, shared by every receiver of a fleet.
pub struct RedisStore {
    client: Client,
    pool: Mutex<Vec<Connection>>,
    claim: Script,
    complete: Script,
    release: Script,
    config: RedisStoreBuilder,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a password: show only where it points.
        let info = self.client.get_connection_info();
        f.debug_struct("RedisStore")
            .field("addr", &info.addr().to_string())
            .field("prefix", &self.config.prefix)
            .field("lease", &self.config.lease)
            .field("retention", &self.config.retention)
            .finish()
    }
}

fn redis_error(what: &str, e: &redis::RedisError) -> StoreError {
    StoreError::Unavailable(format!("redis {what}: {}", e.kind_description()))
}

trait KindDescription {
    fn kind_description(&self) -> String;
}

impl KindDescription for redis::RedisError {
    /// The error without the URL or credentials a connection error might echo.
    fn kind_description(&self) -> String {
        if self.is_timeout() {
            "timed out".into()
        } else if self.is_connection_refusal() {
            "connection refused".into()
        } else if self.is_io_error() || self.is_connection_dropped() {
            "connection lost".into()
        } else {
            format!("{:?}", self.kind())
        }
    }
}

impl RedisStore {
    /// A builder for a store at `url` (`redis://[:password@]host:port/db`).
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: url.into(),
            prefix: DEFAULT_PREFIX.into(),
            lease: DEFAULT_LEASE,
            retention: DEFAULT_RETENTION,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// A store at `url` with the defaults.
    pub fn open(url: impl Into<String>) -> Result<Self, StoreError> {
        Self::builder(url).build()
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.config.prefix
    }

    /// Runs `f` on a pooled connection; a connection that failed is dropped, not reused.
    fn with_connection<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> redis::RedisResult<T>,
    ) -> Result<T, StoreError> {
        let pooled = self.pool.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut conn = match pooled {
            Some(conn) => conn,
            None => {
                let conn = self
                    .client
                    .get_connection_with_timeout(self.config.timeout)
                    .map_err(|e| redis_error("connect", &e))?;
                conn.set_read_timeout(Some(self.config.timeout))
                    .and_then(|()| conn.set_write_timeout(Some(self.config.timeout)))
                    .map_err(|e| redis_error("connect", &e))?;
                conn
            }
        };
        let result = f(&mut conn).map_err(|e| redis_error("command", &e));
        if result.is_ok() {
            let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
            if pool.len() < POOL_SIZE {
                pool.push(conn);
            }
        }
        result
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.config.prefix)
    }
}

fn ms(d: TimeDelta) -> i64 {
    d.num_milliseconds().max(1)
}

impl DedupeStore for RedisStore {
    fn claim(&self, key: &str, now: DateTime<Utc>) -> Result<Claim, StoreError> {
        let token = axhook::signer::fresh_message_id();
        let now_ms = now.timestamp_millis();
        let lease = ms(self.config.lease);
        let answer: String = self.with_connection(|c| {
            self.claim
                .key(self.key(key))
                .arg(&token)
                .arg(now_ms)
                .arg(now_ms + lease)
                .arg(lease)
                .invoke(c)
        })?;
        match answer.as_str() {
            "new" => Ok(Claim::New(Ticket::new(key, token))),
            "duplicate" => Ok(Claim::Duplicate),
            "in_progress" => Ok(Claim::InProgress),
            other => Err(StoreError::Unavailable(format!(
                "redis: unexpected claim answer {other:?}"
            ))),
        }
    }

    fn complete(&self, ticket: &Ticket, now: DateTime<Utc>) -> Result<(), StoreError> {
        let retention = ms(self.config.retention);
        let done: i64 = self.with_connection(|c| {
            self.complete
                .key(self.key(ticket.key()))
                .arg(ticket.token())
                .arg(now.timestamp_millis() + retention)
                .arg(retention)
                .invoke(c)
        })?;
        if done == 1 {
            Ok(())
        } else {
            Err(StoreError::LeaseLost)
        }
    }

    fn release(&self, ticket: &Ticket) -> Result<(), StoreError> {
        let done: i64 = self.with_connection(|c| {
            self.release
                .key(self.key(ticket.key()))
                .arg(ticket.token())
                .invoke(c)
        })?;
        if done == 1 {
            Ok(())
        } else {
            Err(StoreError::LeaseLost)
        }
    }
}
