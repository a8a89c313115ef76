//! Python arguments as the core's types: the raw body, header collections, the clock and
//! durations, with `TypeError`s that say what to pass instead.

use axhook::chrono::{DateTime, TimeDelta, Utc};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{
    PyByteArray, PyBytes, PyDateTime, PyDelta, PyDict, PyList, PyMemoryView, PyString, PyTuple,
    PyTzInfo,
};

const WHERE_THE_BODY_IS: &str = "pass the raw request body: request.get_data() in Flask, \
    `await request.body()` in FastAPI or Starlette, request.body in Django";

/// The raw body: a `bytes` object borrowed as it is, anything else copied once.
pub(crate) enum Body<'py> {
    Borrowed(Bound<'py, PyBytes>),
    Owned(Vec<u8>),
}

impl Body<'_> {
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Body::Borrowed(b) => b.as_bytes(),
            Body::Owned(v) => v,
        }
    }
}

/// `bytes`, `bytearray` or `memoryview`; a `str` or an already parsed value is a `TypeError`
/// that explains why the raw bytes are needed.
pub(crate) fn body<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Body<'py>> {
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        return Ok(Body::Borrowed(bytes.clone()));
    }
    if let Ok(array) = obj.cast::<PyByteArray>() {
        return Ok(Body::Owned(array.to_vec()));
    }
    if obj.is_instance_of::<PyMemoryView>() {
        return Ok(Body::Borrowed(obj.call_method0("tobytes")?.cast_into()?));
    }
    let kind = type_name(obj);
    Err(PyTypeError::new_err(if obj.is_instance_of::<PyString>() {
        format!(
            "the body must be the raw request bytes, not a str: decoding and re-encoding can \
             change the bytes that the signature covers; {WHERE_THE_BODY_IS}"
        )
    } else if obj.is_instance_of::<PyDict>() || obj.is_instance_of::<PyList>() {
        format!(
            "the body was already parsed into a {kind}; the signature covers the raw bytes, \
             which no JSON parser gives back; {WHERE_THE_BODY_IS}"
        )
    } else {
        format!("the body must be bytes, bytearray or memoryview, not {kind}; {WHERE_THE_BODY_IS}")
    }))
}

/// Every `(name, value)` pair of a header collection, repeats included, so that the core sees a
/// repeated signature header. Any mapping (dict, Werkzeug, Starlette or Django headers: their
/// `items()` yields every pair) or an iterable of pairs; names and values as `str` or `bytes`.
pub(crate) fn headers(obj: &Bound<'_, PyAny>) -> PyResult<Vec<(String, Vec<u8>)>> {
    let mut pairs = Vec::new();
    if let Ok(dict) = obj.cast::<PyDict>() {
        for (name, value) in dict.iter() {
            pairs.push((header_name(&name)?, header_value(&value)?));
        }
        return Ok(pairs);
    }
    let items = if obj.hasattr("items")? {
        obj.call_method0("items")?
    } else if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Err(not_headers(obj));
    } else {
        obj.clone()
    };
    for item in items.try_iter().map_err(|_| not_headers(obj))? {
        let item = item?;
        let pair = match item.cast::<PyTuple>() {
            Ok(t) => t.len() == 2,
            Err(_) => item.is_instance_of::<PyList>() && item.len()? == 2,
        };
        if !pair {
            return Err(not_headers(obj));
        }
        let (name, value) = (item.get_item(0)?, item.get_item(1)?);
        pairs.push((header_name(&name)?, header_value(&value)?));
    }
    Ok(pairs)
}

fn not_headers(obj: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!(
        "headers must be a mapping (a dict or the request's headers) or a list of (name, value) \
         pairs, not {}",
        type_name(obj)
    ))
}

fn header_name(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(String::from_utf8_lossy(b.as_bytes()).into_owned());
    }
    Err(PyTypeError::new_err(format!(
        "a header name must be str or bytes, not {}",
        type_name(obj)
    )))
}

fn header_value(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned().into_bytes());
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    Err(PyTypeError::new_err(format!(
        "a header value must be str or bytes, not {}",
        type_name(obj)
    )))
}

/// The clock: `None` is now; otherwise an aware `datetime`, in any zone.
pub(crate) fn now(obj: Option<&Bound<'_, PyAny>>) -> PyResult<DateTime<Utc>> {
    let Some(obj) = obj else {
        return Ok(Utc::now());
    };
    let aware = obj
        .cast::<PyDateTime>()
        .ok()
        .filter(|_| obj.call_method0("utcoffset").is_ok_and(|o| !o.is_none()));
    match aware {
        Some(dt) => dt
            .call_method1("astimezone", (PyTzInfo::utc(obj.py())?,))?
            .extract(),
        None => Err(PyTypeError::new_err(format!(
            "now must be an aware datetime, such as datetime.now(timezone.utc), not {}",
            match obj.is_instance_of::<PyDateTime>() {
                true => "a naive datetime".to_string(),
                false => type_name(obj),
            }
        ))),
    }
}

/// A duration given as a `timedelta` or a number of seconds, checked by the core.
pub(crate) fn duration(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<TimeDelta> {
    let seconds: f64 = if obj.is_instance_of::<PyDelta>() {
        obj.call_method0("total_seconds")?.extract()?
    } else if obj.is_instance_of::<pyo3::types::PyBool>() {
        return Err(duration_type(obj, name));
    } else {
        obj.extract().map_err(|_| duration_type(obj, name))?
    };
    axhook::seconds(name, seconds).map_err(|e| crate::errors::config(obj.py(), &e))
}

fn duration_type(obj: &Bound<'_, PyAny>, name: &str) -> PyErr {
    PyTypeError::new_err(format!(
        "{name} must be a timedelta or a number of seconds, not {}",
        type_name(obj)
    ))
}

pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "this type".into())
}
