//! The core's signer for `axhook.testing`: deliveries signed exactly as aXcelerate signs them.

use std::borrow::Cow;

use axhook::signer::{self, DeliveryBuilder, Signer};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::convert;

/// `(headers, body)` as `axhook.testing.signed_delivery` returns them.
type Sent<'py> = (Vec<(String, String)>, Bound<'py, PyBytes>);

/// `(headers, body)` of a realistic delivery. `message_json` is the message as JSON text (the
/// sample message for the type when `None`); `version` 1 signs with `key`, 0 is unsigned.
#[pyfunction]
#[pyo3(signature = (event_type, message_json, key, *, client_id, message_id = None, timestamp = None, version = 1))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn signed_delivery<'py>(
    py: Python<'py>,
    event_type: &str,
    message_json: Option<&str>,
    key: Option<Bound<'py, PyString>>,
    client_id: u64,
    message_id: Option<String>,
    timestamp: Option<&Bound<'py, PyAny>>,
    version: u8,
) -> PyResult<Sent<'py>> {
    let mut builder = DeliveryBuilder::new(event_type).client_id(client_id);
    if let Some(json) = message_json {
        let message = serde_json::from_str(json)
            .map_err(|e| PyValueError::new_err(format!("the message is not JSON: {e}")))?;
        builder = builder.message(message);
    }
    if let Some(id) = message_id {
        builder = builder.message_id(id);
    }
    builder = builder.timestamp(convert::now(timestamp)?);
    let sent = match (version, key) {
        (1, Some(key)) => builder.sign(&*key_text(&key)?),
        (1, None) => {
            return Err(PyTypeError::new_err(
                "a signed delivery (version 1) needs a key",
            ))
        }
        (0, _) => builder.unsigned(),
        _ => {
            return Err(PyValueError::new_err(
                "version must be 1 (signed) or 0 (unsigned)",
            ))
        }
    };
    Ok((sent.headers, PyBytes::new(py, &sent.body)))
}

/// The lowercase hex HMAC-SHA256 of `body` under `key`, as `Ax-Signature` carries it.
#[pyfunction]
pub(crate) fn sign(body: &Bound<'_, PyAny>, key: &Bound<'_, PyString>) -> PyResult<String> {
    Ok(Signer::new(&*key_text(key)?).sign(convert::body(body)?.bytes()))
}

/// The key's text; not `?` on the conversion, whose UnicodeEncodeError would carry the key.
fn key_text<'a>(key: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, str>> {
    key.to_cow().map_err(|_| {
        PyTypeError::new_err(
            "the key is not valid text: it holds a lone surrogate, which has no UTF-8 form",
        )
    })
}

/// A realistic message for an event type, as JSON text.
#[pyfunction]
#[pyo3(signature = (event_type, seed = 12345678))]
pub(crate) fn sample_message(event_type: &str, seed: u64) -> String {
    signer::sample_message(event_type, seed).to_string()
}
