//! The axum receiver of `make conformance` (tests/conformance.py): axhook-axum's `Webhook` as
//! the `POST /webhooks/axcelerate` route on 127.0.0.1:$PORT, verifying with `$AXHOOK_KEY`
//! (label `current`) and deduplicating in a `MemoryStore`; `GET /effects` reports what the
//! handler did and `GET /health` answers once it listens.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

// readme: Rust · axum
use axhook::{Delivery, MemoryStore, Receiver, Verifier};
use axhook_axum::Webhook;
// readme: end
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use axum::Router;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = std::env::var("AXHOOK_KEY")?;
    let port: u16 = std::env::var("PORT")?.parse()?;

    // readme: Rust · axum
    let verifier = Verifier::builder().key("current", key).build()?;
    let webhook = Webhook::new(Receiver::new(verifier, MemoryStore::new())).non_blocking_store();
    let app = Router::new().route(
        "/webhooks/axcelerate",
        // Ok → 200 processed; Err → 500 handler_failed, and aXcelerate's retry runs it again.
        webhook.post(|delivery: Delivery<'static>| async move { record(&delivery) }),
    );
    // readme: end

    let app = app
        .route(
            "/effects",
            get(|| async { ([(CONTENT_TYPE, "application/json")], effects_json()) }),
        )
        .route("/health", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

/// The handler's side effects, counted per `clientId:messageId`.
struct Effects {
    processed: BTreeMap<String, u64>,
    failed: BTreeMap<String, u64>,
}

static EFFECTS: Mutex<Effects> = Mutex::new(Effects {
    processed: BTreeMap::new(),
    failed: BTreeMap::new(),
});

/// Processes a delivery, except that a message `{"failOnce": true}` fails its first time.
fn record(delivery: &Delivery<'_>) -> Result<(), String> {
    let key = format!("{}:{}", delivery.client_id(), delivery.message_id());
    let mut effects = EFFECTS.lock().unwrap_or_else(PoisonError::into_inner);
    if delivery.message()["failOnce"] == true && !effects.failed.contains_key(&key) {
        effects.failed.insert(key, 1);
        return Err("failOnce: the first attempt fails".into());
    }
    *effects.processed.entry(key).or_default() += 1;
    Ok(())
}

fn effects_json() -> String {
    let effects = EFFECTS.lock().unwrap_or_else(PoisonError::into_inner);
    serde_json::json!({ "processed": effects.processed, "failed": effects.failed }).to_string()
}
