//! [`Failure`]: why a command stopped, and its exit code.

use std::fmt;

/// A command that could not do its work: a message for standard error and an exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub exit_code: u8,
    pub message: String,
}

impl Failure {
    /// A mistake in how the command was called (exit code 2, as clap uses).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            exit_code: 2,
            message: message.into(),
        }
    }

    /// Something that failed while running (exit code 1).
    pub fn runtime(message: impl Into<String>) -> Self {
        Self {
            exit_code: 1,
            message: message.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
