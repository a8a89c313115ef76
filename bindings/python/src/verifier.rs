//! `axhook.Verifier` and `axhook.Delivery`.

use axhook::chrono::{DateTime, Utc};
use axhook::Verifier;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDateTime, PyString};

use crate::convert::{self, type_name};
use crate::{errors, message};

/// From this many body bytes on, verification runs with the GIL released.
pub(crate) const DETACH_FROM_BYTES: usize = 16 * 1024;

/// Verifies aXcelerate deliveries. Built once, immutable, safe to share between threads.
#[pyclass(frozen, module = "axhook", name = "Verifier")]
pub(crate) struct PyVerifier {
    pub(crate) inner: Verifier,
}

#[pymethods]
impl PyVerifier {
    #[new]
    #[pyo3(signature = (
        keys = None, *, client_keys = None, allowed_client_ids = None, allow_unsigned = false,
        max_age = None, max_future_skew = None, max_body_bytes = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        keys: Option<&Bound<'_, PyAny>>,
        client_keys: Option<&Bound<'_, PyAny>>,
        allowed_client_ids: Option<&Bound<'_, PyAny>>,
        allow_unsigned: bool,
        max_age: Option<&Bound<'_, PyAny>>,
        max_future_skew: Option<&Bound<'_, PyAny>>,
        max_body_bytes: Option<usize>,
    ) -> PyResult<Self> {
        let mut b = Verifier::builder().allow_unsigned(allow_unsigned);
        if let Some(keys) = keys {
            for (label, key) in labelled_keys(keys, "keys")? {
                b = b.key(label, key);
            }
        }
        if let Some(by_client) = client_keys {
            for (client_id, keys) in mapping_items(by_client, "client_keys")? {
                let client_id: u64 = client_id.extract().map_err(|_| {
                    PyTypeError::new_err(format!(
                        "client_keys maps a clientId (an int) to its keys, found a key of type {}",
                        type_name(&client_id)
                    ))
                })?;
                for (label, key) in labelled_keys(&keys, "client_keys values")? {
                    b = b.client_key(client_id, label, key);
                }
            }
        }
        if let Some(ids) = allowed_client_ids {
            if ids.is_instance_of::<PyString>() {
                return Err(PyTypeError::new_err(
                    "allowed_client_ids must be a collection of ints, not a str",
                ));
            }
            let ids: Vec<u64> = ids
                .try_iter()?
                .map(|id| id?.extract::<u64>())
                .collect::<PyResult<_>>()?;
            b = b.allowed_client_ids(ids);
        }
        if let Some(max_age) = max_age {
            b = b.max_age(convert::duration(max_age, "max_age")?);
        }
        if let Some(skew) = max_future_skew {
            b = b.max_future_skew(convert::duration(skew, "max_future_skew")?);
        }
        if let Some(limit) = max_body_bytes {
            b = b.max_body_bytes(limit);
        }
        let inner = b.build().map_err(|e| errors::config(py, &e))?;
        Ok(Self { inner })
    }

    /// Verifies a delivery and returns it, or raises the `VerificationError` for its code.
    #[pyo3(signature = (headers, body, *, now = None))]
    fn verify(
        &self,
        py: Python<'_>,
        headers: &Bound<'_, PyAny>,
        body: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyDelivery> {
        let headers = convert::headers(headers)?;
        let body = convert::body(body)?;
        let now = convert::now(now)?;
        let bytes = body.bytes();
        let verify = || {
            self.inner
                .verify_at(&headers, bytes, now)
                .map(axhook::Delivery::into_owned)
        };
        let verified = match bytes.len() >= DETACH_FROM_BYTES {
            true => py.detach(verify),
            false => verify(),
        };
        match verified {
            Ok(delivery) => Ok(PyDelivery::new(delivery)),
            Err(e) => Err(errors::verification(py, &e)),
        }
    }

    #[getter]
    fn max_body_bytes(&self) -> usize {
        self.inner.max_body_bytes()
    }

    fn __repr__(&self) -> String {
        // The core's Debug shows labels only; keys are redacted.
        format!("axhook.{:?}", self.inner)
    }
}

/// `(label, key)` pairs of a mapping of str to str.
fn labelled_keys(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<(String, String)>> {
    let hint = || {
        PyTypeError::new_err(format!(
            "{what} must map a label to each key, such as {{\"current\": key}}: the label of the \
             matching key is reported, which makes rotation visible"
        ))
    };
    mapping_items(obj, what)
        .map_err(|_| hint())?
        .into_iter()
        .map(|(label, key)| {
            let label: String = label.extract().map_err(|_| hint())?;
            let key = key.cast::<PyString>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "the key labelled {label:?} must be a str (aXcelerate keys are text, used \
                     as their UTF-8 bytes), not {}",
                    type_name(&key)
                ))
            })?;
            // Not `?`: a UnicodeEncodeError would carry the whole key in its `object`.
            let key = key.to_cow().map_err(|_| {
                PyTypeError::new_err(format!(
                    "the key labelled {label:?} is not valid text: it holds a lone surrogate, \
                     which has no UTF-8 form"
                ))
            })?;
            Ok((label, key.into_owned()))
        })
        .collect()
}

fn mapping_items<'py>(
    obj: &Bound<'py, PyAny>,
    what: &str,
) -> PyResult<Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>> {
    if !obj.hasattr("items")? {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a mapping, not {}",
            type_name(obj)
        )));
    }
    obj.call_method0("items")?
        .try_iter()?
        .map(|item| item?.extract())
        .collect()
}

/// A verified delivery. `message` is built on first access, then kept.
#[pyclass(frozen, module = "axhook", name = "Delivery")]
pub(crate) struct PyDelivery {
    pub(crate) inner: axhook::Delivery<'static>,
    message: PyOnceLock<Py<PyAny>>,
}

impl PyDelivery {
    pub(crate) fn new(inner: axhook::Delivery<'static>) -> Self {
        Self {
            inner,
            message: PyOnceLock::new(),
        }
    }
}

#[pymethods]
impl PyDelivery {
    /// The event type, such as `contact.contact_updated`.
    #[getter(r#type)]
    fn event_type(&self) -> &str {
        self.inner.event_type().as_str()
    }

    #[getter]
    fn namespace(&self) -> &str {
        self.inner.namespace()
    }

    #[getter]
    fn event(&self) -> &str {
        self.inner.event()
    }

    /// The message as plain Python values, built on first access.
    #[getter]
    fn message<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.message
            .get_or_try_init(py, || {
                message::to_python(py, self.inner.message_json()).map(Bound::unbind)
            })
            .map(|m| m.bind(py).clone())
    }

    /// The message's JSON text, exactly as it appears in the body.
    #[getter]
    fn message_json(&self) -> &str {
        self.inner.message_json()
    }

    #[getter]
    fn client_id(&self) -> u64 {
        self.inner.client_id()
    }

    #[getter]
    fn message_id(&self) -> &str {
        self.inner.message_id()
    }

    #[getter]
    fn timestamp<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        // A leap second (23:59:60.5Z) has no datetime: count it as epoch time does, as every
        // other runtime reports it (00:00:00.5), rather than let pyo3 warn and drop a second.
        let at = self.inner.timestamp();
        DateTime::<Utc>::from_timestamp_micros(at.timestamp_micros())
            .unwrap_or(at)
            .into_pyobject(py)
    }

    #[getter]
    fn key_label(&self) -> Option<&str> {
        self.inner.key_label()
    }

    #[getter]
    fn signed(&self) -> bool {
        self.inner.signed()
    }

    #[getter]
    fn raw_body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.raw_body())
    }

    /// `clientId:messageId`, the key deliveries are deduplicated by.
    #[getter]
    fn dedupe_key(&self) -> String {
        self.inner.dedupe_key()
    }

    /// Whether the type matches `pattern`: `*`, `namespace.*` or an exact type.
    fn matches(&self, pattern: &str) -> bool {
        self.inner.event_type().matches(pattern)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let at: DateTime<Utc> = self.inner.timestamp();
        Ok(format!(
            "<axhook.Delivery {} clientId={} messageId={} timestamp={} key_label={}>",
            self.inner.event_type(),
            self.inner.client_id(),
            PyString::new(py, self.inner.message_id()).repr()?,
            at.to_rfc3339_opts(axhook::chrono::SecondsFormat::Millis, true),
            self.inner.key_label().into_pyobject(py)?.repr()?,
        ))
    }
}
