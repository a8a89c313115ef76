//! What `serve` does with each new delivery: run a command (`--exec`), POST it to an internal
//! URL (`--forward`), or call a function (the demo).

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use axhook::Delivery;
use bytes::Bytes;
use chrono::SecondsFormat;
use hyper::Uri;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::duration::human;
use crate::http_client::{self, HttpClient};

/// A function that handles a delivery in-process.
pub(crate) type HandlerFn = dyn Fn(&Delivery<'static>) -> Result<(), String> + Send + Sync;

/// The handler of new deliveries; cheap to clone.
#[derive(Clone)]
pub(crate) enum Handler {
    /// `sh -c CMD`, the body on standard input; exit status 0 means processed.
    Exec(Arc<str>),
    /// POST the body to an internal URL; a 2xx means processed.
    Forward { url: Uri, client: HttpClient },
    /// A function in this process.
    Function(Arc<HandlerFn>),
    /// Nothing: the delivery is processed once logged (`--log-only`).
    LogOnly,
}

impl std::fmt::Debug for Handler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Handler {
    /// A forwarding handler for an http:// URL.
    pub fn forward(url: &str) -> Result<Self, String> {
        Ok(Handler::Forward {
            url: http_client::parse_url(url)?,
            client: http_client::client(),
        })
    }

    /// What the log calls it.
    pub fn describe(&self) -> String {
        match self {
            Handler::Exec(cmd) => format!("exec {cmd}"),
            Handler::Forward { url, .. } => {
                format!("forward {}", crate::store::redact_url(&url.to_string()))
            }
            Handler::Function(_) => "function".into(),
            Handler::LogOnly => "log-only".into(),
        }
    }

    /// Handles one delivery within `timeout`; `Err` tells why it failed.
    pub async fn handle(
        &self,
        delivery: Delivery<'static>,
        timeout: Duration,
    ) -> Result<(), String> {
        if let Handler::LogOnly = self {
            return Ok(());
        }
        let work = async {
            match self {
                Handler::Exec(cmd) => exec(cmd, &delivery).await,
                Handler::Forward { url, client } => forward(client, url, &delivery, timeout).await,
                Handler::Function(f) => f(&delivery),
                Handler::LogOnly => Ok(()),
            }
        };
        match tokio::time::timeout(timeout, work).await {
            Ok(result) => result,
            Err(_) => Err(format!("the handler took longer than {}", human(timeout))),
        }
    }
}

/// The delivery's fields, for the command's environment and the forwarded request's headers.
fn fields(d: &Delivery<'_>) -> [(&'static str, String); 5] {
    [
        ("TYPE", d.event_type().to_string()),
        ("CLIENT_ID", d.client_id().to_string()),
        ("MESSAGE_ID", d.message_id().to_string()),
        (
            "TIMESTAMP",
            d.timestamp().to_rfc3339_opts(SecondsFormat::Millis, true),
        ),
        ("KEY_LABEL", d.key_label().unwrap_or("").to_string()),
    ]
}

async fn exec(cmd: &str, delivery: &Delivery<'static>) -> Result<(), String> {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Dropped (timed out) means killed; never left running unsupervised.
        .kill_on_drop(true);
    for (name, value) in fields(delivery) {
        command.env(format!("AXHOOK_{name}"), value);
    }
    // Its own process group: Ctrl-C in the terminal stops the receiver gracefully, and the
    // graceful shutdown lets the in-flight command finish instead of killing it with us.
    #[cfg(unix)]
    command.process_group(0);
    let mut child = command
        .spawn()
        .map_err(|e| format!("could not start the command: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let body = Bytes::copy_from_slice(delivery.raw_body());
        // Written beside the wait, so that a command that writes before reading never
        // deadlocks; a command that ignores its input is fine (broken pipe).
        tokio::spawn(async move {
            let _ = stdin.write_all(&body).await;
        });
    }
    let output = child
        .wait_with_output()
        .await
        .map_err(|e| format!("waiting for the command: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let last: String = last.chars().take(300).collect();
    let status = match output.status.code() {
        Some(code) => format!("the command exited with status {code}"),
        None => "the command was killed by a signal".to_string(),
    };
    Err(if last.is_empty() {
        status
    } else {
        format!("{status}: {last}")
    })
}

async fn forward(
    client: &HttpClient,
    url: &Uri,
    delivery: &Delivery<'static>,
    timeout: Duration,
) -> Result<(), String> {
    let headers: Vec<(String, String)> = fields(delivery)
        .into_iter()
        .map(|(name, value)| (format!("X-Axhook-{}", name.replace('_', "-")), value))
        .collect();
    let body = Bytes::copy_from_slice(delivery.raw_body());
    let answer = http_client::post(client, url, &headers, body, timeout)
        .await
        .map_err(|e| format!("forwarding to {url}: {e}"))?;
    if (200..300).contains(&answer.status) {
        Ok(())
    } else {
        Err(format!("{url} answered {}", answer.status))
    }
}
