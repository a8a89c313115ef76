//! The dedupe stores (`Store` and its `MemoryStore`, `SqliteStore`, `RedisStore`) and the native
//! half of `axhook.Receiver`: the core's `begin` (verify and
//! claim) and `finish` (settle), between which the Python handlers run.

use std::sync::{Arc, Mutex};

use axhook::chrono::TimeDelta;
use axhook::{Begun, Claim, DedupeStore, MemoryStore, Outcome, Pending, Receiver, Ticket};
use axhook_redis::RedisStore;
use axhook_sqlite::SqliteStore;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::PyClassInitializer;

use crate::convert;
use crate::errors;
use crate::verifier::{PyDelivery, PyVerifier, DETACH_FROM_BYTES};

/// The base class of every dedupe store: claim, complete and release, the same for all.
/// Stores that block on I/O (SQLite, Redis) run without the GIL.
#[pyclass(subclass, frozen, module = "axhook", name = "Store")]
pub(crate) struct PyStore {
    inner: Arc<dyn DedupeStore>,
    blocking: bool,
}

impl PyStore {
    fn run<T: Send>(&self, py: Python<'_>, f: impl FnOnce() -> T + Send) -> T {
        if self.blocking {
            py.detach(f)
        } else {
            f()
        }
    }
}

#[pymethods]
impl PyStore {
    /// Claims `key` (`clientId:messageId`).
    #[pyo3(signature = (key, *, now = None))]
    fn claim(
        &self,
        py: Python<'_>,
        key: &str,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyClaim> {
        let now = convert::now(now)?;
        let claim = self
            .run(py, || self.inner.claim(key, now))
            .map_err(|e| errors::store(py, &e))?;
        Ok(PyClaim {
            code: claim.code(),
            ticket: match claim {
                Claim::New(ticket) => Some(PyTicket { inner: ticket }),
                _ => None,
            },
        })
    }

    /// Marks a claimed delivery processed; raises `LeaseLost` for a stale ticket.
    #[pyo3(signature = (ticket, *, now = None))]
    fn complete(
        &self,
        py: Python<'_>,
        ticket: &PyTicket,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let now = convert::now(now)?;
        self.run(py, || self.inner.complete(&ticket.inner, now))
            .map_err(|e| errors::store(py, &e))
    }

    /// Gives a claim up so that the next retry is processed; raises `LeaseLost` when stale.
    fn release(&self, py: Python<'_>, ticket: &PyTicket) -> PyResult<()> {
        self.run(py, || self.inner.release(&ticket.inner))
            .map_err(|e| errors::store(py, &e))
    }
}

/// Lease and retention from Python values (timedelta or seconds), or the defaults.
fn limits(
    lease: Option<&Bound<'_, PyAny>>,
    retention: Option<&Bound<'_, PyAny>>,
) -> PyResult<(TimeDelta, TimeDelta)> {
    Ok((
        match lease {
            Some(l) => convert::duration(l, "lease")?,
            None => axhook::DEFAULT_LEASE,
        },
        match retention {
            Some(r) => convert::duration(r, "retention")?,
            None => axhook::DEFAULT_RETENTION,
        },
    ))
}

/// A bounded, in-process dedupe store: right for one process and for tests.
#[pyclass(extends = PyStore, frozen, module = "axhook", name = "MemoryStore")]
pub(crate) struct PyMemoryStore {
    inner: Arc<MemoryStore>,
}

#[pymethods]
impl PyMemoryStore {
    #[new]
    #[pyo3(signature = (*, lease = None, retention = None, capacity = axhook::DEFAULT_MEMORY_CAPACITY))]
    fn new(
        lease: Option<&Bound<'_, PyAny>>,
        retention: Option<&Bound<'_, PyAny>>,
        capacity: usize,
    ) -> PyResult<PyClassInitializer<Self>> {
        let (lease, retention) = limits(lease, retention)?;
        let inner = Arc::new(MemoryStore::with_limits(lease, retention, capacity));
        let base = PyStore {
            inner: inner.clone(),
            blocking: false,
        };
        Ok(PyClassInitializer::from(base).add_subclass(Self { inner }))
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("axhook.{:?}", self.inner)
    }
}

/// A persistent dedupe store in one SQLite file, shared safely by every process of a host.
#[pyclass(extends = PyStore, frozen, module = "axhook", name = "SqliteStore")]
pub(crate) struct PySqliteStore {
    inner: Arc<SqliteStore>,
}

#[pymethods]
impl PySqliteStore {
    #[new]
    #[pyo3(signature = (path, *, lease = None, retention = None))]
    fn new(
        py: Python<'_>,
        path: std::path::PathBuf,
        lease: Option<&Bound<'_, PyAny>>,
        retention: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let (lease, retention) = limits(lease, retention)?;
        let inner = py
            .detach(|| SqliteStore::with_limits(&path, lease, retention))
            .map_err(|e| errors::store(py, &e))?;
        let inner = Arc::new(inner);
        let base = PyStore {
            inner: inner.clone(),
            blocking: true,
        };
        Ok(PyClassInitializer::from(base).add_subclass(Self { inner }))
    }

    /// Deletes one batch of rows expired at `now`; returns how many.
    #[pyo3(signature = (*, now = None))]
    fn sweep(&self, py: Python<'_>, now: Option<&Bound<'_, PyAny>>) -> PyResult<usize> {
        let now = convert::now(now)?;
        py.detach(|| self.inner.sweep(now))
            .map_err(|e| errors::store(py, &e))
    }

    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        py.detach(|| self.inner.len())
            .map_err(|e| errors::store(py, &e))
    }

    fn __repr__(&self) -> String {
        format!("axhook.{:?}", self.inner)
    }
}

/// A dedupe store in Redis, shared by a fleet of receivers.
#[pyclass(extends = PyStore, frozen, module = "axhook", name = "RedisStore")]
pub(crate) struct PyRedisStore {
    inner: Arc<RedisStore>,
}

#[pymethods]
impl PyRedisStore {
    #[new]
    #[pyo3(signature = (url, *, prefix = None, lease = None, retention = None, timeout = None))]
    fn new(
        py: Python<'_>,
        url: String,
        prefix: Option<String>,
        lease: Option<&Bound<'_, PyAny>>,
        retention: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let (lease, retention) = limits(lease, retention)?;
        let mut builder = RedisStore::builder(url).lease(lease).retention(retention);
        if let Some(prefix) = prefix {
            builder = builder.prefix(prefix);
        }
        if let Some(t) = timeout {
            let t = convert::duration(t, "timeout")?;
            builder = builder.timeout(t.to_std().unwrap_or(axhook_redis::DEFAULT_TIMEOUT));
        }
        let inner = Arc::new(builder.build().map_err(|e| errors::store(py, &e))?);
        let base = PyStore {
            inner: inner.clone(),
            blocking: true,
        };
        Ok(PyClassInitializer::from(base).add_subclass(Self { inner }))
    }

    /// The key prefix.
    #[getter]
    fn prefix(&self) -> &str {
        self.inner.prefix()
    }

    fn __repr__(&self) -> String {
        format!("axhook.{:?}", self.inner)
    }
}

/// A store's answer to a claim: `code` is `new`, `duplicate` or `in_progress`; a `new` claim
/// carries the ticket to complete or release.
#[pyclass(frozen, module = "axhook", name = "Claim", get_all)]
pub(crate) struct PyClaim {
    code: &'static str,
    ticket: Option<PyTicket>,
}

#[pymethods]
impl PyClaim {
    fn __repr__(&self) -> String {
        format!("<axhook.Claim {}>", self.code)
    }
}

/// Proof of a claim.
#[pyclass(frozen, module = "axhook", name = "Ticket")]
#[derive(Clone)]
pub(crate) struct PyTicket {
    inner: Ticket,
}

#[pymethods]
impl PyTicket {
    #[getter]
    fn key(&self) -> &str {
        self.inner.key()
    }

    fn __repr__(&self) -> String {
        format!("<axhook.Ticket {:?}>", self.inner.key())
    }
}

/// The core `Receiver` over any store, in two halves.
#[pyclass(frozen, module = "axhook._native", name = "Receiver")]
pub(crate) struct PyReceiver {
    inner: Receiver<Arc<dyn DedupeStore>>,
    blocking: bool,
}

/// A verified, newly claimed delivery waiting for its handlers.
#[pyclass(frozen, module = "axhook._native", name = "Pending")]
pub(crate) struct PyPending {
    #[pyo3(get)]
    delivery: Py<PyDelivery>,
    claim: Mutex<Option<Pending<'static>>>,
}

/// `(status, code, delivery or None, message)`: what `axhook.Outcome` is made of.
type OutcomeTuple = (u16, &'static str, Option<Py<PyDelivery>>, String);

fn outcome(
    py: Python<'_>,
    outcome: Outcome<'static>,
    delivery: Option<Py<PyDelivery>>,
) -> PyResult<OutcomeTuple> {
    let delivery = match (delivery, outcome.delivery) {
        (Some(known), _) => Some(known),
        (None, Some(d)) => Some(Py::new(py, PyDelivery::new(d))?),
        (None, None) => None,
    };
    Ok((
        outcome.verdict.http_status(),
        outcome.verdict.code(),
        delivery,
        outcome.verdict.to_string(),
    ))
}

#[pymethods]
impl PyReceiver {
    #[new]
    fn new(verifier: &PyVerifier, store: &Bound<'_, PyStore>) -> Self {
        let store = store.get();
        Self {
            inner: Receiver::new(verifier.inner.clone(), store.inner.clone()),
            blocking: store.blocking,
        }
    }

    /// Verifies and claims: a `Pending` to hand to the handlers, or the final outcome tuple.
    #[pyo3(signature = (headers, body, now = None))]
    fn begin<'py>(
        &self,
        py: Python<'py>,
        headers: &Bound<'py, PyAny>,
        body: &Bound<'py, PyAny>,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let headers = convert::headers(headers)?;
        let body = convert::body(body)?;
        let now = convert::now(now)?;
        let bytes = body.bytes();
        let begin = || match self.inner.begin(&headers, bytes, now) {
            Begun::Pending(Pending { delivery, ticket }) => Begun::Pending(Pending {
                delivery: delivery.into_owned(),
                ticket,
            }),
            Begun::Done(Outcome { verdict, delivery }) => Begun::Done(Outcome {
                verdict,
                delivery: delivery.map(axhook::Delivery::into_owned),
            }),
        };
        let begun: Begun<'static> = match self.blocking || bytes.len() >= DETACH_FROM_BYTES {
            true => py.detach(begin),
            false => begin(),
        };
        match begun {
            Begun::Pending(pending) => Ok(Bound::new(
                py,
                PyPending {
                    delivery: Py::new(py, PyDelivery::new(pending.delivery.clone()))?,
                    claim: Mutex::new(Some(pending)),
                },
            )?
            .into_any()),
            Begun::Done(done) => outcome(py, done, None)?
                .into_pyobject(py)
                .map(Bound::into_any),
        }
    }

    /// Settles a pending delivery: `error` is `None` when every handler succeeded, otherwise
    /// what failed (the claim is then released for the retry).
    #[pyo3(signature = (pending, error = None, now = None))]
    fn finish(
        &self,
        py: Python<'_>,
        pending: &PyPending,
        error: Option<String>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<OutcomeTuple> {
        let now = convert::now(now)?;
        let claim = pending
            .claim
            .lock()
            .map_err(|_| PyRuntimeError::new_err("axhook: a pending delivery's lock is poisoned"))?
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("axhook: this delivery was already settled"))?;
        let handled = match error {
            None => Ok(()),
            Some(why) => Err(why),
        };
        let done = match self.blocking {
            true => py.detach(|| self.inner.finish(claim, handled, now)),
            false => self.inner.finish(claim, handled, now),
        };
        outcome(py, done, Some(pending.delivery.clone_ref(py)))
    }
}

/// The core's verdict for a request whose raw body a framework already consumed:
/// `(status, code, message)`.
#[pyfunction]
pub(crate) fn body_already_parsed() -> (u16, &'static str, String) {
    let verdict = axhook::Verdict::BodyAlreadyParsed;
    (verdict.http_status(), verdict.code(), verdict.to_string())
}
