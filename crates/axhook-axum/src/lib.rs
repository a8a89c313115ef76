#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod body;
mod received;
mod webhook;

pub use body::read_body_prefix;
pub use received::Received;
pub use webhook::{Claimed, Clock, Webhook};

/// Re-exported so that callers name the same types this crate uses.
pub use axhook;
