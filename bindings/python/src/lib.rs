//! The native module `axhook._native` of the `axhook` Python package. It converts Python values
//! to the core's types and back and maps the core's errors to exceptions; every decision
//! (verification, status mapping, dedupe) is the core's. The Python idioms (handlers, logging,
//! framework helpers) live in the package's Python modules.

use pyo3::prelude::*;

mod convert;
mod errors;
mod keys;
mod message;
mod receiver;
mod testing;
mod verifier;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<verifier::PyVerifier>()?;
    m.add_class::<verifier::PyDelivery>()?;
    m.add_class::<receiver::PyStore>()?;
    m.add_class::<receiver::PyMemoryStore>()?;
    m.add_class::<receiver::PySqliteStore>()?;
    m.add_class::<receiver::PyRedisStore>()?;
    m.add_class::<receiver::PyClaim>()?;
    m.add_class::<receiver::PyTicket>()?;
    m.add_class::<receiver::PyReceiver>()?;
    m.add_class::<receiver::PyPending>()?;
    m.add_function(wrap_pyfunction!(receiver::body_already_parsed, m)?)?;
    m.add_function(wrap_pyfunction!(testing::signed_delivery, m)?)?;
    m.add_function(wrap_pyfunction!(testing::sign, m)?)?;
    m.add_function(wrap_pyfunction!(testing::sample_message, m)?)?;
    m.add("KNOWN_EVENTS", axhook::KNOWN_EVENTS.to_vec())?;
    m.add("ERROR_CODES", axhook::Error::CODES.to_vec())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
