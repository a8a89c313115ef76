#![doc = include_str!("../../../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod config;
mod dedupe;
mod envelope;
mod error;
mod event;
mod headers;
mod json;
mod memory;
mod receiver;
mod secret;
pub mod signer;
#[cfg(feature = "testing")]
pub mod testing;
mod verifier;

pub use config::{seconds, VerifierConfig};
pub use dedupe::{
    Claim, DedupeStore, StoreError, Ticket, DEFAULT_LEASE, DEFAULT_MEMORY_CAPACITY,
    DEFAULT_RETENTION,
};
pub use envelope::{dedupe_key, Delivery, MAX_CLIENT_ID, MAX_MESSAGE_ID_CHARS};
pub use error::{ConfigError, Error};
pub use event::{pattern_matches, EventType, KNOWN_EVENTS};
pub use headers::{Headers, Lookup, SIGNATURE_HEADER, VERSION_HEADER};
pub use json::MAX_DEPTH;
pub use memory::MemoryStore;
pub use receiver::{Begun, Outcome, Pending, Receiver, Verdict};
pub use secret::Secret;
pub use verifier::{
    Verifier, VerifierBuilder, DEFAULT_MAX_AGE, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_FUTURE_SKEW,
};

/// Re-exported so that callers can name instants and durations without a direct dependency.
pub use chrono;
