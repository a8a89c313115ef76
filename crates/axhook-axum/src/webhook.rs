//! [`Webhook`]: the core's [`Receiver`] run for axum, with the handler between its two halves.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use axhook::chrono::{DateTime, Utc};
use axhook::{Begun, DedupeStore, Delivery, Error, Outcome, Pending, Receiver, Verdict};
use axum::body::Body;
use axum::http::HeaderMap;
use axum::routing::MethodRouter;
use bytes::Bytes;
use futures_util::FutureExt;

use crate::body::read_body_prefix;
use crate::received::Received;

/// The clock a [`Webhook`] judges timestamps and leases by.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Runs a [`Receiver`] for axum: reads the raw body, verifies and claims it, runs an async
/// handler for each new delivery, settles the claim and answers the outcome's status.
///
/// Store calls run on tokio's blocking pool (`spawn_blocking`), since the SQLite and Redis
/// stores block; [`non_blocking_store`](Self::non_blocking_store) runs them inline for a
/// [`MemoryStore`](axhook::MemoryStore). The handler and the settling of its claim run in a task
/// of their own, so a sender that hangs up mid-request never leaves a claim unsettled, and a
/// handler that panics is a `handler_failed` whose claim is released.
///
/// Cheap to clone (an `Arc`).
pub struct Webhook<S> {
    receiver: Arc<Receiver<S>>,
    inline_store: bool,
    clock: Clock,
}

impl<S> Clone for Webhook<S> {
    fn clone(&self) -> Self {
        Self {
            receiver: self.receiver.clone(),
            inline_store: self.inline_store,
            clock: self.clock.clone(),
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for Webhook<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("receiver", &self.receiver)
            .field("inline_store", &self.inline_store)
            .finish_non_exhaustive()
    }
}

/// A verified delivery, newly claimed: hand it to the handler, then
/// [`Webhook::finish`] it.
#[derive(Debug)]
pub struct Claimed {
    pending: Pending<'static>,
    body: Bytes,
}

impl Claimed {
    /// The verified delivery.
    pub fn delivery(&self) -> &Delivery<'static> {
        &self.pending.delivery
    }
}

impl<S: DedupeStore + 'static> Webhook<S> {
    /// Runs `receiver` with the wall clock, its store called on the blocking pool.
    pub fn new(receiver: Receiver<S>) -> Self {
        Self::from_arc(Arc::new(receiver))
    }

    /// [`new`](Self::new) for a receiver already shared.
    pub fn from_arc(receiver: Arc<Receiver<S>>) -> Self {
        Self {
            receiver,
            inline_store: false,
            clock: Arc::new(Utc::now),
        }
    }

    /// Calls the store inline on the async runtime: only for stores that never block, such as
    /// [`MemoryStore`](axhook::MemoryStore).
    pub fn non_blocking_store(mut self) -> Self {
        self.inline_store = true;
        self
    }

    /// Replaces the wall clock (tests, replays).
    pub fn clock(mut self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The receiver.
    pub fn receiver(&self) -> &Arc<Receiver<S>> {
        &self.receiver
    }

    /// The first half: reads the body, verifies and claims it. `Ok` means: run the handler,
    /// then [`finish`](Self::finish); `Err` is the final answer (refused, duplicate, …).
    pub async fn begin(&self, headers: HeaderMap, body: Body) -> Result<Claimed, Received> {
        let limit = self.receiver.verifier().max_body_bytes().saturating_add(1);
        let body = match read_body_prefix(body, limit).await {
            Ok(body) => body,
            Err(e) => {
                return Err(Received {
                    verdict: Verdict::Rejected(Error::MalformedJson {
                        detail: format!("the request body could not be read: {e}"),
                    }),
                    delivery: None,
                    body: Bytes::new(),
                })
            }
        };
        let now = (self.clock)();
        let bytes = body.clone();
        let begun = self
            .store_call(
                move |receiver| match receiver.begin(&headers, &bytes, now) {
                    Begun::Pending(Pending { delivery, ticket }) => Begun::Pending(Pending {
                        delivery: delivery.into_owned(),
                        ticket,
                    }),
                    Begun::Done(Outcome { verdict, delivery }) => Begun::Done(Outcome {
                        verdict,
                        delivery: delivery.map(Delivery::into_owned),
                    }),
                },
            )
            .await;
        match begun {
            Ok(Begun::Pending(pending)) => Ok(Claimed { pending, body }),
            Ok(Begun::Done(Outcome { verdict, delivery })) => Err(Received {
                verdict,
                delivery,
                body,
            }),
            Err(why) => Err(Received {
                verdict: Verdict::StoreUnavailable(why),
                delivery: None,
                body,
            }),
        }
    }

    /// The second half: completes the claim after success, releases it after failure.
    pub async fn finish(&self, claimed: Claimed, handled: Result<(), String>) -> Received {
        let Claimed { pending, body } = claimed;
        let now = (self.clock)();
        let delivery = pending.delivery.clone();
        let settled = self
            .store_call(move |receiver| receiver.finish(pending, handled, now).verdict)
            .await;
        Received {
            verdict: settled.unwrap_or_else(Verdict::StoreUnavailable),
            delivery: Some(delivery),
            body,
        }
    }

    /// Both halves with `handler` between them, for one request.
    pub async fn receive<F, Fut, E>(&self, headers: HeaderMap, body: Body, handler: F) -> Received
    where
        F: FnOnce(Delivery<'static>) -> Fut,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: fmt::Display,
    {
        let claimed = match self.begin(headers, body).await {
            Ok(claimed) => claimed,
            Err(done) => return done,
        };
        let handling = handler(claimed.delivery().clone());
        let this = self.clone();
        // A task of its own: the claim is settled even if the request is dropped meanwhile.
        let task = tokio::spawn(async move {
            let handled = match AssertUnwindSafe(handling).catch_unwind().await {
                Ok(result) => result.map_err(|e| e.to_string()),
                Err(_) => Err("the handler panicked".to_string()),
            };
            this.finish(claimed, handled).await
        });
        match task.await {
            Ok(received) => received,
            Err(e) => Received {
                verdict: Verdict::HandlerFailed(format!("the handler task failed: {e}")),
                delivery: None,
                body: Bytes::new(),
            },
        }
    }

    /// An axum `POST` route that receives each request with `handler`.
    ///
    /// The handler gets the verified delivery; `Ok` marks it processed, `Err` answers 500
    /// `handler_failed` and releases it for the sender's retry.
    pub fn post<St, F, Fut, E>(self, handler: F) -> MethodRouter<St>
    where
        St: Clone + Send + Sync + 'static,
        F: Fn(Delivery<'static>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: fmt::Display + Send + 'static,
    {
        axum::routing::post(move |headers: HeaderMap, body: Body| async move {
            self.receive(headers, body, handler).await
        })
    }

    async fn store_call<T, C>(&self, call: C) -> Result<T, String>
    where
        T: Send + 'static,
        C: FnOnce(&Receiver<S>) -> T + Send + 'static,
    {
        if self.inline_store {
            return Ok(call(&self.receiver));
        }
        let receiver = self.receiver.clone();
        tokio::task::spawn_blocking(move || call(&receiver))
            .await
            .map_err(|e| format!("the store call failed: {e}"))
    }
}
