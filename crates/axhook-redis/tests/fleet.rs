//! A fleet of worker processes sharing one Redis: exactly-once under concurrent duplicates,
//! and after a worker is killed inside its handler.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failure should panic

mod support;

use std::fs::OpenOptions;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use axhook::chrono::{TimeDelta, Utc};
use axhook::signer::DeliveryBuilder;
use axhook::{Receiver, Verifier};
use axhook_redis::RedisStore;
use support::RedisServer;

const KEY: &str = "fleet-key";

fn receiver(url: &str, lease: TimeDelta) -> Receiver<RedisStore> {
    let store = RedisStore::builder(url)
        .prefix("fleet:")
        .lease(lease)
        .build()
        .unwrap();
    Receiver::new(
        Verifier::builder().key("current", KEY).build().unwrap(),
        store,
    )
}

fn append(path: &str, line: &str) {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    writeln!(f, "{line}").unwrap();
}

fn child(test: &str, envs: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([test, "--exact", "--nocapture", "--test-threads=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd
}

/// Child mode: receive every delivery of a jobs file, retrying `in_progress` like aXcelerate.
#[test]
fn fleet_worker() {
    let (Ok(url), Ok(jobs), Ok(effects)) = (
        std::env::var("FLEET_URL"),
        std::env::var("FLEET_JOBS"),
        std::env::var("FLEET_EFFECTS"),
    ) else {
        return; // only meaningful when spawned by the fleet test
    };
    let receiver = receiver(&url, TimeDelta::minutes(5));
    let mut processed = 0;
    for line in std::fs::read_to_string(jobs).unwrap().lines() {
        let job: serde_json::Value = serde_json::from_str(line).unwrap();
        let headers: Vec<(String, String)> =
            serde_json::from_value(job["headers"].clone()).unwrap();
        let body = job["body"].as_str().unwrap().as_bytes();
        loop {
            let outcome = receiver.receive(
                &headers,
                body,
                |d: &axhook::Delivery<'_>| -> Result<(), String> {
                    std::thread::sleep(Duration::from_millis(2)); // widen the race window
                    append(&effects, d.message_id());
                    Ok(())
                },
            );
            match outcome.code() {
                "processed" => processed += 1,
                "duplicate" => {}
                "in_progress" => {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
                other => panic!("unexpected outcome {other}"),
            }
            break;
        }
    }
    println!("PROCESSED {processed}");
}

#[test]
fn four_workers_three_sends_each_side_effect_once() {
    let server = RedisServer::start();
    let dir = std::env::temp_dir().join(format!("axhook-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let effects = dir.join("effects.log");
    let _ = std::fs::remove_file(&effects);
    const DELIVERIES: usize = 200;
    const WORKERS: usize = 4;
    let sent: Vec<_> = (0..DELIVERIES)
        .map(|i| {
            DeliveryBuilder::new("contact.contact_updated")
                .message_id(format!("fleet-{i}"))
                .sign(KEY)
        })
        .collect();
    // Each delivery goes to three of the four workers, all in the same order, so that the
    // three copies arrive at about the same time.
    let mut jobs = vec![String::new(); WORKERS];
    for (i, d) in sent.iter().enumerate() {
        for w in (0..WORKERS).filter(|w| *w != i % WORKERS) {
            let job = serde_json::json!({"headers": d.headers, "body": String::from_utf8(d.body.clone()).unwrap()});
            jobs[w].push_str(&format!("{job}\n"));
        }
    }
    let children: Vec<_> = jobs
        .iter()
        .enumerate()
        .map(|(w, lines)| {
            let path = dir.join(format!("jobs-{w}.jsonl"));
            std::fs::write(&path, lines).unwrap();
            child(
                "fleet_worker",
                &[
                    ("FLEET_URL", server.url()),
                    ("FLEET_JOBS", path.display().to_string()),
                    ("FLEET_EFFECTS", effects.display().to_string()),
                ],
            )
            .spawn()
            .unwrap()
        })
        .collect();
    let mut processed = 0;
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        processed += text
            .lines()
            .find_map(|l| l.split_once("PROCESSED "))
            .map(|(_, n)| n.trim().parse::<usize>().unwrap())
            .unwrap();
    }
    let log = std::fs::read_to_string(&effects).unwrap();
    let mut ids: Vec<&str> = log.lines().collect();
    ids.sort_unstable();
    let total = ids.len();
    ids.dedup();
    assert_eq!(
        (total, ids.len(), processed),
        (DELIVERIES, DELIVERIES, DELIVERIES),
        "each delivery's side effect exactly once"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Child mode: start handling one delivery, say so, and hang until killed.
#[test]
fn crash_worker() {
    let (Ok(url), Ok(body), Ok(marker)) = (
        std::env::var("CRASH_URL"),
        std::env::var("CRASH_BODY"),
        std::env::var("CRASH_MARKER"),
    ) else {
        return; // only meaningful when spawned by the crash test
    };
    let headers = axhook::signer::signed_headers(body.as_bytes(), KEY);
    let receiver = receiver(&url, TimeDelta::seconds(1));
    receiver.receive(&headers, body.as_bytes(), |_| -> Result<(), String> {
        append(&marker, "in handler");
        std::thread::sleep(Duration::from_secs(60));
        Ok(())
    });
    panic!("should have been killed");
}

#[test]
fn a_worker_killed_in_its_handler_is_taken_over_after_the_lease() {
    let server = RedisServer::start();
    let marker = std::env::temp_dir().join(format!("axhook-crash-{}", std::process::id()));
    let _ = std::fs::remove_file(&marker);
    let sent = DeliveryBuilder::new("student.workshop_enrolment_created").sign(KEY);
    let body = String::from_utf8(sent.body.clone()).unwrap();
    let mut worker = child(
        "crash_worker",
        &[
            ("CRASH_URL", server.url()),
            ("CRASH_BODY", body.clone()),
            ("CRASH_MARKER", marker.display().to_string()),
        ],
    )
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !marker.exists() {
        assert!(
            Instant::now() < deadline,
            "worker never reached its handler"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    worker.kill().unwrap(); // SIGKILL: no chance to release
    worker.wait().unwrap();
    let claimed_at = Utc::now();

    let receiver = receiver(&server.url(), TimeDelta::seconds(1));
    let mut effects = 0;
    let mut handler = |_: &axhook::Delivery<'_>| -> Result<(), String> {
        effects += 1;
        Ok(())
    };
    // aXcelerate's retry inside the lease: still held by the dead worker.
    let early = receiver.receive_at(&sent.headers, body.as_bytes(), claimed_at, &mut handler);
    assert_eq!((early.http_status(), early.code()), (409, "in_progress"));
    std::thread::sleep(Duration::from_millis(1100));
    // The next retry after the lease: taken over and processed, exactly once.
    assert_eq!(
        receiver
            .receive(&sent.headers, body.as_bytes(), &mut handler)
            .code(),
        "processed"
    );
    assert_eq!(
        receiver
            .receive(&sent.headers, body.as_bytes(), &mut handler)
            .code(),
        "duplicate"
    );
    assert_eq!(effects, 1);
    std::fs::remove_file(&marker).ok();
}
