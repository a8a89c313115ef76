//! A small HTTP/1.1 client (hyper) for `send`, `--forward` and the demo: plain http only.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::Uri;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// The largest answer body read.
const MAX_ANSWER_BYTES: usize = 1 << 20;

/// A pooled client (keep-alive connections).
pub(crate) type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// A new pooled client.
pub(crate) fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// Parses an `http://` URL.
pub(crate) fn parse_url(url: &str) -> Result<Uri, String> {
    let uri: Uri = url
        .parse()
        .map_err(|e| format!("{url:?} is not a URL: {e}"))?;
    match uri.scheme_str() {
        Some("http") if uri.host().is_some() => Ok(uri),
        Some("https") => Err(format!(
            "{url}: https is not supported; put a TLS-terminating proxy in front, or send to http://"
        )),
        _ => Err(format!("{url:?} is not an http:// URL")),
    }
}

/// What a server answered.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Bytes,
}

impl Answer {
    /// The `code` of an axhook-style JSON answer, if there is one.
    pub fn code(&self) -> Option<String> {
        let json: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
        json.get("code")?.as_str().map(str::to_string)
    }

    /// The `message` of an axhook-style JSON answer, if there is one.
    pub fn message(&self) -> Option<String> {
        let json: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
        json.get("message")?.as_str().map(str::to_string)
    }
}

/// POSTs `body` with `headers`; connection failures and timeouts are `Err` with a reason.
pub(crate) async fn post(
    client: &HttpClient,
    uri: &Uri,
    headers: &[(String, String)],
    body: Bytes,
    timeout: Duration,
) -> Result<Answer, String> {
    let mut request = hyper::Request::post(uri.clone()).header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let request = request
        .body(Full::new(body))
        .map_err(|e| format!("bad request: {e}"))?;
    let exchange = async {
        let response = client.request(request).await.map_err(describe)?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
            .collect()
            .await
            .map_err(|e| format!("reading the answer: {e}"))?
            .to_bytes();
        Ok(Answer { status, body })
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(answer) => answer,
        Err(_) => Err(format!(
            "no answer within {}",
            crate::duration::human(timeout)
        )),
    }
}

/// The innermost cause of a client error ("connection refused"), not hyper's wrapper text.
fn describe(e: hyper_util::client::legacy::Error) -> String {
    let mut source: &dyn std::error::Error = &e;
    while let Some(next) = source.source() {
        source = next;
    }
    if e.is_connect() {
        format!("connection failed: {source}")
    } else {
        source.to_string()
    }
}
