//! RedisStore against a real redis-server: the dedupe fixtures, TTLs, and an outage.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failure should panic

mod support;

use std::cell::Cell;
use std::time::{Duration, Instant};

use axhook::chrono::{TimeDelta, Utc};
use axhook::signer::DeliveryBuilder;
use axhook::{Claim, DedupeStore, Receiver, Verifier};
use axhook_redis::RedisStore;
use support::RedisServer;

#[test]
fn every_dedupe_sequence() {
    let server = RedisServer::start();
    let fixture = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/dedupe.json"
    ))
    .unwrap();
    let steps = axhook::testing::run_dedupe_fixture(&fixture, |name, lease, retention| {
        RedisStore::builder(server.url())
            .prefix(format!("fixture:{name}:"))
            .lease(lease)
            .retention(retention)
            .build()
            .unwrap()
    });
    assert!(steps.clone().is_ok_and(|n| n >= 30), "{steps:?}");
}

#[test]
fn keys_carry_the_prefix_and_ttls_of_lease_and_retention() {
    let server = RedisServer::start();
    let store = RedisStore::builder(server.url())
        .prefix("p:")
        .lease(TimeDelta::seconds(30))
        .retention(TimeDelta::seconds(600))
        .build()
        .unwrap();
    let mut redis = redis::Client::open(server.url())
        .unwrap()
        .get_connection()
        .unwrap();
    let ttl = |redis: &mut redis::Connection| -> i64 {
        redis::cmd("PTTL").arg("p:1:m").query(redis).unwrap()
    };
    let Claim::New(ticket) = store.claim("1:m", Utc::now()).unwrap() else {
        panic!()
    };
    assert!((29_000..=30_000).contains(&ttl(&mut redis)), "lease ttl");
    store.complete(&ticket, Utc::now()).unwrap();
    assert!(
        (599_000..=600_000).contains(&ttl(&mut redis)),
        "retention ttl"
    );
}

#[test]
fn an_outage_is_store_unavailable_and_nothing_is_lost() {
    let mut server = RedisServer::start();
    let store = RedisStore::builder(server.url())
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let receiver = Receiver::new(Verifier::builder().key("k", "k").build().unwrap(), store);
    let effects = Cell::new(0);
    let handler = |_: &axhook::Delivery<'_>| -> Result<(), String> {
        effects.set(effects.get() + 1);
        Ok(())
    };
    let first = DeliveryBuilder::new("contact.contact_created").sign("k");
    assert_eq!(
        receiver
            .receive(&first.headers, &first.body, handler)
            .code(),
        "processed"
    );

    server.stop();
    let during = DeliveryBuilder::new("contact.contact_updated").sign("k");
    let started = Instant::now();
    let outcome = receiver.receive(&during.headers, &during.body, handler);
    assert_eq!(
        (outcome.http_status(), outcome.code()),
        (503, "store_unavailable")
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "an outage must not hang"
    );
    assert_eq!(effects.get(), 1, "the handler must not run without a claim");

    server.restart();
    // aXcelerate retries the refused delivery: now it is processed, exactly once.
    assert_eq!(
        receiver
            .receive(&during.headers, &during.body, handler)
            .code(),
        "processed"
    );
    assert_eq!(
        receiver
            .receive(&during.headers, &during.body, handler)
            .code(),
        "duplicate"
    );
    assert_eq!(effects.get(), 2);
}

#[test]
fn an_unreachable_redis_never_marks_a_delivery_done() {
    let mut server = RedisServer::start();
    let store = RedisStore::builder(server.url())
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let receiver = Receiver::new(Verifier::builder().key("k", "k").build().unwrap(), store);
    let sent = DeliveryBuilder::new("contact.contact_created").sign("k");
    // Redis goes away while the handler runs: the complete fails and the answer is 503.
    let outcome = receiver.receive(&sent.headers, &sent.body, |_| -> Result<(), String> {
        server.stop();
        Ok(())
    });
    assert_eq!(outcome.code(), "store_unavailable");
    server.restart();
    // The sender retries and the delivery is processed again: at least once, never lost.
    assert_eq!(
        receiver
            .receive(&sent.headers, &sent.body, |_| Ok::<(), String>(()))
            .code(),
        "processed"
    );
}

#[test]
fn a_bad_url_is_refused_at_build_and_secrets_stay_out_of_debug() {
    assert_eq!(
        RedisStore::open("not a url").unwrap_err().code(),
        "store_unavailable"
    );
    let store = RedisStore::open("redis://:hunter2@127.0.0.1:1/").unwrap();
    assert!(!format!("{store:?}").contains("hunter2"));
    let err = store.claim("1:m", Utc::now()).unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
}
