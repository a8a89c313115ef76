//! The [`Receiver`]: verifier + dedupe store + handler, and the HTTP answer for each outcome.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::dedupe::{Claim, DedupeStore, StoreError, Ticket};
use crate::envelope::Delivery;
use crate::error::Error;
use crate::headers::Headers;
use crate::verifier::Verifier;

/// What happened to one delivery; each verdict has a stable code and an HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Verified, claimed, handled and completed: 200 `processed`.
    Processed,
    /// Already processed within the retention window: 200 `duplicate`.
    Duplicate,
    /// Another worker holds the delivery's lease: 409 `in_progress` (the sender retries).
    InProgress,
    /// The handler failed; the claim was released for the retry: 500 `handler_failed`.
    HandlerFailed(String),
    /// The store could not answer; nothing was lost, the sender retries: 503 `store_unavailable`.
    StoreUnavailable(String),
    /// The handler succeeded but the lease had been taken over meanwhile: 200 `lease_lost`.
    LeaseLost,
    /// Verification refused the delivery: the error's own code and status.
    Rejected(Error),
    /// A framework helper found the body already turned into an object by a JSON parser, so
    /// the raw bytes the signature covers are gone: 500 `body_already_parsed`.
    BodyAlreadyParsed,
}

impl Verdict {
    /// Every outcome code beside the verification codes of [`Error`].
    pub const CODES: &'static [&'static str] = &[
        "processed",
        "duplicate",
        "in_progress",
        "handler_failed",
        "store_unavailable",
        "lease_lost",
        "body_already_parsed",
    ];

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Verdict::Processed => "processed",
            Verdict::Duplicate => "duplicate",
            Verdict::InProgress => "in_progress",
            Verdict::HandlerFailed(_) => "handler_failed",
            Verdict::StoreUnavailable(_) => "store_unavailable",
            Verdict::LeaseLost => "lease_lost",
            Verdict::Rejected(e) => e.code(),
            Verdict::BodyAlreadyParsed => "body_already_parsed",
        }
    }

    /// The HTTP status to answer.
    pub fn http_status(&self) -> u16 {
        match self {
            Verdict::Processed | Verdict::Duplicate | Verdict::LeaseLost => 200,
            Verdict::InProgress => 409,
            Verdict::HandlerFailed(_) | Verdict::BodyAlreadyParsed => 500,
            Verdict::StoreUnavailable(_) => 503,
            Verdict::Rejected(e) => e.http_status(),
        }
    }
}

impl Verdict {
    /// The verdict a store's answer to a claim implies: `Ok(ticket)` means run the handler.
    /// Bindings whose stores live in the host language (async, remote) use this and
    /// [`after_settle`](Self::after_settle) so that the decisions stay here.
    pub fn after_claim(claim: Result<Claim, StoreError>) -> Result<Ticket, Verdict> {
        match claim {
            Ok(Claim::New(ticket)) => Ok(ticket),
            Ok(Claim::Duplicate) => Err(Verdict::Duplicate),
            Ok(Claim::InProgress) => Err(Verdict::InProgress),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// The verdict once the handler ran (`handled`) and the claim was settled: completed after
    /// success, released after failure (`settled` is the store's answer to that call).
    pub fn after_settle(handled: Result<(), String>, settled: Result<(), StoreError>) -> Verdict {
        match (handled, settled) {
            (Ok(()), Ok(())) => Verdict::Processed,
            (Ok(()), Err(StoreError::LeaseLost)) => Verdict::LeaseLost,
            (Ok(()), Err(e)) => unavailable(e),
            // A failed release leaves the lease to expire; the retry after it is processed.
            (Err(why), _) => Verdict::HandlerFailed(why),
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Processed => f.write_str("processed"),
            Verdict::Duplicate => f.write_str("duplicate: already processed"),
            Verdict::InProgress => f.write_str("in progress in another worker"),
            Verdict::HandlerFailed(why) => write!(f, "handler failed: {why}"),
            Verdict::StoreUnavailable(why) => write!(f, "dedupe store unavailable: {why}"),
            Verdict::LeaseLost => f.write_str(
                "processed, but the lease had been taken over by another worker meanwhile",
            ),
            Verdict::Rejected(e) => e.fmt(f),
            Verdict::BodyAlreadyParsed => f.write_str(
                "the request body was already parsed as JSON before axhook saw it, so the raw \
                 bytes the signature covers are gone; mount the webhook route before any JSON \
                 body parser, or give it the raw body",
            ),
        }
    }
}

/// The result of receiving one delivery: the verdict and the delivery when it verified.
#[derive(Debug, Clone)]
pub struct Outcome<'b> {
    /// What happened.
    pub verdict: Verdict,
    /// The verified delivery; `None` when verification refused it.
    pub delivery: Option<Delivery<'b>>,
}

impl<'b> Outcome<'b> {
    fn new(verdict: Verdict, delivery: Option<Delivery<'b>>) -> Self {
        Self { verdict, delivery }
    }

    /// The stable code (`processed`, `duplicate`, …, or a verification code).
    pub fn code(&self) -> &'static str {
        self.verdict.code()
    }

    /// The HTTP status to answer the sender with.
    pub fn http_status(&self) -> u16 {
        self.verdict.http_status()
    }
}

/// A verified, newly claimed delivery waiting for its handler: settle it with
/// [`Receiver::finish`]. Bindings with asynchronous handlers use this pair of calls.
#[derive(Debug)]
pub struct Pending<'b> {
    /// The verified delivery.
    pub delivery: Delivery<'b>,
    /// The claim to complete or release.
    pub ticket: Ticket,
}

/// The first half of receiving: either a delivery to hand to the handler, or the final outcome.
#[derive(Debug)]
pub enum Begun<'b> {
    /// Verified and newly claimed: run the handler, then [`Receiver::finish`].
    Pending(Pending<'b>),
    /// Refused, duplicate, in progress or store unavailable: answer it as it is.
    Done(Outcome<'b>),
}

/// A [`Verifier`] and a [`DedupeStore`]: each delivery is verified, claimed, handled once and
/// settled, and the outcome says what to answer.
///
/// ```
/// use axhook::{signer::DeliveryBuilder, MemoryStore, Receiver, Verifier};
///
/// let receiver = Receiver::new(Verifier::builder().key("current", "k1").build()?, MemoryStore::new());
/// let sent = DeliveryBuilder::new("contact.contact_created").sign("k1");
/// let handle = |d: &axhook::Delivery| -> Result<(), String> { Ok(()) };
/// assert_eq!(receiver.receive(&sent.headers, &sent.body, handle).code(), "processed");
/// assert_eq!(receiver.receive(&sent.headers, &sent.body, handle).code(), "duplicate");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Receiver<S> {
    verifier: Verifier,
    store: S,
}

impl<S: DedupeStore> Receiver<S> {
    /// Combines a verifier and a store.
    pub fn new(verifier: Verifier, store: S) -> Self {
        Self { verifier, store }
    }

    /// The verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Verifies and claims a delivery. [`Begun::Pending`] means: run the handler, then call
    /// [`finish`](Self::finish).
    pub fn begin<'b, H: Headers + ?Sized>(
        &self,
        headers: &H,
        body: &'b [u8],
        now: DateTime<Utc>,
    ) -> Begun<'b> {
        let delivery = match self.verifier.verify_at(headers, body, now) {
            Ok(delivery) => delivery,
            Err(e) => return Begun::Done(Outcome::new(Verdict::Rejected(e), None)),
        };
        match Verdict::after_claim(self.store.claim(&delivery.dedupe_key(), now)) {
            Ok(ticket) => Begun::Pending(Pending { delivery, ticket }),
            Err(verdict) => Begun::Done(Outcome::new(verdict, Some(delivery))),
        }
    }

    /// Settles a pending delivery with its handler's result: complete on success, release on
    /// failure (so the sender's retry is processed).
    pub fn finish<'b>(
        &self,
        pending: Pending<'b>,
        handled: Result<(), String>,
        now: DateTime<Utc>,
    ) -> Outcome<'b> {
        let verdict = self.settle(&pending.ticket, handled, now);
        Outcome::new(verdict, Some(pending.delivery))
    }

    /// Settles a claim by its ticket alone: complete on success, release on failure. For
    /// bindings that keep the delivery in a form of their own while the handler runs.
    pub fn settle(
        &self,
        ticket: &Ticket,
        handled: Result<(), String>,
        now: DateTime<Utc>,
    ) -> Verdict {
        let settled = match &handled {
            Ok(()) => self.store.complete(ticket, now),
            Err(_) => self.store.release(ticket),
        };
        Verdict::after_settle(handled, settled)
    }

    /// Verifies, claims, runs `handler` once for a new delivery and settles it, as of now.
    pub fn receive<'b, H, F, E>(&self, headers: &H, body: &'b [u8], handler: F) -> Outcome<'b>
    where
        H: Headers + ?Sized,
        F: FnOnce(&Delivery<'b>) -> Result<(), E>,
        E: fmt::Display,
    {
        self.receive_at(headers, body, Utc::now(), handler)
    }

    /// [`receive`](Self::receive) with an injected clock.
    pub fn receive_at<'b, H, F, E>(
        &self,
        headers: &H,
        body: &'b [u8],
        now: DateTime<Utc>,
        handler: F,
    ) -> Outcome<'b>
    where
        H: Headers + ?Sized,
        F: FnOnce(&Delivery<'b>) -> Result<(), E>,
        E: fmt::Display,
    {
        match self.begin(headers, body, now) {
            Begun::Pending(pending) => {
                let handled = handler(&pending.delivery).map_err(|e| e.to_string());
                self.finish(pending, handled, now)
            }
            Begun::Done(outcome) => outcome,
        }
    }
}

fn unavailable(e: StoreError) -> Verdict {
    Verdict::StoreUnavailable(e.to_string())
}
