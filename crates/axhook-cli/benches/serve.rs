//! `make cli-bench`: verified 1 KiB deliveries per second into `axhook serve --store memory`
//! under a load generator on loopback, against Express receivers under the same load: one
//! hand-written with node:crypto, and one on the axhook Node middleware when it is built.
//!
//! The load generator (here, on one thread) keeps `AXHOOK_BENCH_CONNECTIONS` keep-alive
//! HTTP/1.1 connections busy with distinct pre-signed deliveries for `AXHOOK_BENCH_SECS`
//! seconds after a one-second warm-up, and counts 200 answers. One run; the ratio is printed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axhook::signer::DeliveryBuilder;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

const KEY: &str = "bench-private-key-7f3c9a";
const BODY_BYTES: usize = 1024;
const WARM_UP: Duration = Duration::from_secs(1);

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One pre-signed delivery.
struct Delivery {
    body: Bytes,
    signature: String,
}

/// `count` distinct signed deliveries of exactly `BODY_BYTES` bytes.
fn deliveries(count: usize) -> Vec<Delivery> {
    let build = |pad: usize| {
        let message = json!({
            "contact": {"id": 100_007, "givenName": "Ada", "surname": "Lovelace",
                        "emailAddress": "ada.lovelace@example.edu.au"},
            "note": "n".repeat(pad),
        });
        DeliveryBuilder::new("contact.contact_updated").message(message)
    };
    let base = build(0).body().0.len();
    let builder = build(BODY_BYTES.saturating_sub(base));
    (0..count)
        .map(|_| {
            let sent = builder.sign(KEY);
            assert_eq!(sent.body.len(), BODY_BYTES);
            Delivery {
                signature: sent.headers[1].1.clone(),
                body: Bytes::from(sent.body),
            }
        })
        .collect()
}

#[derive(Default)]
struct Counts {
    ok: AtomicU64,
    other: AtomicU64,
    failed: AtomicU64,
}

async fn connection(
    addr: SocketAddr,
    pool: Arc<Vec<Delivery>>,
    next: Arc<AtomicUsize>,
    measuring: Arc<AtomicBool>,
    stop: Instant,
    counts: Arc<Counts>,
) {
    let Ok(stream) = tokio::net::TcpStream::connect(addr).await else {
        counts.failed.fetch_add(1, Ordering::Relaxed);
        return;
    };
    let _ = stream.set_nodelay(true);
    let Ok((mut sender, conn)) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await
    else {
        counts.failed.fetch_add(1, Ordering::Relaxed);
        return;
    };
    tokio::spawn(conn);
    let host = addr.to_string();
    while Instant::now() < stop {
        let d = &pool[next.fetch_add(1, Ordering::Relaxed) % pool.len()];
        let request = hyper::Request::post("/webhooks/axcelerate")
            .header("host", &host)
            .header("content-type", "application/json")
            .header("ax-signature-version", "1")
            .header("ax-signature", &d.signature)
            .body(Full::new(d.body.clone()))
            .unwrap();
        if sender.ready().await.is_err() {
            counts.failed.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let Ok(response) = sender.send_request(request).await else {
            counts.failed.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let status = response.status().as_u16();
        let _ = response.into_body().collect().await;
        if measuring.load(Ordering::Relaxed) {
            let counter = if status == 200 {
                &counts.ok
            } else {
                &counts.other
            };
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Runs the load against `addr`: deliveries answered 200 per second, and the other answers.
fn load(
    addr: SocketAddr,
    pool: &Arc<Vec<Delivery>>,
    connections: usize,
    secs: u64,
) -> (f64, u64, u64, bool) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let measuring = Arc::new(AtomicBool::new(false));
    let counts = Arc::new(Counts::default());
    let measure = Duration::from_secs(secs);
    let elapsed = runtime.block_on(async {
        let stop = Instant::now() + WARM_UP + measure;
        let tasks: Vec<_> = (0..connections)
            .map(|_| {
                tokio::spawn(connection(
                    addr,
                    pool.clone(),
                    next.clone(),
                    measuring.clone(),
                    stop,
                    counts.clone(),
                ))
            })
            .collect();
        tokio::time::sleep(WARM_UP).await;
        let started = Instant::now();
        measuring.store(true, Ordering::Relaxed);
        for task in tasks {
            let _ = task.await;
        }
        started.elapsed()
    });
    let ok = counts.ok.load(Ordering::Relaxed);
    let wrapped = next.load(Ordering::Relaxed) > pool.len();
    (
        ok as f64 / elapsed.as_secs_f64(),
        counts.other.load(Ordering::Relaxed),
        counts.failed.load(Ordering::Relaxed),
        wrapped,
    )
}

/// A receiver process, killed when dropped.
struct Contender(Child);

impl Drop for Contender {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `command`, whose `pipe` (stdout or stderr) announces `{"event":"listening", …}` with
/// an `addr` or a `port`; the rest of that stream is drained.
fn start(mut command: Command, announce_on_stderr: bool) -> (Contender, SocketAddr) {
    command.env("AX_KEY", KEY).stdin(Stdio::null());
    if announce_on_stderr {
        command.stdout(Stdio::null()).stderr(Stdio::piped());
    } else {
        command.stdout(Stdio::piped()).stderr(Stdio::inherit());
    }
    let mut child = command.spawn().expect("start the receiver");
    let pipe: Box<dyn std::io::Read + Send> = if announce_on_stderr {
        Box::new(child.stderr.take().unwrap())
    } else {
        Box::new(child.stdout.take().unwrap())
    };
    let mut lines = BufReader::new(pipe).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the receiver exited before listening")
            .unwrap();
        let Ok(v) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if v["event"] == "listening" {
            break match (v["addr"].as_str(), v["port"].as_u64()) {
                (Some(addr), _) => addr.parse().unwrap(),
                (None, Some(port)) => SocketAddr::from(([127, 0, 0, 1], port as u16)),
                _ => panic!("no address in {line}"),
            };
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (Contender(child), addr)
}

fn js_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("js")
}

fn node(script: &str) -> Command {
    let mut command = Command::new("node");
    command
        .arg(js_dir().join("bench").join(script))
        .current_dir(js_dir().join("bench"));
    command
}

/// Whether the axhook Node package (bindings/node) is built and loads.
fn axhook_node_available() -> Result<(), String> {
    let out = Command::new("node")
        .args(["-e", "require('axhook/express'); require('axhook')"])
        .current_dir(js_dir().join("bench"))
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    Err(err
        .lines()
        .find(|l| l.contains("Error"))
        .unwrap_or("does not load")
        .trim()
        .to_string())
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this without it.
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "the serve bench runs under `cargo bench -p axhook-cli --bench serve` (make cli-bench)"
        );
        return;
    }
    let secs: u64 = env_or("AXHOOK_BENCH_SECS", 5);
    let connections: usize = env_or("AXHOOK_BENCH_CONNECTIONS", 32);
    let pool = Arc::new(deliveries(env_or("AXHOOK_BENCH_DELIVERIES", 250_000)));
    println!(
        "verified {BODY_BYTES}-byte deliveries per second, {connections} keep-alive connections on loopback, \
         {secs} s each after a {} s warm-up, {} distinct pre-signed deliveries",
        WARM_UP.as_secs(),
        pool.len()
    );
    let mut results: Vec<(String, f64)> = Vec::new();
    let mut report = |name: &str, (rate, other, failed, wrapped): (f64, u64, u64, bool)| {
        let mut notes = Vec::new();
        if other > 0 {
            notes.push(format!("{other} non-200 answers"));
        }
        if failed > 0 {
            notes.push(format!("{failed} connection failures"));
        }
        if wrapped {
            notes.push("pool reused: some were duplicates".to_string());
        }
        println!("  {name:<44} {rate:>10.0} /s  {}", notes.join(", "));
        results.push((name.to_string(), rate));
    };

    let mut axhook = Command::new(env!("CARGO_BIN_EXE_axhook"));
    axhook.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--json",
        "--store",
        "memory",
        "--key-env",
        "current=AX_KEY",
        "--log-only",
    ]);
    let (server, addr) = start(axhook, true);
    report(
        "axhook serve --store memory --log-only",
        load(addr, &pool, connections, secs),
    );
    drop(server);

    let (server, addr) = start(node("express-handwritten.cjs"), false);
    report(
        "Express + node:crypto, hand-written",
        load(addr, &pool, connections, secs),
    );
    drop(server);

    match axhook_node_available() {
        Ok(()) => {
            let (server, addr) = start(node("express-axhook.cjs"), false);
            report("Express + axhook middleware (bindings/node)", load(addr, &pool, connections, secs));
            drop(server);
        }
        Err(why) => println!(
            "  {:<44} not measured: the axhook Node package is not built ({why}); run make node-setup",
            "Express + axhook middleware (bindings/node)"
        ),
    }

    let rate = |i: usize| results.get(i).map_or(0.0, |r| r.1);
    if rate(1) > 0.0 {
        println!(
            "ratio: axhook serve / hand-written Express = {:.2}x (target: at least 3x)",
            rate(0) / rate(1)
        );
    }
    if results.len() > 2 && rate(2) > 0.0 {
        println!(
            "ratio: axhook serve / Express + axhook middleware = {:.2}x; middleware / hand-written = {:.2}x",
            rate(0) / rate(2),
            rate(2) / rate(1)
        );
    }
}
