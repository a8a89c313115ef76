//! [`VerifierConfig`]: a verifier's whole configuration as plain data, in the shape of the
//! fixtures' `verifier` objects, for bindings that receive it as a JS object or JSON.

use std::collections::BTreeMap;

use chrono::TimeDelta;
use serde::Deserialize;

use crate::error::ConfigError;
use crate::secret::Secret;
use crate::verifier::{Verifier, VerifierBuilder};

/// Everything a [`Verifier`] can be configured with; omitted fields take the defaults. Keys
/// are [`Secret`]s: wiped when dropped, and `Debug` shows their labels only.
///
/// ```
/// let config: axhook::VerifierConfig = serde_json::from_str(
///     r#"{"keys": {"current": "k1"}, "allowedClientIds": [12345678], "maxAgeSeconds": 86400}"#,
/// )?;
/// let verifier = config.build()?;
/// assert_eq!(verifier.max_age().num_seconds(), 86_400);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifierConfig {
    /// Label → key.
    #[serde(default)]
    pub keys: BTreeMap<String, Secret>,
    /// clientId (as a decimal string) → label → key.
    #[serde(default)]
    pub client_keys: Option<BTreeMap<String, BTreeMap<String, Secret>>>,
    /// The clientIds accepted; `None` accepts every clientId.
    #[serde(default)]
    pub allowed_client_ids: Option<Vec<u64>>,
    /// Accept version `0` deliveries when no key applies.
    #[serde(default)]
    pub allow_unsigned: bool,
    /// Oldest accepted timestamp, in seconds (default 14 days).
    #[serde(default)]
    pub max_age_seconds: Option<f64>,
    /// Largest accepted clock skew into the future, in seconds (default 300).
    #[serde(default)]
    pub max_future_skew_seconds: Option<f64>,
    /// Largest accepted body, in bytes (default 1 MiB).
    #[serde(default)]
    pub max_body_bytes: Option<u64>,
}

impl std::fmt::Debug for VerifierConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let client_keys = self.client_keys.as_ref().map(|by_client| {
            by_client
                .iter()
                .map(|(id, keys)| (id, keys.keys().collect::<Vec<_>>()))
                .collect::<BTreeMap<_, _>>()
        });
        f.debug_struct("VerifierConfig")
            .field(
                "keys",
                &format_args!("{:?} [REDACTED]", self.keys.keys().collect::<Vec<_>>()),
            )
            .field("client_keys", &format_args!("{client_keys:?} [REDACTED]"))
            .field("allowed_client_ids", &self.allowed_client_ids)
            .field("allow_unsigned", &self.allow_unsigned)
            .field("max_age_seconds", &self.max_age_seconds)
            .field("max_future_skew_seconds", &self.max_future_skew_seconds)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

impl VerifierConfig {
    /// Reads a configuration from JSON text. Unlike `serde_json`'s own messages, the error
    /// never echoes a value, since a misplaced one may be a key.
    ///
    /// ```
    /// let e = axhook::VerifierConfig::from_json(r#"{"clientKeys": {"7": "s3cret"}}"#).unwrap_err();
    /// assert_eq!(e.code(), "invalid_config");
    /// assert!(!e.to_string().contains("s3cret"));
    /// ```
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        serde_json::from_str(text).map_err(|e| {
            let text = e.to_string();
            ConfigError::new(match text.split_once(": ") {
                Some((kind @ ("invalid type" | "invalid value"), rest)) => {
                    let expected = rest.rsplit_once(", expected ").map_or("", |(_, x)| x);
                    format!("{kind} (value not shown), expected {expected}")
                }
                _ => text,
            })
        })
    }

    /// Builds the verifier this configuration describes.
    pub fn build(&self) -> Result<Verifier, ConfigError> {
        self.builder()?.build()
    }

    /// A builder preset with this configuration, for further calls.
    pub fn builder(&self) -> Result<VerifierBuilder, ConfigError> {
        let mut b = Verifier::builder().allow_unsigned(self.allow_unsigned);
        for (label, secret) in &self.keys {
            b = b.key(label, secret.expose());
        }
        for (id, keys) in self.client_keys.iter().flatten() {
            let id: u64 = id.trim().parse().map_err(|_| {
                ConfigError::new(format!("clientKeys: {id:?} is not a clientId (an integer)"))
            })?;
            for (label, secret) in keys {
                b = b.client_key(id, label, secret.expose());
            }
        }
        if let Some(ids) = &self.allowed_client_ids {
            b = b.allowed_client_ids(ids.iter().copied());
        }
        if let Some(s) = self.max_age_seconds {
            b = b.max_age(seconds("maxAgeSeconds", s)?);
        }
        if let Some(s) = self.max_future_skew_seconds {
            b = b.max_future_skew(seconds("maxFutureSkewSeconds", s)?);
        }
        if let Some(n) = self.max_body_bytes {
            let n =
                usize::try_from(n).map_err(|_| ConfigError::new("maxBodyBytes is too large"))?;
            b = b.max_body_bytes(n);
        }
        Ok(b)
    }
}

/// A non-negative, finite number of seconds as a duration (millisecond precision).
pub fn seconds(name: &str, value: f64) -> Result<TimeDelta, ConfigError> {
    if !(0.0..=1e12).contains(&value) {
        return Err(ConfigError::new(format!(
            "{name} must be a non-negative, finite number of seconds"
        )));
    }
    Ok(TimeDelta::milliseconds((value * 1000.0).round() as i64))
}
