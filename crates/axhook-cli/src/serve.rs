//! `axhook serve`: the production receiver — verify, deduplicate, hand over, answer, log.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axhook::{DedupeStore, Receiver};
use axhook_axum::{Received, Webhook};
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::activity::{self, Activity};
use crate::args::ServeArgs;
use crate::failure::Failure;
use crate::handler::Handler;
use crate::keys;
use crate::log::Log;
use crate::store;

/// Everything a running receiver shares between requests.
pub(crate) struct Receiving {
    pub webhook: Webhook<Arc<dyn DedupeStore>>,
    pub handler: Handler,
    pub handler_timeout: Duration,
    pub activity: Option<Arc<Activity>>,
    pub log: Log,
    pub in_flight: AtomicUsize,
}

/// `axhook serve`.
pub(crate) fn command(args: ServeArgs) -> Result<ExitCode, Failure> {
    let log = Log::stderr(args.json);
    let keys = keys::load(&args.keys)?;
    for warning in keys.iter().filter_map(keys::whitespace_warning) {
        log.line("warn", "key", &[("warning", warning.into())]);
    }
    let verifier = keys::verifier(&keys, args.allow_unsigned, &args.allowed_client_ids)?;
    let handler = match (&args.exec, &args.forward) {
        (Some(cmd), _) => Handler::Exec(cmd.as_str().into()),
        (None, Some(url)) => Handler::forward(url).map_err(Failure::usage)?,
        (None, None) => Handler::LogOnly,
    };
    let token = match (&args.activity_token, &args.activity_token_env) {
        (Some(t), _) => Some(t.clone()),
        (None, Some(var)) => Some(
            std::env::var(var)
                .map_err(|_| Failure::usage(format!("--activity-token-env: ${var} is not set")))?,
        ),
        (None, None) => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::runtime(format!("starting the runtime: {e}")))?;
    runtime.block_on(async move {
        let opened = store::open(&args.store)?;
        let listener = TcpListener::bind(args.listen)
            .await
            .map_err(|e| Failure::runtime(format!("--listen {}: {e}", args.listen)))?;
        let mut webhook = Webhook::new(Receiver::new(verifier, opened.store));
        if opened.non_blocking {
            webhook = webhook.non_blocking_store();
        }
        let receiving = Arc::new(Receiving {
            webhook,
            handler,
            handler_timeout: args.handler_timeout,
            activity: args
                .activity
                .then(|| Arc::new(Activity::new(args.activity_size, token.as_deref()))),
            log,
            in_flight: AtomicUsize::new(0),
        });
        let labels: Vec<&str> = keys.iter().map(|k| k.label.as_str()).collect();
        let extra = [
            ("store", Value::from(opened.description)),
            ("keys", Value::from(labels)),
        ];
        run(
            listener,
            receiving,
            termination(),
            args.shutdown_timeout,
            &extra,
        )
        .await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Serves until `shutdown` resolves, then finishes in-flight deliveries for at most
/// `shutdown_timeout`.
pub(crate) async fn run(
    listener: TcpListener,
    receiving: Arc<Receiving>,
    shutdown: impl Future<Output = ()> + Send + 'static,
    shutdown_timeout: Duration,
    extra: &[(&str, Value)],
) -> Result<(), Failure> {
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::runtime(format!("listening: {e}")))?;
    let log = receiving.log;
    let mut fields = vec![
        ("addr", Value::from(addr.to_string())),
        ("url", format!("http://{addr}/").into()),
        ("handler", receiving.handler.describe().into()),
    ];
    if receiving.activity.is_some() {
        fields.push(("activity", format!("http://{addr}/_axhook/").into()));
    }
    fields.extend(extra.iter().cloned());
    log.line("info", "listening", &fields);

    let (stop, stopping) = watch::channel(false);
    let watcher = receiving.clone();
    tokio::spawn(async move {
        shutdown.await;
        watcher.log.line(
            "info",
            "shutting_down",
            &[("in_flight", watcher.in_flight.load(Ordering::SeqCst).into())],
        );
        let _ = stop.send(true);
    });
    let mut graceful = stopping.clone();
    let mut deadline = stopping;
    let app = router(receiving.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = graceful.wait_for(|stop| *stop).await;
        })
        .into_future();
    tokio::select! {
        served = server => served.map_err(|e| Failure::runtime(format!("serving: {e}")))?,
        _ = async {
            let _ = deadline.wait_for(|stop| *stop).await;
            tokio::time::sleep(shutdown_timeout).await;
        } => {
            log.line("warn", "shutdown_timeout", &[
                ("in_flight", receiving.in_flight.load(Ordering::SeqCst).into()),
                ("note", "unfinished deliveries were not acknowledged; the sender retries them".into()),
            ]);
            return Ok(());
        }
    }
    log.line("info", "stopped", &[]);
    Ok(())
}

/// The routes: any POST receives a delivery; `/healthz`; the activity page when enabled.
pub(crate) fn router(receiving: Arc<Receiving>) -> Router {
    let mut app = Router::new().route("/healthz", get(healthz).with_state(receiving.clone()));
    if let Some(activity) = &receiving.activity {
        app = app
            .route(
                "/_axhook",
                get(|| async { Redirect::permanent("/_axhook/") }),
            )
            .route(
                "/_axhook/",
                get(activity::page).with_state(activity.clone()),
            )
            .route(
                "/_axhook/deliveries.json",
                get(activity::deliveries).with_state(activity.clone()),
            );
    }
    app.fallback(receive).with_state(receiving)
}

async fn healthz(State(receiving): State<Arc<Receiving>>) -> Response {
    let body = json!({
        "status": "ok",
        "inFlight": receiving.in_flight.load(Ordering::SeqCst),
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Counts a request as in flight while it lives.
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn enter(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        Self(counter)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn receive(
    State(receiving): State<Arc<Receiving>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if method != Method::POST {
        let body = json!({"status": 405, "code": "method_not_allowed",
                          "message": "deliveries are POSTed; GET /healthz for health"});
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [
                (header::ALLOW, "POST"),
                (header::CONTENT_TYPE, "application/json"),
            ],
            body.to_string(),
        )
            .into_response();
    }
    let _in_flight = InFlight::enter(&receiving.in_flight);
    let started = Instant::now();
    let handler = receiving.handler.clone();
    let timeout = receiving.handler_timeout;
    let received = receiving
        .webhook
        .receive(headers, body, move |delivery| async move {
            handler.handle(delivery, timeout).await
        })
        .await;
    let elapsed = started.elapsed();
    log_delivery(receiving.log, &received, uri.path(), elapsed);
    if let Some(activity) = &receiving.activity {
        activity.record(&received, elapsed);
    }
    received.into_response()
}

fn log_delivery(log: Log, received: &Received, path: &str, elapsed: Duration) {
    let d = received.delivery.as_ref();
    let level = match received.http_status() {
        200..=299 => "info",
        _ => "warn",
    };
    let reason = match received.code() {
        "processed" | "duplicate" => Value::Null,
        _ => received.verdict.to_string().into(),
    };
    log.line(
        level,
        "delivery",
        &[
            ("status", received.http_status().into()),
            ("code", received.code().into()),
            ("type", d.map(|d| d.event_type().to_string()).into()),
            ("client_id", d.map(|d| d.client_id()).into()),
            ("message_id", d.map(|d| d.message_id().to_string()).into()),
            (
                "key",
                d.and_then(|d| d.key_label().map(str::to_string)).into(),
            ),
            ("path", path.into()),
            ("ms", ((elapsed.as_secs_f64() * 1e4).round() / 10.0).into()),
            ("reason", reason),
        ],
    );
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT).
pub(crate) async fn termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use axhook::{MemoryStore, Verifier};
    use axum::extract::ConnectInfo;
    use axum::http::Request;
    use tower::ServiceExt;

    fn app() -> Router {
        let verifier = Verifier::builder().key("current", "k").build().unwrap();
        let store: Arc<dyn DedupeStore> = Arc::new(MemoryStore::new());
        router(Arc::new(Receiving {
            webhook: Webhook::new(Receiver::new(verifier, store)).non_blocking_store(),
            handler: Handler::LogOnly,
            handler_timeout: Duration::from_secs(1),
            activity: Some(Arc::new(Activity::new(10, None))),
            log: Log::Off,
            in_flight: AtomicUsize::new(0),
        }))
    }

    async fn status_from(peer: Option<[u8; 4]>) -> u16 {
        let mut request = Request::get("/_axhook/deliveries.json")
            .body(Body::empty())
            .unwrap();
        if let Some(ip) = peer {
            request
                .extensions_mut()
                .insert(ConnectInfo(SocketAddr::from((ip, 40_000))));
        }
        app().oneshot(request).await.unwrap().status().as_u16()
    }

    #[tokio::test]
    async fn the_activity_page_is_loopback_only_without_a_token() {
        assert_eq!(status_from(Some([127, 0, 0, 1])).await, 200);
        assert_eq!(status_from(Some([10, 1, 2, 3])).await, 403);
        assert_eq!(status_from(Some([203, 0, 113, 9])).await, 403);
        assert_eq!(
            status_from(None).await,
            403,
            "an unknown peer is not trusted"
        );
    }
}
