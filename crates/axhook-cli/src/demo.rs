//! `axhook demo` (what `make demo` runs): a real receiver on an ephemeral loopback port with a
//! SQLite store in a temporary folder, sent what aXcelerate — and an attacker — might send.
//! Prints what was sent and what the receiver answered; exits 0 only if every answer is right.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axhook::signer::{DeliveryBuilder, Outgoing};
use axhook::{Delivery, Receiver};
use axhook_axum::Webhook;
use axhook_sqlite::SqliteStore;
use bytes::Bytes;
use chrono::{TimeDelta, Utc};
use serde_json::{json, Value};
use tokio::net::TcpListener;

use crate::activity::Activity;
use crate::args::DemoArgs;
use crate::failure::Failure;
use crate::handler::Handler;
use crate::http_client::{self, Answer};
use crate::keys::{self, Key};
use crate::log::Log;
use crate::output::{pad, Style};
use crate::send::{self, RetryPolicy};
use crate::serve::{self, Receiving};

const KEY: &str = "demo-private-key";

/// One row of the table: what was sent, what came back, what should have.
struct Row {
    sent: String,
    answer: Result<Answer, String>,
    expected: (u16, &'static str),
    note: String,
}

impl Row {
    fn status_code(&self) -> Option<(u16, String)> {
        self.answer
            .as_ref()
            .ok()
            .map(|a| (a.status, a.code().unwrap_or_default()))
    }

    fn right(&self) -> bool {
        self.status_code() == Some((self.expected.0, self.expected.1.to_string()))
    }
}

/// `axhook demo`.
pub(crate) fn command(args: DemoArgs) -> Result<ExitCode, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::runtime(format!("starting the runtime: {e}")))?;
    runtime.block_on(run(args))
}

async fn run(args: DemoArgs) -> Result<ExitCode, Failure> {
    let style = Style::stdout();
    let temp = tempfile::Builder::new()
        .prefix("axhook-demo-")
        .tempdir()
        .map_err(|e| Failure::runtime(format!("creating a temporary folder: {e}")))?;
    let dir: PathBuf = match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| Failure::runtime(format!("--dir {}: {e}", dir.display())))?;
            dir.clone()
        }
        None => temp.path().to_path_buf(),
    };
    let db = dir.join("axhook-dedupe.sqlite3");
    let store = SqliteStore::open(&db).map_err(|e| Failure::runtime(e.to_string()))?;
    let verifier = keys::verifier(
        &[Key {
            label: "current".into(),
            secret: KEY.as_bytes().to_vec(),
        }],
        false,
        &[],
    )?;

    // The handler: prints nothing; the first enrolment fails (say, the CRM is down).
    let processed = Arc::new(AtomicUsize::new(0));
    let enrolment_attempts = Arc::new(AtomicUsize::new(0));
    let (p, e) = (processed.clone(), enrolment_attempts.clone());
    let handler = Handler::Function(Arc::new(move |d: &Delivery<'static>| {
        if d.event_type().matches("student.*") && e.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err("CRM unavailable".into());
        }
        p.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }));
    let activity = Arc::new(Activity::new(100, None));
    let receiving = Arc::new(Receiving {
        webhook: Webhook::new(Receiver::new(verifier, Arc::new(store) as _)),
        handler,
        handler_timeout: Duration::from_secs(10),
        activity: Some(activity.clone()),
        log: Log::Off,
        in_flight: AtomicUsize::new(0),
    });
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Failure::runtime(format!("listening on 127.0.0.1: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::runtime(e.to_string()))?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let keep_serving = args.keep_serving;
    let server = tokio::spawn(serve::run(
        listener,
        receiving,
        async move {
            if keep_serving {
                serve::termination().await;
            } else {
                let _ = stopped.await;
            }
        },
        Duration::from_secs(5),
        &[],
    ));

    let url = http_client::parse_url(&format!("http://{addr}/webhooks/axcelerate"))
        .map_err(Failure::runtime)?;
    let client = http_client::client();
    let valid = DeliveryBuilder::new("contact.contact_updated").sign(KEY);
    let mut tampered = valid.clone();
    let at = tampered.body.len() / 2;
    tampered.body[at] ^= 0x01;
    let downgrade = DeliveryBuilder::new("contact.contact_updated").unsigned();
    let stale = DeliveryBuilder::new("contact.contact_deleted")
        .timestamp(Utc::now() - TimeDelta::days(30))
        .sign(KEY);
    let enrolment = DeliveryBuilder::new("student.workshop_enrolment_created").sign(KEY);

    let once = |outgoing: &Outgoing| {
        let (client, url) = (client.clone(), url.clone());
        let (body, headers) = (Bytes::from(outgoing.body.clone()), outgoing.headers.clone());
        async move { http_client::post(&client, &url, &headers, body, Duration::from_secs(10)).await }
    };
    let mut rows = vec![
        Row {
            sent: "valid delivery, contact.contact_updated".into(),
            answer: once(&valid).await,
            expected: (200, "processed"),
            note: "verified, claimed, handled, completed".into(),
        },
        Row {
            sent: "its retry (same messageId)".into(),
            answer: once(&valid).await,
            expected: (200, "duplicate"),
            note: "answered 200 without running the handler".into(),
        },
        Row {
            sent: "tampered body (one bit flipped)".into(),
            answer: once(&tampered).await,
            expected: (401, "signature_mismatch"),
            note: String::new(),
        },
        Row {
            sent: "downgrade to version 0 (unsigned)".into(),
            answer: once(&downgrade).await,
            expected: (401, "unsigned_rejected"),
            note: String::new(),
        },
        Row {
            sent: "replay of a 30-day-old delivery".into(),
            answer: once(&stale).await,
            expected: (401, "timestamp_too_old"),
            note: String::new(),
        },
    ];
    // aXcelerate's own retry loop (1 s backoff, sped up 20×): the handler fails once.
    let policy = RetryPolicy {
        retries: 3,
        backoff: Duration::from_secs(1),
        time_scale: 0.05,
        timeout: Duration::from_secs(10),
    };
    let attempts = send::deliver(&client, &url, &enrolment, policy, |_| {}).await;
    for (i, attempt) in attempts.into_iter().enumerate() {
        let (sent, expected, note) = match i {
            0 => (
                "enrolment, student.workshop_enrolment_created",
                (500, "handler_failed"),
                "the handler failed (CRM unavailable): claim released".to_string(),
            ),
            _ => (
                "  aXcelerate's retry after 1 s",
                (200, "processed"),
                "the retry is processed: nothing was lost".to_string(),
            ),
        };
        rows.push(Row {
            sent: sent.into(),
            answer: attempt.answer,
            expected,
            note,
        });
    }
    for row in rows.iter_mut().filter(|r| r.note.is_empty()) {
        row.note = row
            .answer
            .as_ref()
            .ok()
            .and_then(Answer::message)
            .unwrap_or_default();
    }

    let handled = processed.load(Ordering::SeqCst);
    let recorded = activity.to_json()["deliveries"]
        .as_array()
        .map_or(0, Vec::len);
    let wrong = rows.iter().filter(|r| !r.right()).count()
        + usize::from(rows.len() != 7)
        + usize::from(handled != 2)
        + usize::from(recorded != rows.len());
    let page = format!("http://{addr}/_axhook/");

    if args.json {
        let list: Vec<Value> = rows
            .iter()
            .map(|r| {
                let (status, code) = r.status_code().unzip();
                json!({"sent": r.sent.trim(), "status": status, "code": code,
                       "expectedStatus": r.expected.0, "expectedCode": r.expected.1,
                       "right": r.right(), "note": r.note,
                       "error": r.answer.as_ref().err()})
            })
            .collect();
        println!(
            "{}",
            json!({"receiver": format!("http://{addr}/"), "store": db.display().to_string(),
                              "activityPage": page, "rows": list, "handlerRuns": handled,
                              "activityRecorded": recorded, "allRight": wrong == 0})
        );
    } else {
        println!("{}", style.bold("axhook demo: what a receiver answers to what aXcelerate (and an attacker) might send"));
        println!(
            "  receiver  http://{addr}/  (axhook serve: key \"current\", SQLite store {})\n",
            db.display()
        );
        println!(
            "  {}  {}  {}",
            pad(&style.bold("sent"), 46),
            pad(&style.bold("answered"), 26),
            style.bold("why")
        );
        for r in &rows {
            let answered = match r.status_code() {
                Some((status, code)) => style.outcome(status, &format!("{status} {code}")),
                None => style.red(r.answer.as_ref().err().map_or("", String::as_str)),
            };
            let (mark, why) = match (r.right(), style == Style::plain()) {
                (true, true) => ("ok".to_string(), r.note.clone()),
                (true, false) => (style.green("✓"), r.note.clone()),
                (false, plain) => (
                    if plain {
                        "WRONG".to_string()
                    } else {
                        style.red("✗")
                    },
                    format!("expected {} {}", r.expected.0, r.expected.1),
                ),
            };
            println!(
                "  {}  {}  {}",
                pad(&r.sent, 46),
                pad(&format!("{answered} {mark}"), 26),
                style.dim(&why)
            );
        }
        println!();
        println!(
            "  2 distinct deliveries were processed {handled} time(s) in all: {}",
            if handled == 2 {
                style.green("each exactly once")
            } else {
                style.red("WRONG")
            }
        );
        let verb = if args.keep_serving { "is" } else { "was" };
        println!("  the activity page {verb} at {page} ({recorded} requests recorded)");
        if wrong == 0 {
            println!("\n{}", style.green("every answer is right"));
        } else {
            println!("\n{}", style.red(&format!("{wrong} answer(s) wrong")));
        }
        if args.keep_serving {
            println!("serving until Ctrl-C …");
        }
    }
    let _ = stop.send(());
    match server.await {
        Ok(result) => result?,
        Err(e) => return Err(Failure::runtime(format!("the receiver failed: {e}"))),
    }
    drop(temp);
    Ok(if wrong == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
