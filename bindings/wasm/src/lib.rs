//! The wasm-bindgen layer of axhook, for the npm package `axhook-wasm`.
//!
//! It converts JS values into the core's types and back, and nothing more: verification,
//! dedupe claims and every status come from `axhook`. The package's JS (`js/api.js`) turns
//! these raw exports into the public API (`Verifier`, `Receiver`, `createFetchHandler`, …).
//!
//! The clock is always passed in from JS (`Date.now()`): `chrono::Utc::now()` has no clock on
//! `wasm32-unknown-unknown`, so only the `_at` entry points of the core are used.

use std::cell::RefCell;

use axhook::chrono::{DateTime, TimeDelta, Utc};
use axhook::{
    Claim, DedupeStore, Delivery, MemoryStore, StoreError, Ticket, Verdict, VerifierConfig,
};
use wasm_bindgen::prelude::*;

/// A refusal: the core's stable code, its HTTP status (0 when it has none, as for a store's
/// `lease_lost`) and its message. The JS layer turns it into a `VerificationError`.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Failure {
    code: &'static str,
    status: u16,
    message: String,
}

#[wasm_bindgen]
impl Failure {
    /// The stable code.
    #[wasm_bindgen(getter)]
    pub fn code(&self) -> String {
        self.code.to_string()
    }

    /// The HTTP status to answer; 0 when the code has none.
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The human message (never a key, never the expected signature).
    #[wasm_bindgen(getter)]
    pub fn message(&self) -> String {
        self.message.clone()
    }
}

impl From<axhook::Error> for Failure {
    fn from(e: axhook::Error) -> Self {
        Self {
            code: e.code(),
            status: e.http_status(),
            message: e.to_string(),
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Self {
            code: e.code(),
            status: 0,
            message: e.to_string(),
        }
    }
}

impl From<axhook::ConfigError> for Failure {
    fn from(e: axhook::ConfigError) -> Self {
        Self {
            code: e.code(),
            status: 0,
            message: e.to_string(),
        }
    }
}

/// An instant from JS milliseconds since the epoch; years 1 to 9999 (RFC 3339's range), so
/// that the core's date arithmetic can never overflow.
fn instant(now_ms: f64) -> Result<DateTime<Utc>, Failure> {
    const MIN_MS: f64 = -62_135_596_800_000.0; // 0001-01-01T00:00:00Z
    const MAX_MS: f64 = 253_402_300_799_999.0; // 9999-12-31T23:59:59.999Z
    if !(MIN_MS..=MAX_MS).contains(&now_ms) {
        return Err(invalid_argument(
            "now must be an instant between the years 1 and 9999",
        ));
    }
    DateTime::from_timestamp_millis(now_ms.floor() as i64)
        .ok_or_else(|| invalid_argument("now is out of range"))
}

fn invalid_argument(message: impl Into<String>) -> Failure {
    Failure {
        code: "invalid_argument",
        status: 0,
        message: message.into(),
    }
}

/// Splits off the first `units` UTF-16 code units of `text` (JS string lengths count those).
fn split_utf16(text: &str, units: usize) -> Option<(&str, &str)> {
    if text.is_ascii() {
        return (units <= text.len()).then(|| text.split_at(units));
    }
    let mut seen = 0;
    for (i, c) in text.char_indices() {
        if seen == units {
            return Some(text.split_at(i));
        }
        seen += c.len_utf16();
    }
    (seen == units).then_some((text, ""))
}

/// Headers as JS hands them over in one string: each name and value prefixed by its length in
/// UTF-16 units and a colon (`20:Ax-Signature-Version1:1`), one pair per occurrence, so that
/// any content survives and a repeated header reaches the core as two entries.
fn unpack_headers(mut packed: &str) -> Result<Vec<(&str, &str)>, Failure> {
    let malformed = || invalid_argument("malformed packed headers");
    let mut items = Vec::new();
    while !packed.is_empty() {
        let (len, rest) = packed.split_once(':').ok_or_else(malformed)?;
        let len: usize = len.parse().map_err(|_| malformed())?;
        let (item, rest) = split_utf16(rest, len).ok_or_else(malformed)?;
        items.push(item);
        packed = rest;
    }
    if items.len() % 2 != 0 {
        return Err(malformed());
    }
    Ok(items.chunks_exact(2).map(|p| (p[0], p[1])).collect())
}

/// The length of `text` in UTF-16 code units.
fn utf16_len(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.encode_utf16().count()
    }
}

/// A verified delivery for JS in one string, so that it crosses the boundary once:
/// `clientId,timestampMillis,signed,typeLen,eventStart,messageIdLen,keyLabelLen,dedupeKeyLen;`
/// then the type, messageId, key label, dedupe key and the message's JSON text. Lengths and
/// offsets are in UTF-16 units; `keyLabelLen` is -1 when unsigned.
fn pack_delivery(d: &Delivery<'_>) -> String {
    use std::fmt::Write;
    let event_type = d.event_type().as_str();
    let label = d.key_label();
    let key = d.dedupe_key();
    let json = d.message_json();
    let mut out = String::with_capacity(96 + event_type.len() + 2 * key.len() + json.len());
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "{},{},{},{},{},{},{},{};",
        d.client_id(),
        d.timestamp().timestamp_millis(),
        u8::from(d.signed()),
        utf16_len(event_type),
        utf16_len(d.namespace()) + 1,
        utf16_len(d.message_id()),
        label.map_or(-1, |l| utf16_len(l) as i64),
        utf16_len(&key),
    );
    for part in [event_type, d.message_id(), label.unwrap_or(""), &key, json] {
        out.push_str(part);
    }
    out
}

/// A whole, non-negative JS number as an integer.
fn whole(name: &str, value: f64) -> Result<u64, Failure> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= 9_007_199_254_740_991.0
    {
        Ok(value as u64)
    } else {
        Err(config_error(format!(
            "{name} must hold whole numbers from 0 to 2^53-1"
        )))
    }
}

fn config_error(message: impl Into<String>) -> Failure {
    Failure {
        code: "invalid_config",
        status: 0,
        message: format!("invalid verifier configuration: {}", message.into()),
    }
}

/// A `Verifier` from the fields of a `VerifierConfig`, which JS hands over as plain values
/// (no JSON parser in the .wasm: it is the largest thing a config would add).
#[wasm_bindgen]
pub struct WasmVerifier(axhook::Verifier);

#[wasm_bindgen]
impl WasmVerifier {
    /// `keys` is `[label, key, …]`; `client_keys` is `[clientId, label, key, …]` or
    /// `undefined`; the rest are `VerifierConfig`'s fields, `undefined` for the defaults.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        keys: Vec<String>,
        client_keys: Option<Vec<String>>,
        allowed_client_ids: Option<Vec<f64>>,
        allow_unsigned: bool,
        max_age_seconds: Option<f64>,
        max_future_skew_seconds: Option<f64>,
        max_body_bytes: Option<f64>,
    ) -> Result<WasmVerifier, Failure> {
        let mut config = VerifierConfig {
            allow_unsigned,
            max_age_seconds,
            max_future_skew_seconds,
            ..VerifierConfig::default()
        };
        for pair in keys.chunks_exact(2) {
            config.keys.insert(pair[0].clone(), pair[1].as_str().into());
        }
        if let Some(list) = client_keys {
            let map = config.client_keys.get_or_insert_with(Default::default);
            for triple in list.chunks_exact(3) {
                map.entry(triple[0].clone())
                    .or_default()
                    .insert(triple[1].clone(), triple[2].as_str().into());
            }
        }
        if let Some(ids) = allowed_client_ids {
            config.allowed_client_ids = Some(
                ids.into_iter()
                    .map(|id| whole("allowedClientIds", id))
                    .collect::<Result<_, _>>()?,
            );
        }
        if let Some(n) = max_body_bytes {
            config.max_body_bytes = Some(whole("maxBodyBytes", n)?);
        }
        Ok(Self(config.build()?))
    }

    /// The configured body limit, so that JS never copies more than one byte past it.
    #[wasm_bindgen(getter, js_name = maxBodyBytes)]
    pub fn max_body_bytes(&self) -> f64 {
        self.0.max_body_bytes() as f64
    }

    /// Verifies raw body bytes as of `now_ms`; the delivery comes back packed (see
    /// `pack_delivery`).
    #[wasm_bindgen(js_name = verifyBytes)]
    pub fn verify_bytes(&self, headers: &str, body: &[u8], now_ms: f64) -> Result<String, Failure> {
        let headers = unpack_headers(headers)?;
        let delivery = self.0.verify_at(&headers, body, instant(now_ms)?)?;
        Ok(pack_delivery(&delivery))
    }

    /// Verifies a body given as text (its UTF-8 bytes are what was signed) as of `now_ms`.
    #[wasm_bindgen(js_name = verifyText)]
    pub fn verify_text(&self, headers: &str, body: &str, now_ms: f64) -> Result<String, Failure> {
        self.verify_bytes(headers, body.as_bytes(), now_ms)
    }
}

/// A store's answer to a claim.
#[wasm_bindgen]
pub struct WasmClaim {
    code: &'static str,
    token: Option<String>,
}

#[wasm_bindgen]
impl WasmClaim {
    /// `new`, `duplicate` or `in_progress`.
    #[wasm_bindgen(getter)]
    pub fn code(&self) -> String {
        self.code.to_string()
    }

    /// The claim's token when it is `new`.
    #[wasm_bindgen(getter)]
    pub fn token(&self) -> Option<String> {
        self.token.clone()
    }
}

/// The core's bounded in-memory dedupe store.
#[wasm_bindgen]
pub struct WasmMemoryStore(MemoryStore);

#[wasm_bindgen]
impl WasmMemoryStore {
    /// A store with the given lease and retention in seconds and a bound on the ids it holds;
    /// `undefined` takes the core's default.
    #[wasm_bindgen(constructor)]
    pub fn new(
        lease_seconds: Option<f64>,
        retention_seconds: Option<f64>,
        capacity: Option<f64>,
    ) -> Result<WasmMemoryStore, Failure> {
        let seconds = |name: &str, value: Option<f64>, default: TimeDelta| match value {
            None => Ok(default),
            Some(s) => axhook::seconds(name, s).map_err(Failure::from),
        };
        let lease = seconds("leaseSeconds", lease_seconds, axhook::DEFAULT_LEASE)?;
        let retention = seconds(
            "retentionSeconds",
            retention_seconds,
            axhook::DEFAULT_RETENTION,
        )?;
        let capacity = match capacity {
            None => axhook::DEFAULT_MEMORY_CAPACITY,
            Some(n) if n.is_finite() && n >= 1.0 && n.fract() == 0.0 => {
                n.min(u32::MAX.into()) as usize
            }
            Some(_) => {
                return Err(invalid_argument(
                    "capacity must be a whole number of at least 1",
                ))
            }
        };
        Ok(Self(MemoryStore::with_limits(lease, retention, capacity)))
    }

    /// Claims `key` at `now_ms`.
    pub fn claim(&self, key: &str, now_ms: f64) -> Result<WasmClaim, Failure> {
        let claim = self.0.claim(key, instant(now_ms)?)?;
        Ok(WasmClaim {
            code: claim.code(),
            token: match claim {
                Claim::New(ticket) => Some(ticket.token().to_string()),
                _ => None,
            },
        })
    }

    /// Completes the claim of `key` with `token` at `now_ms`.
    pub fn complete(&self, key: &str, token: &str, now_ms: f64) -> Result<(), Failure> {
        let now = instant(now_ms)?;
        Ok(self.0.complete(&Ticket::new(key, token), now)?)
    }

    /// Releases the claim of `key` with `token`.
    pub fn release(&self, key: &str, token: &str) -> Result<(), Failure> {
        Ok(self.0.release(&Ticket::new(key, token))?)
    }

    /// How many ids the store holds.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> f64 {
        self.0.len() as f64
    }
}

/// The outcome of receiving a delivery: status, code and message.
#[wasm_bindgen]
pub struct WasmOutcome {
    code: &'static str,
    status: u16,
    message: String,
}

#[wasm_bindgen]
impl WasmOutcome {
    /// The stable code (`processed`, `duplicate`, …).
    #[wasm_bindgen(getter)]
    pub fn code(&self) -> String {
        self.code.to_string()
    }

    /// The HTTP status to answer.
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The human message.
    #[wasm_bindgen(getter)]
    pub fn message(&self) -> String {
        self.message.clone()
    }
}

impl From<Verdict> for WasmOutcome {
    fn from(v: Verdict) -> Self {
        Self {
            code: v.code(),
            status: v.http_status(),
            message: v.to_string(),
        }
    }
}

/// The verdict a JS store's answer to a claim implies (`Verdict::after_claim`): `undefined`
/// means run the handler. `claim` is the store's `status`; `failure` the message of a store
/// that threw (then `claim` is ignored).
#[wasm_bindgen(js_name = verdictAfterClaim)]
pub fn verdict_after_claim(claim: &str, failure: Option<String>) -> Option<WasmOutcome> {
    let answer = match (failure, claim) {
        (Some(why), _) => Err(StoreError::Unavailable(why)),
        // The ticket stays on the JS side, where the store that issued it lives.
        (None, "new") => Ok(Claim::New(Ticket::new("", ""))),
        (None, "duplicate") => Ok(Claim::Duplicate),
        (None, "in_progress") => Ok(Claim::InProgress),
        (None, other) => Err(StoreError::Unavailable(format!(
            "the store's claim answered {:?}, not new, duplicate or in_progress",
            other.chars().take(40).collect::<String>()
        ))),
    };
    Verdict::after_claim(answer).err().map(WasmOutcome::from)
}

/// The verdict once the handler ran and the claim was settled (`Verdict::after_settle`).
/// `handler_error` is the handler's failure, if any; `settle_code` the code of the error the
/// store's `complete`/`release` threw (`lease_lost`, anything else is unavailability) and
/// `settle_message` its message.
#[wasm_bindgen(js_name = verdictAfterSettle)]
pub fn verdict_after_settle(
    handler_error: Option<String>,
    settle_code: Option<String>,
    settle_message: Option<String>,
) -> WasmOutcome {
    let handled = handler_error.map_or(Ok(()), Err);
    let settled = match settle_code.as_deref() {
        None => Ok(()),
        Some("lease_lost") => Err(StoreError::LeaseLost),
        Some(_) => Err(StoreError::Unavailable(settle_message.unwrap_or_default())),
    };
    Verdict::after_settle(handled, settled).into()
}

/// The two header names the core reads (`Ax-Signature-Version`, `Ax-Signature`): JS hands
/// over only the headers whose names could match them.
#[wasm_bindgen(js_name = headerNames)]
pub fn header_names() -> Vec<String> {
    [axhook::VERSION_HEADER, axhook::SIGNATURE_HEADER]
        .map(String::from)
        .to_vec()
}

/// Whether `event_type` matches `pattern` (`*`, `namespace.*` or an exact type).
#[wasm_bindgen(js_name = patternMatches)]
pub fn pattern_matches(pattern: &str, event_type: &str) -> bool {
    axhook::pattern_matches(pattern, event_type)
}

/// The event types aXcelerate is known to send.
#[wasm_bindgen(js_name = knownEvents)]
pub fn known_events() -> Vec<String> {
    axhook::KNOWN_EVENTS.iter().map(|t| t.to_string()).collect()
}

/// The signature aXcelerate would send for `body` under `key` (for tests).
#[wasm_bindgen]
pub fn sign(key: &str, body: &[u8]) -> String {
    axhook::signer::Signer::new(key).sign(body)
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs a panic hook that keeps the panic's message, so that the JS layer can report a
/// trap as a `VerificationError` (`internal_error`) that says what happened.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        LAST_PANIC.with(|last| *last.borrow_mut() = Some(message));
    }));
}

/// The message of the last panic, once.
#[wasm_bindgen(js_name = takePanic)]
pub fn take_panic() -> Option<String> {
    LAST_PANIC.with(|last| last.borrow_mut().take())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axhook::{Headers, Lookup};

    #[test]
    fn whole_numbers_only() {
        assert!(whole("n", 0.0).is_ok_and(|n| n == 0));
        for bad in [-1.0, 1.5, f64::NAN, f64::INFINITY, 9_007_199_254_740_992.0] {
            assert!(whole("n", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn packed_headers_keep_every_occurrence() {
        let h = unpack_headers("12:ax-signature1:a12:AX-SIGNATURE0:1:x3:é:1").unwrap_or_default();
        assert_eq!(h.lookup("Ax-Signature"), Lookup::Many);
        assert_eq!(h.lookup("X"), Lookup::One("é:1".as_bytes()));
        assert_eq!(h.lookup("z"), Lookup::Absent);
        assert_eq!(split_utf16("😀a", 2), Some(("😀", "a")));
        assert_eq!(split_utf16("😀a", 1), None);
        for bad in ["1", "x:a", "5:ab", "1:a", "99999999999999999999999:a"] {
            assert!(unpack_headers(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn instants_stay_in_range() {
        assert!(instant(0.0).is_ok());
        assert!(instant(f64::NAN).is_err());
        assert!(instant(8.64e15).is_err());
        assert!(instant(253_402_300_799_999.0).is_ok());
    }

    #[test]
    fn store_answers_map_to_verdicts() {
        assert!(verdict_after_claim("new", None).is_none());
        let v = verdict_after_claim("duplicate", None).map(|o| (o.code, o.status));
        assert_eq!(v, Some(("duplicate", 200)));
        let v = verdict_after_claim("maybe", None).map(|o| (o.code, o.status));
        assert_eq!(v, Some(("store_unavailable", 503)));
        let v = verdict_after_claim("new", Some("down".into())).map(|o| o.status);
        assert_eq!(v, Some(503));
        let o = verdict_after_settle(None, Some("lease_lost".into()), None);
        assert_eq!((o.code, o.status), ("lease_lost", 200));
        let o = verdict_after_settle(Some("boom".into()), None, None);
        assert_eq!((o.code, o.status), ("handler_failed", 500));
    }
}
