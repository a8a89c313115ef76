//! A process-wide cache of the object keys seen in messages. The same few dozen names (`id`,
//! `contact`, `givenName`, …) arrive in every delivery, so each becomes a Python `str` once and
//! its hash is computed once, instead of once per occurrence.

use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::PyString;

/// Slots of the direct-mapped cache; a collision simply replaces the older key.
const SLOTS: usize = 1024;
/// Longer keys are rare and not worth a slot.
const MAX_KEY_BYTES: usize = 48;

static CACHE: Mutex<Option<KeyCache>> = Mutex::new(None);

pub(crate) struct KeyCache {
    slots: Vec<Option<(Box<str>, Py<PyString>)>>,
}

impl KeyCache {
    /// Runs `f` with the shared cache, or with an empty one when the shared one is busy (a
    /// conversion re-entered from a finalizer, or the lock poisoned): never blocks.
    pub(crate) fn with<R>(f: impl FnOnce(&mut KeyCache) -> R) -> R {
        match CACHE.try_lock() {
            Ok(mut guard) => f(guard.get_or_insert_with(|| KeyCache {
                slots: (0..SLOTS).map(|_| None).collect(),
            })),
            Err(_) => f(&mut KeyCache { slots: Vec::new() }),
        }
    }

    /// The Python `str` for an object key.
    pub(crate) fn get<'py>(&mut self, py: Python<'py>, key: &str) -> Bound<'py, PyString> {
        if key.len() > MAX_KEY_BYTES || self.slots.is_empty() {
            return PyString::new(py, key);
        }
        // FNV-1a: the keys are short, so a simple hash is the fast one.
        let hash = key.bytes().fold(0x811c_9dc5_u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        });
        let slot = &mut self.slots[hash as usize % SLOTS];
        if let Some((cached, string)) = slot {
            if **cached == *key {
                return string.bind(py).clone();
            }
        }
        let string = PyString::intern(py, key);
        *slot = Some((key.into(), string.clone().unbind()));
        string
    }
}
