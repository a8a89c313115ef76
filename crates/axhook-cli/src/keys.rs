//! Private keys from the command line, the environment or files — never printed.

use std::path::Path;

use axhook::{Verifier, VerifierBuilder};

use crate::args::KeyArgs;
use crate::failure::Failure;

/// A labelled private key. `Debug` shows the label only.
#[derive(Clone)]
pub(crate) struct Key {
    pub label: String,
    pub secret: Vec<u8>,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key({:?}, [REDACTED])", self.label)
    }
}

/// Every key the flags name, in order: --key, then --key-env, then --key-file.
pub(crate) fn load(args: &KeyArgs) -> Result<Vec<Key>, Failure> {
    let mut keys = Vec::new();
    for (i, key) in args.keys.iter().enumerate() {
        keys.push(Key {
            label: format!("key{}", i + 1),
            secret: key.as_bytes().to_vec(),
        });
    }
    for spec in &args.key_envs {
        let (label, var) = labelled(spec);
        let secret = std::env::var_os(var)
            .ok_or_else(|| Failure::usage(format!("--key-env: ${var} is not set")))?;
        let secret = secret
            .into_string()
            .map_err(|_| Failure::usage(format!("--key-env: ${var} is not UTF-8")))?;
        if secret.is_empty() {
            return Err(Failure::usage(format!("--key-env: ${var} is empty")));
        }
        keys.push(Key {
            label: label.unwrap_or(var).to_string(),
            secret: secret.into_bytes(),
        });
    }
    for spec in &args.key_files {
        let (label, path) = labelled(spec);
        let mut secret =
            std::fs::read(path).map_err(|e| Failure::usage(format!("--key-file {path}: {e}")))?;
        // One trailing line ending, as text editors and `echo` add; nothing else is touched.
        if secret.ends_with(b"\r\n") {
            secret.truncate(secret.len() - 2);
        } else if secret.ends_with(b"\n") {
            secret.truncate(secret.len() - 1);
        }
        if secret.is_empty() {
            return Err(Failure::usage(format!(
                "--key-file {path}: the file is empty"
            )));
        }
        let name = Path::new(path)
            .file_name()
            .map_or(path.into(), |n| n.to_string_lossy());
        keys.push(Key {
            label: label.map_or_else(|| name.into_owned(), str::to_string),
            secret,
        });
    }
    Ok(keys)
}

/// Like [`load`], but at least one key is required.
pub(crate) fn require(args: &KeyArgs) -> Result<Vec<Key>, Failure> {
    let keys = load(args)?;
    if keys.is_empty() {
        return Err(Failure::usage(
            "no key given: use --key KEY, --key-env VAR or --key-file PATH",
        ));
    }
    Ok(keys)
}

/// `LABEL=rest` or just `rest`.
fn labelled(spec: &str) -> (Option<&str>, &str) {
    match spec.split_once('=') {
        Some((label, rest)) if !label.is_empty() && !label.contains('/') => (Some(label), rest),
        _ => (None, spec),
    }
}

/// A warning, when a key has surrounding whitespace (keys are used exactly as given).
pub(crate) fn whitespace_warning(key: &Key) -> Option<String> {
    (key.secret.trim_ascii().len() != key.secret.len()).then(|| {
        format!(
            "key {:?} has surrounding whitespace; it is used exactly as given",
            key.label
        )
    })
}

/// The verifier for a set of keys.
/// A verifier builder holding these keys.
pub(crate) fn builder(keys: &[Key]) -> VerifierBuilder {
    keys.iter()
        .fold(Verifier::builder(), |b, key| b.key(&key.label, &key.secret))
}

/// The verifier for a set of keys and policy.
pub(crate) fn verifier(
    keys: &[Key],
    allow_unsigned: bool,
    allowed_client_ids: &[u64],
) -> Result<Verifier, Failure> {
    let mut builder = builder(keys).allow_unsigned(allow_unsigned);
    if !allowed_client_ids.is_empty() {
        builder = builder.allowed_client_ids(allowed_client_ids.iter().copied());
    }
    builder.build().map_err(|e| Failure::usage(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_file_line_endings() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("axcelerate.key");
        std::fs::write(&file, "file-key\n").unwrap();
        let args = KeyArgs {
            keys: vec!["direct".into()],
            key_envs: vec![],
            key_files: vec![
                file.display().to_string(),
                format!("old={}", file.display()),
            ],
        };
        let keys = load(&args).unwrap();
        let summary: Vec<(&str, &[u8])> = keys
            .iter()
            .map(|k| (k.label.as_str(), k.secret.as_slice()))
            .collect();
        assert_eq!(
            summary,
            [
                ("key1", &b"direct"[..]),
                ("axcelerate.key", b"file-key"),
                ("old", b"file-key")
            ]
        );
        assert_eq!(format!("{:?}", keys[0]), "Key(\"key1\", [REDACTED])");
    }
}
