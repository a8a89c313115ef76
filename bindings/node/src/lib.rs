//! The native half of the `axhook` npm package: a thin napi-rs layer over the `axhook` core.
//!
//! Everything here converts types: header values, byte buffers and millisecond clocks in;
//! deliveries, codes, statuses and messages out. Verification, status mapping and dedupe
//! decisions are the core's. The JS half (`lib/`) turns these plain values into the package's
//! classes (`Delivery`, `VerificationError`, …) and adds the framework helpers.
//!
//! Verification results cross the boundary through [`wire`]; rarer results (claims,
//! configuration errors, verdicts) as small arrays (JS tuples). Calls that wait on a store's
//! I/O (SQLite, Redis) run on the libuv thread pool and answer with promises ([`stores`]).

pub mod stores;
mod wire;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axhook::chrono::{DateTime, Utc};
use axhook::signer::{self, DeliveryBuilder};
use axhook::{
    Begun, Claim, DedupeStore, Outcome, Pending, Receiver, StoreError, Ticket, Verdict, Verifier,
    VerifierConfig,
};
use napi::bindgen_prelude::{AsyncTask, Buffer, BufferSlice, Either};
use napi::{Error, Result, Status};
use napi_derive::napi;
use stores::{blocking, Blocking, NativeStore};
use wire::Wire;

/// A verdict as a JS tuple: `[code, status, message]`.
type VerdictTuple = (&'static str, u32, String);

fn verdict_tuple(v: &Verdict) -> VerdictTuple {
    (v.code(), u32::from(v.http_status()), v.to_string())
}

/// A refusal to build: `[code, message]` (the code is always `invalid_config`).
type ConfigErrorTuple = (&'static str, String);

fn config_error(e: &axhook::ConfigError) -> ConfigErrorTuple {
    (e.code(), e.to_string())
}

/// The clock of a call: epoch milliseconds from JS, or the system clock when absent.
fn clock(now_ms: Option<f64>) -> Result<DateTime<Utc>> {
    match now_ms {
        None => Ok(Utc::now()),
        Some(ms) if ms.is_finite() => DateTime::from_timestamp_micros((ms * 1000.0).round() as i64)
            .ok_or_else(|| Error::new(Status::InvalidArg, format!("now is out of range: {ms}"))),
        Some(ms) => Err(Error::new(
            Status::InvalidArg,
            format!("now must be a finite number of milliseconds, not {ms}"),
        )),
    }
}

/// The signature headers as the core reads them, when each appears at most once (the common
/// case): the JS half passes both values as one string, `text`, and writes their lengths in
/// UTF-16 units (`-1`: absent) as input numbers 0 and 1.
fn single_headers<'a>(text: &'a str, results: &[u8]) -> Result<Vec<(&'static str, &'a str)>> {
    let length = |slot| {
        let n = wire::input(results, slot);
        (n >= 0.0).then_some(n as usize)
    };
    let (version_len, signature_len) = (length(0), length(1));
    let (version, signature) = wire::split_utf16(text, version_len.unwrap_or(0))
        .filter(|(_, rest)| signature_len.is_none_or(|n| n == wire::utf16_units(rest)))
        .ok_or_else(|| Error::new(Status::InvalidArg, "header lengths do not match the text"))?;
    let mut headers = Vec::with_capacity(2);
    if version_len.is_some() {
        headers.push((axhook::VERSION_HEADER, version));
    }
    if signature_len.is_some() {
        headers.push((axhook::SIGNATURE_HEADER, signature));
    }
    Ok(headers)
}

/// The clock the JS half wrote as input number 2: epoch milliseconds, or `NaN` for the system
/// clock.
fn input_clock(results: &[u8]) -> Result<DateTime<Utc>> {
    let ms = wire::input(results, 2);
    clock((!ms.is_nan()).then_some(ms))
}

/// Every occurrence, from flat `[name, value, name, value, …]` pairs, when a header repeats:
/// the core then sees the repeat.
fn repeated_headers(flat: &[String]) -> Vec<(&str, &str)> {
    flat.chunks_exact(2)
        .map(|p| (p[0].as_str(), p[1].as_str()))
        .collect()
}

/// The dedupe key of a delivery: `clientId:messageId` (for stores written in JS).
#[napi(catch_unwind)]
pub fn dedupe_key(client_id: f64, message_id: String) -> String {
    axhook::dedupe_key(client_id as u64, &message_id)
}

/// The names of the two headers the core reads; the JS half passes only these.
#[napi(catch_unwind)]
pub fn signature_header_names() -> Vec<&'static str> {
    vec![axhook::VERSION_HEADER, axhook::SIGNATURE_HEADER]
}

/// The event types aXcelerate is known to send.
#[napi(catch_unwind)]
pub fn known_events() -> Vec<&'static str> {
    axhook::KNOWN_EVENTS.to_vec()
}

/// Every verification code with its HTTP status, then every outcome code (status `null`: it
/// depends on the outcome only through the receiver).
#[napi(catch_unwind)]
pub fn codes() -> Vec<(&'static str, Option<u32>)> {
    let verification = axhook::Error::CODES
        .iter()
        .map(|c| (*c, axhook::Error::status_for_code(c).map(u32::from)));
    let outcomes = Verdict::CODES.iter().map(|c| (*c, None));
    verification.chain(outcomes).collect()
}

/// The verdict a framework helper answers when it finds the body already parsed.
#[napi(catch_unwind)]
pub fn body_already_parsed() -> VerdictTuple {
    verdict_tuple(&Verdict::BodyAlreadyParsed)
}

/// Whether `event_type` matches `pattern` (`*`, `namespace.*` or an exact type).
#[napi(catch_unwind)]
pub fn pattern_matches(pattern: String, event_type: String) -> bool {
    axhook::pattern_matches(&pattern, &event_type)
}

/// Numbers a result may hold: the JS half allocates a `Float64Array` of this length and hands
/// its bytes to every verifier and receiver it creates.
#[napi(catch_unwind)]
pub fn result_slots() -> u32 {
    wire::SLOTS as u32
}

/// Builds a verifier from the JSON text of its `VerifierConfig`, or says why it cannot.
/// `results` is the bytes of the JS half's result `Float64Array`.
#[napi(catch_unwind)]
pub fn create_verifier(
    config_json: String,
    results: Buffer,
) -> Result<Either<NativeVerifier, ConfigErrorTuple>> {
    wire::check(&results)?;
    let built = VerifierConfig::from_json(&config_json)
        .and_then(|config| config.build())
        .map_err(|e| config_error(&e));
    Ok(match built {
        Ok(inner) => Either::A(NativeVerifier {
            inner,
            results: RefCell::new(results),
        }),
        Err(e) => Either::B(e),
    })
}

/// A verifier, built once by [`create_verifier`].
#[napi]
pub struct NativeVerifier {
    inner: Verifier,
    results: RefCell<Buffer>,
}

impl NativeVerifier {
    fn verify_with(&self, text: Option<&str>, repeated: &[String], body: &[u8]) -> Result<String> {
        let mut results = self.results.borrow_mut();
        let now = input_clock(&results)?;
        let headers = match text {
            Some(text) => single_headers(text, &results)?,
            None => repeated_headers(repeated),
        };
        let mut w = Wire::new(&mut results);
        match self.inner.verify_at(&headers, body, now) {
            Ok(d) => {
                w.num(1.0);
                w.delivery(&d);
            }
            Err(e) => {
                w.num(0.0);
                w.verdict(e.code(), e.http_status(), &e.to_string());
            }
        }
        Ok(w.finish())
    }
}

#[napi]
impl NativeVerifier {
    /// Verifies a delivery whose signature headers each appear at most once (their values in
    /// `headers`, see `single_headers`; the clock as input number 2). The first result number
    /// is 1 for a delivery, then its fields; 0 for a refusal, then its verdict.
    #[napi(catch_unwind)]
    pub fn verify(&self, headers: String, body: BufferSlice) -> Result<String> {
        self.verify_with(Some(&headers), &[], &body)
    }

    /// [`verify`](Self::verify) for a delivery with a repeated signature header: every
    /// occurrence as flat `[name, value, …]` pairs.
    #[napi(catch_unwind)]
    pub fn verify_repeated(&self, headers: Vec<String>, body: BufferSlice) -> Result<String> {
        self.verify_with(None, &headers, &body)
    }

    /// The largest body accepted, in bytes: helpers read at most one byte more.
    #[napi(getter, catch_unwind)]
    pub fn max_body_bytes(&self) -> f64 {
        self.inner.max_body_bytes() as f64
    }

    /// The core's redacted description (key labels, never keys).
    #[napi(catch_unwind)]
    pub fn describe(&self) -> String {
        format!("{:?}", self.inner)
    }
}

/// Tickets of claimed deliveries waiting, by number, for their `finish` (the JS half keeps the
/// delivery itself). Shared with the thread pool, where an async `begin` claims.
#[derive(Default)]
struct Tickets {
    held: HashMap<u32, Ticket>,
    next: u32,
}

impl Tickets {
    fn lock(tickets: &Mutex<Self>) -> MutexGuard<'_, Self> {
        tickets.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn hold(&mut self, ticket: Ticket) -> u32 {
        let id = self.next;
        self.next = id.wrapping_add(1);
        self.held.insert(id, ticket);
        id
    }

    fn take(&mut self, id: u32) -> Result<Ticket> {
        self.held
            .remove(&id)
            .ok_or_else(|| Error::new(Status::InvalidArg, "this delivery was already settled"))
    }
}

/// Writes what `begin` decided (see [`NativeReceiver::begin`] for the layout), holding the
/// ticket of a claimed delivery.
fn write_begun(w: &mut Wire<'_>, begun: Begun<'_>, tickets: &Mutex<Tickets>) {
    match begun {
        Begun::Pending(Pending { delivery, ticket }) => {
            w.num(1.0);
            w.num(f64::from(Tickets::lock(tickets).hold(ticket)));
            w.delivery(&delivery);
        }
        Begun::Done(Outcome {
            verdict,
            delivery: Some(delivery),
        }) => {
            w.num(2.0);
            w.delivery(&delivery);
            w.verdict(verdict.code(), verdict.http_status(), &verdict.to_string());
        }
        Begun::Done(Outcome { verdict, .. }) => {
            w.num(3.0);
            w.verdict(verdict.code(), verdict.http_status(), &verdict.to_string());
        }
    }
}

/// The answer of an async `begin`: `[text, numbers]`, the result the sync `begin` leaves in the
/// shared result array, here in a buffer of its own that JS copies there once it resumes.
type BegunTuple = (String, Buffer);

/// The core's `Receiver` over any [`NativeStore`], split in two halves so that an async JS
/// handler runs between them. Over a store that blocks (SQLite, Redis), JS calls the `*Async`
/// halves, which verify, claim and settle on the libuv thread pool.
#[napi]
pub struct NativeReceiver {
    inner: Arc<Receiver<Arc<dyn DedupeStore>>>,
    results: RefCell<Buffer>,
    tickets: Arc<Mutex<Tickets>>,
}

impl NativeReceiver {
    fn begin_with(&self, text: Option<&str>, repeated: &[String], body: &[u8]) -> Result<String> {
        let mut results = self.results.borrow_mut();
        let now = input_clock(&results)?;
        let headers = match text {
            Some(text) => single_headers(text, &results)?,
            None => repeated_headers(repeated),
        };
        let begun = self.inner.begin(&headers, body, now);
        let mut w = Wire::new(&mut results);
        write_begun(&mut w, begun, &self.tickets);
        Ok(w.finish())
    }

    /// Reads the inputs now (the JS half reuses its buffers at once), then begins on the pool.
    fn begin_async_with(
        &self,
        text: Option<&str>,
        repeated: &[String],
        body: &[u8],
    ) -> Result<AsyncTask<Blocking<BegunTuple>>> {
        let results = self.results.borrow();
        let now = input_clock(&results)?;
        let headers: Vec<(String, String)> = match text {
            Some(text) => single_headers(text, &results)?,
            None => repeated_headers(repeated),
        }
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
        let (receiver, tickets, body) = (
            Arc::clone(&self.inner),
            Arc::clone(&self.tickets),
            body.to_vec(),
        );
        Ok(blocking(move || {
            let mut nums = vec![0; wire::SLOTS * 8];
            let mut w = Wire::new(&mut nums);
            write_begun(&mut w, receiver.begin(&headers, &body, now), &tickets);
            (w.finish(), nums.into())
        }))
    }
}

#[napi]
impl NativeReceiver {
    /// A receiver sharing the verifier's configuration and the store; `results` as for
    /// [`create_verifier`].
    #[napi(constructor, catch_unwind)]
    pub fn new(verifier: &NativeVerifier, store: &NativeStore, results: Buffer) -> Result<Self> {
        wire::check(&results)?;
        Ok(Self {
            inner: Arc::new(Receiver::new(
                verifier.inner.clone(),
                Arc::clone(&store.inner),
            )),
            results: RefCell::new(results),
            tickets: Arc::default(),
        })
    }

    /// Verifies and claims a delivery whose signature headers each appear at most once (inputs
    /// as for `NativeVerifier::verify`). The first result number is 1 for a claimed delivery
    /// (then the number to `finish` it with, then the delivery), 2 for a final verdict on a
    /// verified delivery (the delivery, then the verdict), 3 for a refusal (the verdict).
    #[napi(catch_unwind)]
    pub fn begin(&self, headers: String, body: BufferSlice) -> Result<String> {
        self.begin_with(Some(&headers), &[], &body)
    }

    /// [`begin`](Self::begin) for a delivery with a repeated signature header.
    #[napi(catch_unwind)]
    pub fn begin_repeated(&self, headers: Vec<String>, body: BufferSlice) -> Result<String> {
        self.begin_with(None, &headers, &body)
    }

    /// [`begin`](Self::begin) on the thread pool: resolves to `[text, numbers]`.
    #[napi(ts_return_type = "Promise<[string, Buffer]>", catch_unwind)]
    pub fn begin_async(
        &self,
        headers: String,
        body: BufferSlice,
    ) -> Result<AsyncTask<Blocking<BegunTuple>>> {
        self.begin_async_with(Some(&headers), &[], &body)
    }

    /// [`begin_repeated`](Self::begin_repeated) on the thread pool.
    #[napi(ts_return_type = "Promise<[string, Buffer]>", catch_unwind)]
    pub fn begin_repeated_async(
        &self,
        headers: Vec<String>,
        body: BufferSlice,
    ) -> Result<AsyncTask<Blocking<BegunTuple>>> {
        self.begin_async_with(None, &headers, &body)
    }

    /// Settles claimed delivery `id`: `failure` is the handler's error message, `null` on
    /// success. Returns the verdict tuple.
    #[napi(catch_unwind)]
    pub fn finish(
        &self,
        id: u32,
        failure: Option<String>,
        now_ms: Option<f64>,
    ) -> Result<VerdictTuple> {
        let now = clock(now_ms)?;
        let ticket = Tickets::lock(&self.tickets).take(id)?;
        let handled = failure.map_or(Ok(()), Err);
        Ok(verdict_tuple(&self.inner.settle(&ticket, handled, now)))
    }

    /// [`finish`](Self::finish) on the thread pool.
    #[napi(ts_return_type = "Promise<VerdictTuple>", catch_unwind)]
    pub fn finish_async(
        &self,
        id: u32,
        failure: Option<String>,
        now_ms: Option<f64>,
    ) -> Result<AsyncTask<Blocking<VerdictTuple>>> {
        let now = clock(now_ms)?;
        let ticket = Tickets::lock(&self.tickets).take(id)?;
        let receiver = Arc::clone(&self.inner);
        let handled = failure.map_or(Ok(()), Err);
        Ok(blocking(move || {
            verdict_tuple(&receiver.settle(&ticket, handled, now))
        }))
    }

    /// Deliveries claimed and not yet settled.
    #[napi(getter, catch_unwind)]
    pub fn pending_count(&self) -> u32 {
        u32::try_from(Tickets::lock(&self.tickets).held.len()).unwrap_or(u32::MAX)
    }
}

/// For stores written in JS: the verdict their answer to a claim implies (`null`: run the
/// handler). `claim` is `new`, `duplicate` or `in_progress`; `failure` is the message of a
/// store that threw.
#[napi(catch_unwind)]
pub fn verdict_after_claim(claim: Option<String>, failure: Option<String>) -> Option<VerdictTuple> {
    let answer = match (claim.as_deref(), failure) {
        (_, Some(why)) => Err(StoreError::Unavailable(why)),
        (Some("new"), None) => Ok(Claim::New(Ticket::new("", ""))),
        (Some("duplicate"), None) => Ok(Claim::Duplicate),
        (Some("in_progress"), None) => Ok(Claim::InProgress),
        (other, None) => Err(StoreError::Unavailable(format!(
            "the store answered a claim with {other:?}, not \"new\", \"duplicate\" or \"in_progress\""
        ))),
    };
    Verdict::after_claim(answer)
        .err()
        .as_ref()
        .map(verdict_tuple)
}

/// For stores written in JS: the verdict once the handler ran (`failure`: its error message)
/// and the claim was settled (`settle_code`: `lease_lost` or any other code of a store error).
#[napi(catch_unwind)]
pub fn verdict_after_settle(
    failure: Option<String>,
    settle_code: Option<String>,
    settle_message: Option<String>,
) -> VerdictTuple {
    let settled = match settle_code.as_deref() {
        None => Ok(()),
        Some("lease_lost") => Err(StoreError::LeaseLost),
        Some(_) => Err(StoreError::Unavailable(settle_message.unwrap_or_default())),
    };
    verdict_tuple(&Verdict::after_settle(failure.map_or(Ok(()), Err), settled))
}

/// A delivery to send: `[body, headers, messageId]`.
type SentTuple = (Buffer, Vec<(String, String)>, String);

/// Builds a delivery the way aXcelerate sends it (`axhook/testing`): `[body, headers, messageId]`.
/// Signed with `key`, or unsigned (version `0`) when `key` is absent.
#[napi(catch_unwind)]
pub fn signed_delivery(
    event_type: String,
    message_json: Option<String>,
    client_id: Option<f64>,
    message_id: Option<String>,
    timestamp_ms: Option<f64>,
    key: Option<String>,
) -> Result<SentTuple> {
    let mut builder = DeliveryBuilder::new(event_type);
    if let Some(json) = message_json {
        builder = builder.message_json(json);
    }
    if let Some(id) = client_id {
        if !(id.is_finite() && id.fract() == 0.0 && id >= 0.0) {
            return Err(Error::new(
                Status::InvalidArg,
                format!("clientId must be a non-negative integer, not {id}"),
            ));
        }
        builder = builder.client_id(id as u64);
    }
    if let Some(id) = message_id {
        builder = builder.message_id(id);
    }
    if timestamp_ms.is_some() {
        builder = builder.timestamp(clock(timestamp_ms)?);
    }
    let sent = match key {
        Some(key) => builder.sign(key),
        None => builder.unsigned(),
    };
    Ok((sent.body.into(), sent.headers, sent.message_id))
}

/// The signature aXcelerate sends for `body` under `key`: 64 lowercase hex digits.
#[napi(catch_unwind)]
pub fn sign(body: BufferSlice, key: String) -> String {
    signer::Signer::new(key).sign(&body)
}

/// A realistic message for an event type, as JSON text.
#[napi(catch_unwind)]
pub fn sample_message(event_type: String, seed: Option<f64>) -> String {
    let seed = seed
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(12_345_678.0) as u64;
    signer::sample_message(&event_type, seed).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settle_verdicts_come_from_the_core() {
        assert_eq!(verdict_after_settle(None, None, None).0, "processed");
        assert_eq!(
            verdict_after_settle(None, Some("lease_lost".into()), None).0,
            "lease_lost"
        );
        assert_eq!(
            verdict_after_settle(Some("boom".into()), Some("x".into()), None).1,
            500
        );
        assert_eq!(verdict_after_claim(Some("new".into()), None), None);
        assert_eq!(
            verdict_after_claim(Some("nope".into()), None).map(|v| v.1),
            Some(503)
        );
    }
}
