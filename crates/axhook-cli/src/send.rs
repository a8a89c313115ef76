//! `axhook send`: a delivery sent as aXcelerate sends it — signed (or not), retried with
//! exponential backoff on a non-2xx answer or a connection error, each attempt printed.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use axhook::signer::{DeliveryBuilder, Outgoing};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::args::SendArgs;
use crate::duration::human;
use crate::failure::Failure;
use crate::http_client::{self, Answer, HttpClient};
use crate::input::read_body;
use crate::keys;
use crate::output::Style;

/// One attempt and what came of it.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    pub number: u32,
    pub answer: Result<Answer, String>,
    pub elapsed: Duration,
    /// The wait before the next attempt, when there is one.
    pub retry_in: Option<Duration>,
}

impl Attempt {
    /// Whether the receiver accepted the delivery (any 2xx).
    pub fn delivered(&self) -> bool {
        matches!(&self.answer, Ok(a) if (200..300).contains(&a.status))
    }

    fn to_json(&self) -> Value {
        match &self.answer {
            Ok(a) => json!({
                "attempt": self.number, "status": a.status, "code": a.code(),
                "message": a.message(), "elapsedMs": self.elapsed.as_millis() as u64,
                "retryInMs": self.retry_in.map(|d| d.as_millis() as u64),
            }),
            Err(e) => json!({
                "attempt": self.number, "error": e, "elapsedMs": self.elapsed.as_millis() as u64,
                "retryInMs": self.retry_in.map(|d| d.as_millis() as u64),
            }),
        }
    }
}

/// How aXcelerate retries: `retries` more attempts after the first, waiting `backoff`,
/// then twice as long each time, every wait multiplied by `time_scale`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    pub retries: u32,
    pub backoff: Duration,
    pub time_scale: f64,
    pub timeout: Duration,
}

impl RetryPolicy {
    /// The wait after failed attempt `n` (1-based).
    pub fn wait_after(&self, n: u32) -> Duration {
        let factor = 2f64.powi(n.saturating_sub(1).min(62) as i32) * self.time_scale;
        Duration::try_from_secs_f64(self.backoff.as_secs_f64() * factor).unwrap_or(Duration::MAX)
    }
}

/// Sends one delivery until it is accepted or the retries run out; `each` sees every attempt.
pub(crate) async fn deliver(
    client: &HttpClient,
    url: &hyper::Uri,
    outgoing: &Outgoing,
    policy: RetryPolicy,
    mut each: impl FnMut(&Attempt),
) -> Vec<Attempt> {
    let body = Bytes::from(outgoing.body.clone());
    let mut attempts = Vec::new();
    for number in 1..=policy.retries.saturating_add(1) {
        let started = Instant::now();
        let answer =
            http_client::post(client, url, &outgoing.headers, body.clone(), policy.timeout).await;
        let mut attempt = Attempt {
            number,
            answer,
            elapsed: started.elapsed(),
            retry_in: None,
        };
        let done = attempt.delivered() || number > policy.retries;
        if !done {
            attempt.retry_in = Some(policy.wait_after(number));
        }
        each(&attempt);
        let wait = attempt.retry_in;
        attempts.push(attempt);
        match wait {
            Some(wait) => tokio::time::sleep(wait).await,
            None => break,
        }
    }
    attempts
}

/// `axhook send`.
pub(crate) fn command(args: SendArgs) -> Result<ExitCode, Failure> {
    let url = http_client::parse_url(&args.url).map_err(Failure::usage)?;
    if !(args.time_scale >= 0.0 && args.time_scale.is_finite()) {
        return Err(Failure::usage(
            "--time-scale must be a number of at least 0",
        ));
    }
    let mut builder = DeliveryBuilder::new(&args.event).client_id(args.client_id);
    if let Some(message) = &args.message {
        let text = read_body(Some(message))?;
        let value: Value = serde_json::from_slice(&text)
            .map_err(|e| Failure::usage(format!("--message is not JSON: {e}")))?;
        builder = builder.message(value);
    }
    if let Some(id) = &args.message_id {
        builder = builder.message_id(id);
    }
    if let Some(ts) = &args.timestamp {
        let at: DateTime<Utc> = DateTime::parse_from_rfc3339(ts)
            .map_err(|e| Failure::usage(format!("--timestamp {ts:?}: {e}")))?
            .into();
        builder = builder.timestamp(at);
    }
    // The messageId is fixed once, so that a retry or a --repeat is the same delivery.
    let (_, message_id) = builder.body();
    let builder = builder.message_id(&message_id);
    let outgoing = if args.unsigned {
        builder.unsigned()
    } else {
        let keys = keys::require(&args.keys)?;
        builder.sign(&keys[0].secret)
    };
    let policy = RetryPolicy {
        retries: args.retries,
        backoff: args.backoff,
        time_scale: args.time_scale,
        timeout: args.timeout,
    };
    let style = Style::stdout();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::runtime(format!("starting the runtime: {e}")))?;
    let json_out = args.json;
    let runs = runtime.block_on(async {
        let client = http_client::client();
        let mut runs = Vec::new();
        for run in 1..=args.repeat.max(1) {
            if !json_out {
                let of = if args.repeat > 1 {
                    format!(" ({run} of {})", args.repeat)
                } else {
                    String::new()
                };
                println!(
                    "{} {} {} to {}{of}",
                    style.bold("sending"),
                    args.event,
                    style.dim(&message_id),
                    args.url
                );
            }
            let attempts = deliver(&client, &url, &outgoing, policy, |a| {
                if !json_out {
                    println!("{}", describe(a, policy.retries + 1, style));
                }
            })
            .await;
            runs.push(attempts);
        }
        runs
    });
    let all_delivered = runs
        .iter()
        .all(|r| r.last().is_some_and(Attempt::delivered));
    if json_out {
        let summary = json!({
            "url": args.url,
            "type": args.event,
            "messageId": message_id,
            "signed": !args.unsigned,
            "delivered": all_delivered,
            "runs": runs.iter().map(|r| json!({
                "delivered": r.last().is_some_and(Attempt::delivered),
                "attempts": r.iter().map(Attempt::to_json).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        });
        println!("{summary}");
    } else if !all_delivered {
        println!("{}", style.red("gave up: the receiver never answered 2xx"));
    }
    Ok(if all_delivered {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `attempt 2/21  500 handler_failed  handler failed; retry later  (3 ms) — retrying in 2s`.
pub(crate) fn describe(a: &Attempt, of: u32, style: Style) -> String {
    let head = format!("  attempt {}/{of}", a.number);
    let what = match &a.answer {
        Ok(answer) => {
            let code = answer.code().unwrap_or_default();
            let text = format!("{} {code}", answer.status);
            let message = answer
                .message()
                .map(|m| format!("  {}", style.dim(&m)))
                .unwrap_or_default();
            format!("{}{message}", style.outcome(answer.status, &text))
        }
        Err(e) => style.red(e),
    };
    let next = match a.retry_in {
        Some(wait) => format!(" — retrying in {}", human(wait)),
        None => String::new(),
    };
    format!("{head}  {what}  ({}){next}", human(a.elapsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_scales() {
        let p = RetryPolicy {
            retries: 20,
            backoff: Duration::from_secs(1),
            time_scale: 0.5,
            timeout: Duration::from_secs(1),
        };
        assert_eq!(p.wait_after(1), Duration::from_millis(500));
        assert_eq!(p.wait_after(3), Duration::from_secs(2));
        let full = RetryPolicy {
            time_scale: 1.0,
            ..p
        };
        let total: Duration = (1..=20).map(|n| full.wait_after(n)).sum();
        assert_eq!(
            total.as_secs(),
            (1 << 20) - 1,
            "about 12.1 days, as aXcelerate"
        );
    }
}
