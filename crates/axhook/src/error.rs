//! The one error type of verification, with stable codes and HTTP statuses.

use std::fmt;

/// Why a delivery was refused.
///
/// Every variant has a stable [`code`](Error::code) (the same string in every binding) and the
/// [`http_status`](Error::http_status) a receiver should answer. Messages help the operator
/// without ever showing a key or the expected signature.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// No `Ax-Signature-Version` header.
    MissingSignatureVersion,
    /// A version other than `0` or `1` (after trimming surrounding whitespace).
    UnsupportedSignatureVersion {
        /// The received value, shortened and made printable.
        received: String,
    },
    /// Version `0` (unsigned) while a key applies, or while unsigned deliveries are not allowed.
    UnsignedRejected {
        /// True when a key applies to this delivery: a downgrade attempt.
        key_applies: bool,
    },
    /// Version `1` with an absent or empty `Ax-Signature`.
    MissingSignature,
    /// The signature is not exactly 64 hex digits, or version `0` came with a signature.
    MalformedSignature {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// No applicable key produces the signature.
    SignatureMismatch {
        /// A likely cause, when one is recognisable.
        hint: Option<&'static str>,
    },
    /// Per-client keys are configured and none applies to this clientId.
    NoKeyForClient {
        /// The clientId read from the unverified body, if one could be read.
        client_id: Option<u64>,
    },
    /// A signature header appears more than once.
    DuplicateHeader {
        /// The header's canonical name.
        name: &'static str,
    },
    /// The body is longer than `max_body_bytes`.
    BodyTooLarge {
        /// The body's length in bytes.
        len: usize,
        /// The configured limit in bytes.
        limit: usize,
    },
    /// Not UTF-8 JSON, not an object, or a duplicated top-level field.
    MalformedJson {
        /// What is wrong, with a byte offset where it helps.
        detail: String,
    },
    /// A required envelope field is absent.
    MissingField {
        /// The field's name in the envelope.
        field: &'static str,
    },
    /// An envelope field has the wrong type or format.
    InvalidField {
        /// The field's name in the envelope.
        field: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// The clientId is not in `allowed_client_ids`.
    ClientNotAllowed {
        /// The delivery's clientId.
        client_id: u64,
    },
    /// The timestamp is older than `max_age`.
    TimestampTooOld {
        /// How old the delivery is, in milliseconds.
        age_ms: i64,
        /// The configured `max_age`, in milliseconds.
        max_age_ms: i64,
    },
    /// The timestamp is later than now + `max_future_skew`.
    TimestampInFuture {
        /// How far ahead of now the delivery is, in milliseconds.
        ahead_ms: i64,
        /// The configured `max_future_skew`, in milliseconds.
        max_skew_ms: i64,
    },
}

impl Error {
    /// Every code [`Error::code`] can return, in the order of the design's table.
    pub const CODES: &'static [&'static str] = &[
        "missing_signature_version",
        "unsupported_signature_version",
        "unsigned_rejected",
        "missing_signature",
        "malformed_signature",
        "signature_mismatch",
        "no_key_for_client",
        "duplicate_header",
        "body_too_large",
        "malformed_json",
        "missing_field",
        "invalid_field",
        "client_not_allowed",
        "timestamp_too_old",
        "timestamp_in_future",
    ];

    /// The stable machine-readable code, identical in every binding.
    pub fn code(&self) -> &'static str {
        match self {
            Error::MissingSignatureVersion => "missing_signature_version",
            Error::UnsupportedSignatureVersion { .. } => "unsupported_signature_version",
            Error::UnsignedRejected { .. } => "unsigned_rejected",
            Error::MissingSignature => "missing_signature",
            Error::MalformedSignature { .. } => "malformed_signature",
            Error::SignatureMismatch { .. } => "signature_mismatch",
            Error::NoKeyForClient { .. } => "no_key_for_client",
            Error::DuplicateHeader { .. } => "duplicate_header",
            Error::BodyTooLarge { .. } => "body_too_large",
            Error::MalformedJson { .. } => "malformed_json",
            Error::MissingField { .. } => "missing_field",
            Error::InvalidField { .. } => "invalid_field",
            Error::ClientNotAllowed { .. } => "client_not_allowed",
            Error::TimestampTooOld { .. } => "timestamp_too_old",
            Error::TimestampInFuture { .. } => "timestamp_in_future",
        }
    }

    /// The HTTP status a receiver should answer with.
    pub fn http_status(&self) -> u16 {
        match self {
            Error::DuplicateHeader { .. }
            | Error::MalformedJson { .. }
            | Error::MissingField { .. }
            | Error::InvalidField { .. } => 400,
            Error::BodyTooLarge { .. } => 413,
            Error::ClientNotAllowed { .. } => 403,
            _ => 401,
        }
    }

    /// The HTTP status for a code, for bindings that only hold the string.
    pub fn status_for_code(code: &str) -> Option<u16> {
        Some(match code {
            "duplicate_header" | "malformed_json" | "missing_field" | "invalid_field" => 400,
            "body_too_large" => 413,
            "client_not_allowed" => 403,
            c if Self::CODES.contains(&c) => 401,
            _ => return None,
        })
    }

    pub(crate) fn malformed(detail: impl Into<String>) -> Self {
        Error::MalformedJson {
            detail: detail.into(),
        }
    }

    pub(crate) fn invalid(field: &'static str, detail: impl Into<String>) -> Self {
        Error::InvalidField {
            field,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::MissingSignatureVersion => f.write_str(
                "no Ax-Signature-Version header: this does not look like an aXcelerate delivery",
            ),
            Error::UnsupportedSignatureVersion { received } => write!(
                f,
                "Ax-Signature-Version is {received:?}; only \"1\" (signed) and \"0\" (unsigned) exist"
            ),
            Error::UnsignedRejected { key_applies: true } => f.write_str(
                "unsigned delivery (version 0) refused: a key is configured for it, so this is a downgrade",
            ),
            Error::UnsignedRejected { key_applies: false } => f.write_str(
                "unsigned delivery (version 0) refused: unsigned deliveries are not allowed; \
                 set a private key in aXcelerate or allow unsigned deliveries",
            ),
            Error::MissingSignature => {
                f.write_str("Ax-Signature-Version is 1 but the Ax-Signature header is absent or empty")
            }
            Error::MalformedSignature { reason } => write!(f, "malformed Ax-Signature: {reason}"),
            Error::SignatureMismatch { hint } => {
                f.write_str("Ax-Signature does not match the body under any configured key")?;
                match hint {
                    Some(h) => write!(f, "; {h}"),
                    None => Ok(()),
                }
            }
            Error::NoKeyForClient { client_id: Some(id) } => {
                write!(f, "no key is configured for clientId {id}")
            }
            Error::NoKeyForClient { client_id: None } => f.write_str(
                "no key applies: the clientId could not be read and no global key is configured",
            ),
            Error::DuplicateHeader { name } => write!(
                f,
                "the {name} header appears more than once; a delivery carries exactly one"
            ),
            Error::BodyTooLarge { len, limit } => {
                write!(f, "body is {len} bytes, over the limit of {limit} bytes")
            }
            Error::MalformedJson { detail } => write!(f, "body is not a valid envelope: {detail}"),
            Error::MissingField { field } => write!(f, "envelope field {field:?} is missing"),
            Error::InvalidField { field, detail } => {
                write!(f, "envelope field {field:?} is invalid: {detail}")
            }
            Error::ClientNotAllowed { client_id } => {
                write!(f, "clientId {client_id} is not in the allow-list")
            }
            Error::TimestampTooOld { age_ms, max_age_ms } => write!(
                f,
                "timestamp is {} old, older than the maximum age of {} (a replay?)",
                Seconds(*age_ms),
                Seconds(*max_age_ms)
            ),
            Error::TimestampInFuture { ahead_ms, max_skew_ms } => write!(
                f,
                "timestamp is {} in the future, beyond the allowed skew of {} (check the clock)",
                Seconds(*ahead_ms),
                Seconds(*max_skew_ms)
            ),
        }
    }
}

impl std::error::Error for Error {}

/// Milliseconds shown as seconds, with the fraction only when there is one.
struct Seconds(i64);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (s, ms) = (self.0 / 1000, (self.0 % 1000).abs());
        match ms {
            0 => write!(f, "{s} s")?,
            _ => write!(f, "{s}.{ms:03} s")?,
        }
        if s.abs() >= 86_400 {
            // Tenths of a day in integers: no float formatting in the verify path.
            let tenths = (s.abs() * 10 + 43_200) / 86_400;
            write!(f, " ({}.{} days)", tenths / 10, tenths % 10)?;
        }
        Ok(())
    }
}

/// A [`Verifier`](crate::Verifier) that cannot be built as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    message: String,
}

impl ConfigError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The stable code of every configuration error.
    pub fn code(&self) -> &'static str {
        "invalid_config"
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid verifier configuration: {}", self.message)
    }
}

impl std::error::Error for ConfigError {}
