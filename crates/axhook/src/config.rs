//! [`VerifierConfig`]: a verifier's whole configuration as plain data, in the shape of the
//! fixtures' `verifier` objects, for bindings that receive it as a JS object or JSON.

use std::collections::BTreeMap;

use chrono::TimeDelta;
use serde::Deserialize;

use crate::error::ConfigError;
use crate::verifier::{Verifier, VerifierBuilder};

/// Everything a [`Verifier`] can be configured with; omitted fields take the defaults.
///
/// ```
/// let config: axhook::VerifierConfig = serde_json::from_str(
///     r#"{"keys": {"current": "k1"}, "allowedClientIds": [12345678], "maxAgeSeconds": 86400}"#,
/// )?;
/// let verifier = config.build()?;
/// assert_eq!(verifier.max_age().num_seconds(), 86_400);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifierConfig {
    /// Label → key.
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
    /// clientId (as a decimal string) → label → key.
    #[serde(default)]
    pub client_keys: Option<BTreeMap<String, BTreeMap<String, String>>>,
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

impl VerifierConfig {
    /// Builds the verifier this configuration describes.
    pub fn build(&self) -> Result<Verifier, ConfigError> {
        self.builder()?.build()
    }

    /// A builder preset with this configuration, for further calls.
    pub fn builder(&self) -> Result<VerifierBuilder, ConfigError> {
        let mut b = Verifier::builder().allow_unsigned(self.allow_unsigned);
        for (label, secret) in &self.keys {
            b = b.key(label, secret);
        }
        for (id, keys) in self.client_keys.iter().flatten() {
            let id: u64 = id.trim().parse().map_err(|_| {
                ConfigError::new(format!("clientKeys: {id:?} is not a clientId (an integer)"))
            })?;
            for (label, secret) in keys {
                b = b.client_key(id, label, secret);
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
