//! `send`, `sign`, `verify`, `diagnose` and `demo` as real processes.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::io::Write;
use std::process::{Output, Stdio};
use std::time::Duration;

use axhook::signer::{DeliveryBuilder, Signer};
use axhook::Verifier;
use common::{axhook, Target};
use serde_json::Value;
use sha2::{Digest, Sha256};

const KEY: &str = "command-test-key";

fn run(args: &[&str]) -> Output {
    axhook().args(args).output().unwrap()
}

fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = axhook()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            stdout(out),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn send_retries_with_backoff_until_accepted() {
    let target = Target::start(|n, _| if n < 2 { 500 } else { 200 });
    let url = format!("http://{}/hook", target.addr);
    let out = run(&[
        "send",
        &url,
        "--key",
        KEY,
        "--event",
        "contact.contact_created",
        "--backoff",
        "1s",
        "--time-scale",
        "0.05",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let summary = json(&out);
    assert_eq!(summary["delivered"], true);
    let attempts = summary["runs"][0]["attempts"].as_array().unwrap();
    let statuses: Vec<u64> = attempts
        .iter()
        .map(|a| a["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [500, 500, 200]);
    assert_eq!(attempts[0]["retryInMs"], 50);
    assert_eq!(attempts[1]["retryInMs"], 100, "the wait doubles");
    let seen = target.seen();
    assert_eq!(seen.len(), 3);
    let gap = |i: usize| seen[i + 1].at - seen[i].at;
    assert!(gap(0) >= Duration::from_millis(50) && gap(1) >= Duration::from_millis(100));
    // Every attempt is the same delivery, signed as aXcelerate signs it.
    let verifier = Verifier::builder().key("k", KEY).build().unwrap();
    for s in &seen {
        assert_eq!(s.body, seen[0].body);
        let d = verifier.verify(&s.headers, &s.body).unwrap();
        assert_eq!(d.message_id(), summary["messageId"].as_str().unwrap());
    }
}

#[test]
fn send_prints_each_attempt_and_gives_up() {
    let target = Target::start(|_, _| 503);
    let url = format!("http://{}/hook", target.addr);
    let out = run(&[
        "send",
        &url,
        "--key",
        KEY,
        "--retries",
        "2",
        "--time-scale",
        "0.001",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("attempt 1/3") && text.contains("attempt 3/3"),
        "{text}"
    );
    assert!(
        text.contains("retrying in 1ms") && text.contains("gave up"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "plain when piped");
    assert_eq!(target.seen().len(), 3);

    // A connection error is retried too.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let out = run(&[
        "send",
        &format!("http://{closed}/"),
        "--key",
        KEY,
        "--retries",
        "1",
        "--time-scale",
        "0.001",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let attempts = json(&out)["runs"][0]["attempts"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(attempts.len(), 2);
    assert!(
        attempts[0]["error"]
            .as_str()
            .unwrap()
            .contains("connection"),
        "{attempts:?}"
    );
}

#[test]
fn send_unsigned_and_repeat() {
    let target = Target::start(|_, _| 200);
    let url = format!("http://{}/hook", target.addr);
    let out = run(&[
        "send",
        &url,
        "--unsigned",
        "--repeat",
        "2",
        "--message-id",
        "m-1",
        "--message",
        r#"{"contact":{"id":7}}"#,
        "--client-id",
        "42",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let seen = target.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].body, seen[1].body);
    let body: Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(
        (body["messageId"].as_str(), body["clientId"].as_u64()),
        (Some("m-1"), Some(42))
    );
    assert_eq!(body["message"]["contact"]["id"], 7);
    let version = seen[0]
        .headers
        .iter()
        .find(|(k, _)| k == "ax-signature-version")
        .unwrap();
    assert_eq!(version.1, "0");
}

#[test]
fn sign_and_verify_round_trip() {
    let body = DeliveryBuilder::new("contact.contact_updated").body().0;
    let text = String::from_utf8(body.clone()).unwrap();
    let out = run(&["sign", "--key", KEY, &text]);
    let signature = stdout(&out).trim().to_string();
    assert_eq!(signature, Signer::new(KEY).sign(&body));
    // The body on standard input gives the same signature.
    assert_eq!(
        stdout(&run_stdin(&["sign", "--key", KEY], &body)).trim(),
        signature
    );

    let out = run(&["verify", "--key", KEY, "--signature", &signature, &text]);
    assert_eq!(out.status.code(), Some(0));
    let verdict = json(&out);
    assert_eq!(
        (verdict["ok"].as_bool(), verdict["keyLabel"].as_str()),
        (Some(true), Some("key1"))
    );
    assert_eq!(verdict["type"], "contact.contact_updated");

    let tampered = text.replacen("contact", "kontact", 1);
    let out = run(&["verify", "--key", KEY, "--signature", &signature, &tampered]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["code"], "signature_mismatch");
    assert_eq!(json(&out)["status"], 401);

    // A whole delivery from sign --event, verified from its JSON with raw headers.
    let out = run(&[
        "sign",
        "--key",
        KEY,
        "--event",
        "student.class_enrolment_created",
        "--json",
    ]);
    let sent = json(&out);
    let h = |name: &str| format!("{name}: {}", sent["headers"][name].as_str().unwrap());
    let body = sent["body"].as_str().unwrap();
    let args = [
        "verify",
        "--key",
        KEY,
        "-H",
        &h("Ax-Signature-Version"),
        "-H",
        &h("Ax-Signature"),
    ];
    let out = run_stdin(&args, body.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // A repeated header, a downgrade, a stale timestamp: each its own code.
    let dup = run_stdin(
        &[&args[..], &["-H", &h("Ax-Signature")]].concat(),
        body.as_bytes(),
    );
    assert_eq!(
        (dup.status.code(), json(&dup)["code"].as_str()),
        (Some(1), Some("duplicate_header"))
    );
    let unsigned = run_stdin(
        &["verify", "--key", KEY, "--signature-version", "0"],
        body.as_bytes(),
    );
    assert_eq!(json(&unsigned)["code"], "unsigned_rejected");
    let later = run_stdin(
        &[&args[..], &["--now", "2999-01-01T00:00:00Z"]].concat(),
        body.as_bytes(),
    );
    assert_eq!(json(&later)["code"], "timestamp_too_old");
    // Usage errors are exit code 2.
    assert_eq!(run(&["verify", "--key", KEY, "{}"]).status.code(), Some(2));
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Runs diagnose on `body` and `signature` with the configured `key` (and `extra` flags); returns
/// the exit code and the explaining check's id.
fn diagnose(key: &str, signature: &str, body: &[u8], extra: &[&str]) -> (Option<i32>, Value) {
    let args = [
        &["diagnose", "--json", "--key", key, "--signature", signature][..],
        extra,
    ]
    .concat();
    let out = run_stdin(&args, body);
    let report = json(&out);
    let explaining = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["explains"] == true)
        .map_or(Value::Null, |c| c["check"].clone());
    (out.status.code(), explaining)
}

#[test]
fn diagnose_names_each_usual_mistake() {
    // A compact body whose pretty-printed form keeps its order (serde_json sorts keys).
    let value: Value =
        serde_json::from_slice(&DeliveryBuilder::new("contact.contact_updated").body().0).unwrap();
    let body = serde_json::to_vec(&value).unwrap();
    let pretty = serde_json::to_string_pretty(&value).unwrap();
    let signature = Signer::new(KEY).sign(&body);
    let pretty_sig = Signer::new(KEY).sign(pretty.as_bytes());

    // Valid: nothing to diagnose.
    assert_eq!(
        diagnose(KEY, &signature, &body, &[]),
        (Some(0), Value::Null)
    );
    // The configured key has a trailing newline the sender's lacks.
    assert_eq!(
        diagnose(&format!("{KEY}\n"), &signature, &body, &[]),
        (Some(1), "key_whitespace".into())
    );
    // The sender's key had a trailing newline.
    let sig_nl = Signer::new(format!("{KEY}\n")).sign(&body);
    assert_eq!(
        diagnose(KEY, &sig_nl, &body, &[]),
        (Some(1), "key_whitespace".into())
    );
    // The receiver verified a pretty-printed re-serialisation of the compact body.
    let reserialised = diagnose(KEY, &signature, pretty.as_bytes(), &[]);
    assert_eq!(reserialised, (Some(1), "body_reserialised".into()));
    // CRLF line endings: the body was signed with LF and arrived with CRLF.
    let crlf = pretty.replace('\n', "\r\n");
    assert_eq!(
        diagnose(KEY, &pretty_sig, crlf.as_bytes(), &[]),
        (Some(1), "line_endings".into())
    );
    // The wrong key of several.
    let staging = Signer::new("staging-key").sign(&body);
    assert_eq!(
        diagnose(
            KEY,
            &staging,
            &body,
            &["--other-key", "old-key", "--other-key", "staging-key"]
        ),
        (Some(1), "wrong_key".into())
    );
    // sha256(key + body) instead of an HMAC.
    let plain = hex(&Sha256::digest([KEY.as_bytes(), &body].concat()));
    assert_eq!(
        diagnose(KEY, &plain, &body, &[]),
        (Some(1), "plain_sha256".into())
    );
    // base64 instead of hex.
    let raw: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&signature[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    assert_eq!(
        diagnose(KEY, &base64(&raw), &body, &[]),
        (Some(1), "signature_encoding".into())
    );
    // Nothing known explains a signature of another body.
    let other = Signer::new(KEY).sign(b"something else");
    assert_eq!(diagnose(KEY, &other, &body, &[]), (Some(3), Value::Null));

    // The human report names the mistake and never prints a key or the expected signature.
    let out = run_stdin(
        &["diagnose", "--key", KEY, "--signature", &signature],
        pretty.as_bytes(),
    );
    let text = stdout(&out);
    assert!(
        text.contains("explained:") && text.contains("re-serialised"),
        "{text}"
    );
    assert!(!text.contains(KEY) && !text.contains(&pretty_sig), "{text}");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn demo_gets_every_answer_right() {
    let out = run(&["demo"]);
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("every answer is right") && text.contains("/_axhook/"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "plain when piped");
    let out = run(&["demo", "--json"]);
    let report = json(&out);
    assert_eq!(report["allRight"], true);
    let codes: Vec<&str> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "processed",
            "duplicate",
            "signature_mismatch",
            "unsigned_rejected",
            "timestamp_too_old",
            "handler_failed",
            "processed"
        ]
    );
}
