//! The Webhook route under tower's `oneshot`: each outcome's status and code.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axhook::signer::{DeliveryBuilder, Outgoing};
use axhook::{Delivery, MemoryStore, Receiver, Verifier};
use axhook_axum::Webhook;
use axum::body::Body;
use axum::http::Request;
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;

const KEY: &str = "axum-test-key";

fn app(webhook: Webhook<MemoryStore>, calls: Arc<AtomicUsize>) -> Router {
    Router::new().route(
        "/hook",
        webhook.post(move |d: Delivery<'static>| {
            let calls = calls.clone();
            async move {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                if d.event_type().matches("student.*") && n == 0 {
                    return Err("first attempt fails");
                }
                Ok(())
            }
        }),
    )
}

async fn post(
    app: &Router,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> (u16, serde_json::Value) {
    let mut req = Request::post("/hook");
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

fn webhook(blocking: bool, max_body: usize) -> Webhook<MemoryStore> {
    let verifier = Verifier::builder()
        .key("current", KEY)
        .max_body_bytes(max_body)
        .build()
        .unwrap();
    let w = Webhook::new(Receiver::new(verifier, MemoryStore::new()));
    if blocking {
        w
    } else {
        w.non_blocking_store()
    }
}

async fn outcomes(blocking: bool) {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = app(webhook(blocking, 1 << 20), calls.clone());
    let sent: Outgoing = DeliveryBuilder::new("student.workshop_enrolment_created").sign(KEY);
    let (s, j) = post(&app, &sent.headers, sent.body.clone()).await;
    assert_eq!((s, j["code"].as_str().unwrap()), (500, "handler_failed"));
    assert_eq!(
        j["message"], "handler failed; retry later",
        "internal reasons stay inside"
    );
    let (s, j) = post(&app, &sent.headers, sent.body.clone()).await;
    assert_eq!((s, j["code"].as_str().unwrap()), (200, "processed"));
    assert_eq!(j["messageId"], sent.message_id.as_str());
    let (s, j) = post(&app, &sent.headers, sent.body.clone()).await;
    assert_eq!((s, j["code"].as_str().unwrap()), (200, "duplicate"));
    let mut tampered = sent.body.clone();
    tampered[20] ^= 1;
    let (s, j) = post(&app, &sent.headers, tampered).await;
    assert_eq!(
        (s, j["code"].as_str().unwrap()),
        (401, "signature_mismatch")
    );
    let unsigned = DeliveryBuilder::new("contact.contact_created").unsigned();
    let (s, j) = post(&app, &unsigned.headers, unsigned.body).await;
    assert_eq!((s, j["code"].as_str().unwrap()), (401, "unsigned_rejected"));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_with_a_blocking_store() {
    outcomes(true).await;
}

#[tokio::test]
async fn outcomes_with_an_inline_store() {
    outcomes(false).await;
}

#[tokio::test]
async fn oversized_bodies_get_the_core_answer() {
    let app = app(webhook(false, 64), Arc::new(AtomicUsize::new(0)));
    let sent = DeliveryBuilder::new("contact.contact_created").sign(KEY);
    let (s, j) = post(&app, &sent.headers, sent.body.clone()).await;
    assert_eq!((s, j["code"].as_str().unwrap()), (413, "body_too_large"));
    // Headers are judged before the size, as the core orders its checks.
    let (s, j) = post(&app, &[], sent.body).await;
    assert_eq!(
        (s, j["code"].as_str().unwrap()),
        (401, "missing_signature_version")
    );
}

#[tokio::test]
async fn repeated_signature_headers_are_refused() {
    let app = app(webhook(false, 1 << 20), Arc::new(AtomicUsize::new(0)));
    let sent = DeliveryBuilder::new("contact.contact_created").sign(KEY);
    let mut headers = sent.headers.clone();
    headers.push(sent.headers[1].clone());
    let (s, j) = post(&app, &headers, sent.body).await;
    assert_eq!((s, j["code"].as_str().unwrap()), (400, "duplicate_header"));
}

#[tokio::test]
async fn a_panicking_handler_releases_the_claim() {
    let w = webhook(false, 1 << 20);
    let sent = DeliveryBuilder::new("contact.contact_created").sign(KEY);
    let request = || {
        let mut req = Request::post("/hook");
        for (k, v) in &sent.headers {
            req = req.header(k, v);
        }
        req.body(Body::from(sent.body.clone()))
            .unwrap()
            .into_parts()
    };
    let (parts, body) = request();
    let r = w
        .receive(parts.headers, body, |_| async {
            panic!("boom") as Result<(), String>
        })
        .await;
    assert_eq!(r.code(), "handler_failed");
    let (parts, body) = request();
    let r = w
        .receive(parts.headers, body, |_| async { Ok::<(), String>(()) })
        .await;
    assert_eq!(r.code(), "processed");
}
