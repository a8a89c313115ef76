//! Core errors as the exceptions of `axhook.errors`: the class is chosen by the core's stable
//! code (a code this binding does not know still arrives as the base class), and the code, the
//! status and the message are the core's own.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// The factory in `axhook.errors` for one kind of error.
fn factory<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyAny>>,
    name: &str,
) -> PyResult<Bound<'py, PyAny>> {
    cell.get_or_try_init(py, || {
        Ok::<_, PyErr>(py.import("axhook.errors")?.getattr(name)?.unbind())
    })
    .map(|f| f.bind(py).clone())
}

fn raise(made: PyResult<Bound<'_, PyAny>>) -> PyErr {
    match made {
        Ok(exception) => PyErr::from_value(exception),
        Err(e) => e,
    }
}

/// A refused delivery: `VerificationError` or the subclass for its code.
pub(crate) fn verification(py: Python<'_>, error: &axhook::Error) -> PyErr {
    static CELL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    raise(
        factory(py, &CELL, "_verification_error")
            .and_then(|f| f.call1((error.to_string(), error.code(), error.http_status()))),
    )
}

/// A verifier that cannot be built: `axhook.ConfigError` (a `ValueError`).
pub(crate) fn config(py: Python<'_>, error: &axhook::ConfigError) -> PyErr {
    static CELL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    raise(factory(py, &CELL, "_config_error").and_then(|f| f.call1((error.to_string(),))))
}

/// A store that could not answer: `LeaseLost`, `StoreUnavailable` or the base `StoreError`.
pub(crate) fn store(py: Python<'_>, error: &axhook::StoreError) -> PyErr {
    static CELL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    raise(
        factory(py, &CELL, "_store_error").and_then(|f| f.call1((error.to_string(), error.code()))),
    )
}
