//! `axhook serve` as a real process on 127.0.0.1: the outcome statuses with --exec and
//! --forward, /healthz, the activity page's data and access, graceful shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::thread;
use std::time::Duration;

use axhook::signer::{DeliveryBuilder, Outgoing};
use common::{get, post, request, Server, Target};

const KEY: &str = "serve-test-key";

/// The four cases every handler must answer: valid, its retry, tampered, and a delivery whose
/// handler fails once then succeeds on the retry.
fn outcomes(server: &Server) -> (Outgoing, Outgoing) {
    let valid = DeliveryBuilder::new("contact.contact_updated").sign(KEY);
    let a = post(server.addr, &valid.headers, &valid.body);
    assert_eq!(
        (a.status, a.code()),
        (200, "processed".into()),
        "{}",
        a.text()
    );
    assert_eq!(a.json()["messageId"], valid.message_id.as_str());
    let a = post(server.addr, &valid.headers, &valid.body);
    assert_eq!((a.status, a.code()), (200, "duplicate".into()));
    let mut tampered = valid.body.clone();
    tampered[30] ^= 1;
    let a = post(server.addr, &valid.headers, &tampered);
    assert_eq!((a.status, a.code()), (401, "signature_mismatch".into()));
    let enrolment = DeliveryBuilder::new("student.workshop_enrolment_created").sign(KEY);
    let a = post(server.addr, &enrolment.headers, &enrolment.body);
    assert_eq!((a.status, a.code()), (500, "handler_failed".into()));
    assert!(
        !a.text().contains("CRM"),
        "the handler's reason stays in the log: {}",
        a.text()
    );
    let a = post(server.addr, &enrolment.headers, &enrolment.body);
    assert_eq!((a.status, a.code()), (200, "processed".into()));
    (valid, enrolment)
}

#[test]
fn exec_handler_answers_each_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    // Saves each body under its messageId; the first enrolment fails.
    let script = r#"cat > "$OUT/$AXHOOK_MESSAGE_ID.json"
if [ "$AXHOOK_TYPE" = student.workshop_enrolment_created ] && [ ! -e "$OUT/failed-once" ]; then
  touch "$OUT/failed-once"; echo "CRM unavailable" >&2; exit 1
fi"#;
    let store = format!("sqlite:{}/dedupe.sqlite3", out);
    let server = Server::start(
        &[
            "--key-env",
            "current=AX_KEY",
            "--store",
            &store,
            "--exec",
            script,
        ],
        &[("AX_KEY", KEY), ("OUT", &out)],
    );
    let (valid, enrolment) = outcomes(&server);
    let saved = std::fs::read(dir.path().join(format!("{}.json", valid.message_id))).unwrap();
    assert_eq!(saved, valid.body, "the command got the raw body on stdin");
    assert!(dir
        .path()
        .join(format!("{}.json", enrolment.message_id))
        .exists());

    // Structured log lines: the failure's reason is logged, the key never.
    let mut lines = Vec::new();
    while let Ok(line) = server.log.recv_timeout(Duration::from_millis(300)) {
        lines.push(line);
    }
    let failed = lines
        .iter()
        .find(|l| l["code"] == "handler_failed")
        .unwrap();
    assert!(
        failed["reason"]
            .as_str()
            .unwrap()
            .contains("CRM unavailable"),
        "{failed}"
    );
    assert_eq!(failed["type"], "student.workshop_enrolment_created");
    let processed = lines.iter().find(|l| l["code"] == "processed").unwrap();
    assert_eq!(processed["key"], "current");
    assert!(lines.iter().all(|l| !l.to_string().contains(KEY)));

    let health = get(server.addr, "/healthz");
    assert_eq!(
        (health.status, health.json()["status"].as_str()),
        (200, Some("ok"))
    );
    let wrong_method = get(server.addr, "/webhooks/axcelerate");
    assert_eq!(wrong_method.status, 405);
}

#[test]
fn forward_handler_answers_each_outcome() {
    // The internal service: fails the first enrolment it sees.
    let target = Target::start(|_, seen| {
        let enrolment = seen
            .headers
            .iter()
            .any(|(k, v)| k == "x-axhook-type" && v == "student.workshop_enrolment_created");
        static FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        if enrolment && !FAILED.swap(true, std::sync::atomic::Ordering::SeqCst) {
            503
        } else {
            204
        }
    });
    let url = format!("http://{}/internal/axcelerate", target.addr);
    let server = Server::start(&["--key", KEY, "--store", "memory", "--forward", &url], &[]);
    let (valid, _) = outcomes(&server);
    let seen = target.seen();
    assert_eq!(seen.len(), 3, "valid, failed enrolment, its retry");
    assert_eq!(seen[0].body, valid.body, "the raw body is forwarded");
    let header = |name: &str| {
        seen[0]
            .headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        header("x-axhook-message-id").as_deref(),
        Some(valid.message_id.as_str())
    );
    assert_eq!(header("x-axhook-key-label").as_deref(), Some("key1"));
    assert_eq!(header("x-axhook-client-id").as_deref(), Some("12345678"));
}

#[test]
fn graceful_shutdown_finishes_an_in_flight_delivery() {
    let server = Server::start(
        &[
            "--key",
            KEY,
            "--store",
            "memory",
            "--exec",
            "sleep 1.5; cat > /dev/null",
        ],
        &[],
    );
    let sent = DeliveryBuilder::new("contact.contact_created").sign(KEY);
    let addr = server.addr;
    let in_flight = thread::spawn(move || post(addr, &sent.headers, &sent.body));
    // Wait until the request is in flight, then ask the receiver to stop.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while get(addr, "/healthz").json()["inFlight"] != 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "the delivery never got in flight"
        );
        thread::sleep(Duration::from_millis(20));
    }
    let mut server = server;
    server.terminate();
    let stopping = server.wait_for("shutting_down");
    assert_eq!(stopping["in_flight"], 1);
    let answer = in_flight.join().unwrap();
    assert_eq!((answer.status, answer.code()), (200, "processed".into()));
    server.wait_for("stopped");
    assert_eq!(server.wait_exit(), Some(0));
}

#[test]
fn activity_data_and_access() {
    let server = Server::start(
        &[
            "--key",
            KEY,
            "--store",
            "memory",
            "--exec",
            "cat > /dev/null",
            "--activity",
        ],
        &[],
    );
    let valid = DeliveryBuilder::new("contact.contact_created").sign(KEY);
    post(server.addr, &valid.headers, &valid.body);
    let mut tampered = valid.body.clone();
    tampered[40] ^= 1;
    post(server.addr, &valid.headers, &tampered);
    let data = get(server.addr, "/_axhook/deliveries.json");
    assert_eq!(data.status, 200);
    let list = data.json()["deliveries"].as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["code"], "signature_mismatch", "newest first");
    assert_eq!(list[0]["verified"], false);
    assert_eq!(list[1]["code"], "processed");
    assert_eq!(list[1]["type"], "contact.contact_created");
    assert_eq!(list[1]["clientId"], 12345678);
    assert_eq!(list[1]["messageId"], valid.message_id.as_str());
    assert_eq!(
        list[1]["payload"],
        String::from_utf8(valid.body.clone()).unwrap()
    );
    let page = get(server.addr, "/_axhook/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Recent Activity"));
    assert!(
        !page.text().contains("http://") && !page.text().contains("https://"),
        "no external asset"
    );
    assert_eq!(get(server.addr, "/_axhook").status, 308);

    // With a token: nobody without it, anyone with it.
    let server = Server::start(
        &[
            "--key",
            KEY,
            "--store",
            "memory",
            "--exec",
            "true",
            "--activity",
            "--activity-token-env",
            "AX_TOKEN",
        ],
        &[("AX_TOKEN", "s3cret-token")],
    );
    assert_eq!(get(server.addr, "/_axhook/deliveries.json").status, 401);
    assert_eq!(get(server.addr, "/_axhook/?token=wrong").status, 401);
    assert_eq!(get(server.addr, "/_axhook/?token=s3cret-token").status, 200);
    let bearer = [(
        "Authorization".to_string(),
        "Bearer s3cret-token".to_string(),
    )];
    assert_eq!(
        request(server.addr, "GET", "/_axhook/deliveries.json", &bearer, b"").status,
        200
    );
}

#[test]
fn bad_configuration_is_a_usage_error() {
    let out = common::axhook()
        .args(["serve", "--store", "memory", "--exec", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_unreachable_store_answers_503_and_hides_its_password() {
    let mut server = Server::start(
        &[
            "--key",
            KEY,
            "--store",
            "redis://:hunter2@127.0.0.1:1/0",
            "--exec",
            "true",
        ],
        &[],
    );
    let store = server.listening["store"].as_str().unwrap();
    assert_eq!(store, "redis://:[REDACTED]@127.0.0.1:1/0");
    let sent = DeliveryBuilder::new("contact.contact_created").sign(KEY);
    let a = post(server.addr, &sent.headers, &sent.body);
    assert_eq!(
        (a.status, a.code()),
        (503, "store_unavailable".into()),
        "{}",
        a.text()
    );
    assert!(!a.text().contains("hunter2"));
    let logged = server.wait_for("delivery");
    assert_eq!(logged["code"], "store_unavailable");
    server.terminate();
    assert_eq!(server.wait_exit(), Some(0));
    let mut rest = Vec::new();
    while let Ok(line) = server.log.recv_timeout(Duration::from_millis(200)) {
        rest.push(line.to_string());
    }
    assert!(rest.iter().all(|l| !l.contains("hunter2")), "{rest:?}");
}
