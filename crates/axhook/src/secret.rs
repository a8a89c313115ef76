//! [`Secret`]: a private key held as configuration, wiped when dropped and never shown.

use std::fmt;

use serde::Deserialize;
use zeroize::Zeroizing;

/// A private key as text: zeroized when dropped, `[REDACTED]` in `Debug`.
///
/// ```
/// let key = axhook::Secret::from("ax-private-key");
/// assert_eq!(format!("{key:?}"), "Secret([REDACTED])");
/// assert_eq!(key.expose(), "ax-private-key");
/// ```
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// The key itself, for building a verifier or a signer.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(key: String) -> Self {
        Self(Zeroizing::new(key))
    }
}

impl From<&str> for Secret {
    fn from(key: &str) -> Self {
        Self(Zeroizing::new(key.to_owned()))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}
