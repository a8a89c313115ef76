//! The dedupe stores: one native class, [`NativeStore`], over any of the core's stores
//! (`MemoryStore`, `SqliteStore`, `RedisStore`), and [`Blocking`], the task that runs a call
//! which waits on a store's I/O on the libuv thread pool so that the event loop never does.

use std::sync::Arc;

use axhook::chrono::TimeDelta;
use axhook::{Claim, ConfigError, DedupeStore, MemoryStore, StoreError, Ticket};
use axhook_redis::RedisStore;
use axhook_sqlite::SqliteStore;
use napi::bindgen_prelude::{AsyncTask, Either, ToNapiValue, Unknown};
use napi::{Env, Error, Result, ScopedTask, Status};
use napi_derive::napi;

use crate::{clock, config_error};

/// An error as a JS tuple: `[code, message]`.
pub type ErrorTuple = (&'static str, String);

/// The answer to a claim: `[code, ticketKey, ticketToken, message]`.
pub type ClaimTuple = (&'static str, Option<String>, Option<String>, Option<String>);

/// Work that blocks on I/O, run by [`compute`](ScopedTask::compute) on the libuv thread pool;
/// its promise resolves to the work's answer. Store errors are answers (tuples), not rejections.
pub struct Blocking<T>(Option<Box<dyn FnOnce() -> T + Send>>);

/// Runs `work` on the thread pool; JS gets a promise of its answer.
pub fn blocking<T>(work: impl FnOnce() -> T + Send + 'static) -> AsyncTask<Blocking<T>>
where
    T: ToNapiValue + Send + 'static,
{
    AsyncTask::new(Blocking(Some(Box::new(work))))
}

impl<'task, T: ToNapiValue + Send + 'static> ScopedTask<'task> for Blocking<T> {
    type Output = T;
    type JsValue = Unknown<'task>;

    fn compute(&mut self) -> Result<T> {
        let work = self
            .0
            .take()
            .ok_or_else(|| Error::new(Status::GenericFailure, "the task already ran"))?;
        // A panic on the thread pool would abort Node: it becomes a rejected Promise instead.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).map_err(|_| {
            Error::new(
                Status::GenericFailure,
                "axhook: internal error (a panic was caught)",
            )
        })
    }

    fn resolve(&mut self, env: &'task Env, output: T) -> Result<Unknown<'task>> {
        output.into_unknown(env)
    }
}

fn error_tuple(e: &StoreError) -> ErrorTuple {
    (e.code(), e.to_string())
}

fn claim_tuple(answer: std::result::Result<Claim, StoreError>) -> ClaimTuple {
    match answer {
        Ok(Claim::New(t)) => (
            "new",
            Some(t.key().to_owned()),
            Some(t.token().to_owned()),
            None,
        ),
        Ok(other) => (other.code(), None, None, None),
        Err(e) => (e.code(), None, None, Some(e.to_string())),
    }
}

fn settled(result: std::result::Result<(), StoreError>) -> Option<ErrorTuple> {
    result.err().as_ref().map(error_tuple)
}

/// A duration option in seconds (JS numbers), or `default` when absent.
fn seconds(
    name: &str,
    value: Option<f64>,
    default: TimeDelta,
) -> std::result::Result<TimeDelta, ConfigError> {
    value.map_or(Ok(default), |s| axhook::seconds(name, s))
}

/// The lease and retention every store takes, in seconds.
fn limits(
    lease: Option<f64>,
    retention: Option<f64>,
) -> std::result::Result<(TimeDelta, TimeDelta), ConfigError> {
    Ok((
        seconds("leaseSeconds", lease, axhook::DEFAULT_LEASE)?,
        seconds("retentionSeconds", retention, axhook::DEFAULT_RETENTION)?,
    ))
}

/// A dedupe store of the core. Memory answers at once, so its calls are synchronous; SQLite and
/// Redis wait on I/O, so JS calls their `*Async` methods, which run on the thread pool.
#[napi]
pub struct NativeStore {
    pub(crate) inner: Arc<dyn DedupeStore>,
    /// The memory store, when this is one: it never waits, and it has a size.
    memory: Option<Arc<MemoryStore>>,
    /// The core's `Debug` of a SQLite or Redis store: no password, whatever the URL held.
    description: String,
}

impl NativeStore {
    fn new<S: DedupeStore + std::fmt::Debug + 'static>(store: S) -> Self {
        Self {
            description: format!("{store:?}"),
            inner: Arc::new(store),
            memory: None,
        }
    }
}

/// A memory store with the given lease and retention (seconds) and capacity (ids), or why it
/// cannot be built (`[code, message]`).
#[napi(catch_unwind)]
pub fn create_memory_store(
    lease_seconds: Option<f64>,
    retention_seconds: Option<f64>,
    capacity: Option<u32>,
) -> Either<NativeStore, ErrorTuple> {
    match limits(lease_seconds, retention_seconds) {
        Ok((lease, retention)) => {
            let capacity = capacity.map_or(axhook::DEFAULT_MEMORY_CAPACITY, |c| c as usize);
            let memory = Arc::new(MemoryStore::with_limits(lease, retention, capacity));
            Either::A(NativeStore {
                inner: memory.clone(),
                memory: Some(memory),
                description: String::new(),
            })
        }
        Err(e) => Either::B(config_error(&e)),
    }
}

/// A SQLite store in the file at `path`, opened (and created) now, or why it cannot be:
/// `invalid_config` or `store_unavailable`.
#[napi(catch_unwind)]
pub fn create_sqlite_store(
    path: String,
    lease_seconds: Option<f64>,
    retention_seconds: Option<f64>,
) -> Either<NativeStore, ErrorTuple> {
    let (lease, retention) = match limits(lease_seconds, retention_seconds) {
        Ok(limits) => limits,
        Err(e) => return Either::B(config_error(&e)),
    };
    match SqliteStore::with_limits(path, lease, retention) {
        Ok(store) => Either::A(NativeStore::new(store)),
        Err(e) => Either::B(error_tuple(&e)),
    }
}

/// A Redis store at `url` (connected on first use), or why it cannot be built. No message
/// repeats the URL.
#[napi(catch_unwind)]
pub fn create_redis_store(
    url: String,
    prefix: Option<String>,
    lease_seconds: Option<f64>,
    retention_seconds: Option<f64>,
    timeout_seconds: Option<f64>,
) -> Either<NativeStore, ErrorTuple> {
    let options = limits(lease_seconds, retention_seconds).and_then(|limits| {
        let timeout = seconds(
            "timeoutSeconds",
            timeout_seconds,
            TimeDelta::from_std(axhook_redis::DEFAULT_TIMEOUT).unwrap_or(TimeDelta::seconds(2)),
        )?;
        Ok((limits, timeout))
    });
    let ((lease, retention), timeout) = match options {
        Ok(options) => options,
        Err(e) => return Either::B(config_error(&e)),
    };
    let mut builder = RedisStore::builder(url)
        .lease(lease)
        .retention(retention)
        .timeout(timeout.to_std().unwrap_or(axhook_redis::DEFAULT_TIMEOUT));
    if let Some(prefix) = prefix {
        builder = builder.prefix(prefix);
    }
    match builder.build() {
        Ok(store) => Either::A(NativeStore::new(store)),
        Err(e) => Either::B(error_tuple(&e)),
    }
}

#[napi]
impl NativeStore {
    /// Claims `key`: `new` (with the ticket), `duplicate`, `in_progress`, or a store error.
    #[napi(catch_unwind)]
    pub fn claim(&self, key: String, now_ms: Option<f64>) -> Result<ClaimTuple> {
        Ok(claim_tuple(self.inner.claim(&key, clock(now_ms)?)))
    }

    /// Completes a claim: `null`, or the store's error.
    #[napi(catch_unwind)]
    pub fn complete(
        &self,
        key: String,
        token: String,
        now_ms: Option<f64>,
    ) -> Result<Option<ErrorTuple>> {
        let ticket = Ticket::new(key, token);
        Ok(settled(self.inner.complete(&ticket, clock(now_ms)?)))
    }

    /// Releases a claim: `null`, or the store's error.
    #[napi(catch_unwind)]
    pub fn release(&self, key: String, token: String) -> Option<ErrorTuple> {
        settled(self.inner.release(&Ticket::new(key, token)))
    }

    /// [`claim`](Self::claim) on the thread pool.
    #[napi(ts_return_type = "Promise<ClaimTuple>", catch_unwind)]
    pub fn claim_async(
        &self,
        key: String,
        now_ms: Option<f64>,
    ) -> Result<AsyncTask<Blocking<ClaimTuple>>> {
        let (store, now) = (Arc::clone(&self.inner), clock(now_ms)?);
        Ok(blocking(move || claim_tuple(store.claim(&key, now))))
    }

    /// [`complete`](Self::complete) on the thread pool.
    #[napi(ts_return_type = "Promise<ErrorTuple | null>", catch_unwind)]
    pub fn complete_async(
        &self,
        key: String,
        token: String,
        now_ms: Option<f64>,
    ) -> Result<AsyncTask<Blocking<Option<ErrorTuple>>>> {
        let (store, now) = (Arc::clone(&self.inner), clock(now_ms)?);
        let ticket = Ticket::new(key, token);
        Ok(blocking(move || settled(store.complete(&ticket, now))))
    }

    /// [`release`](Self::release) on the thread pool.
    #[napi(ts_return_type = "Promise<ErrorTuple | null>", catch_unwind)]
    pub fn release_async(
        &self,
        key: String,
        token: String,
    ) -> AsyncTask<Blocking<Option<ErrorTuple>>> {
        let (store, ticket) = (Arc::clone(&self.inner), Ticket::new(key, token));
        blocking(move || settled(store.release(&ticket)))
    }

    /// Whether calls wait on I/O (SQLite, Redis): JS then uses the `*Async` methods.
    #[napi(getter, catch_unwind)]
    pub fn blocking(&self) -> bool {
        self.memory.is_none()
    }

    /// The number of ids a memory store holds; `null` for the others.
    #[napi(getter, catch_unwind)]
    pub fn size(&self) -> Option<u32> {
        let memory = self.memory.as_ref()?;
        Some(u32::try_from(memory.len()).unwrap_or(u32::MAX))
    }

    /// The core's description of the store (a Redis store shows its address, never a
    /// password).
    #[napi(catch_unwind)]
    pub fn describe(&self) -> String {
        match &self.memory {
            Some(memory) => format!("{memory:?}"),
            None => self.description.clone(),
        }
    }
}
