//! `--store`: which [`DedupeStore`] a receiver claims deliveries in.

use std::sync::Arc;

use axhook::{DedupeStore, MemoryStore};
use axhook_redis::RedisStore;
use axhook_sqlite::SqliteStore;

use crate::failure::Failure;

/// An opened store, how to call it, and what to call it in logs (no password).
pub(crate) struct OpenedStore {
    pub store: Arc<dyn DedupeStore>,
    /// True when its calls never block, so they may run on the async runtime.
    pub non_blocking: bool,
    pub description: String,
}

/// Opens `sqlite:PATH`, `memory` or a `redis://` / `rediss://` URL.
pub(crate) fn open(spec: &str) -> Result<OpenedStore, Failure> {
    if spec == "memory" {
        return Ok(OpenedStore {
            store: Arc::new(MemoryStore::new()),
            non_blocking: true,
            description: "memory".into(),
        });
    }
    if let Some(path) = spec.strip_prefix("sqlite:") {
        let store = SqliteStore::open(path)
            .map_err(|e| Failure::runtime(format!("--store {spec}: {e}")))?;
        return Ok(OpenedStore {
            store: Arc::new(store),
            non_blocking: false,
            description: format!("sqlite:{path}"),
        });
    }
    if spec.starts_with("redis://")
        || spec.starts_with("rediss://")
        || spec.starts_with("redis+unix://")
    {
        let shown = redact_url(spec);
        let store = RedisStore::builder(spec)
            .build()
            .map_err(|e| Failure::runtime(format!("--store {shown}: {e}")))?;
        return Ok(OpenedStore {
            store: Arc::new(store),
            non_blocking: false,
            description: shown,
        });
    }
    Err(Failure::usage(format!(
        "--store {:?}: expected sqlite:PATH, memory or a redis:// URL",
        redact_url(spec)
    )))
}

/// A URL without the password of its user part.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            let user = rest[..at].split(':').next().unwrap_or("");
            format!("{scheme}://{user}:[REDACTED]@{}", &rest[at + 1..])
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact_url("redis://:hunter2@cache:6379/0"),
            "redis://:[REDACTED]@cache:6379/0"
        );
        assert_eq!(
            redact_url("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
        let err = open("postgres://u:hunter2@x/y").err().unwrap();
        assert!(!err.message.contains("hunter2"), "{}", err.message);
    }
}
