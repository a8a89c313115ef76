//! `axhook verify`: one delivery judged by the core; the verdict as JSON, the exit code by
//! outcome (0 valid, 1 refused, 2 usage).

use std::process::ExitCode;

use axhook::{Delivery, Error, SIGNATURE_HEADER, VERSION_HEADER};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::args::VerifyArgs;
use crate::failure::Failure;
use crate::input::read_body;
use crate::keys;

/// `axhook verify`.
pub(crate) fn command(args: VerifyArgs) -> Result<ExitCode, Failure> {
    let keys = keys::load(&args.keys)?;
    let verifier = keys::verifier(&keys, args.allow_unsigned, &[])?;
    let mut headers: Vec<(String, String)> = Vec::new();
    if let Some(version) = &args.signature_version {
        headers.push((VERSION_HEADER.into(), version.clone()));
    } else if args.signature.is_some() {
        headers.push((VERSION_HEADER.into(), "1".into()));
    }
    if let Some(signature) = &args.signature {
        headers.push((SIGNATURE_HEADER.into(), signature.clone()));
    }
    for raw in &args.headers {
        let (name, value) = raw
            .split_once(':')
            .ok_or_else(|| Failure::usage(format!("-H {raw:?}: expected \"Name: value\"")))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    if headers.is_empty() {
        return Err(Failure::usage(
            "no signature given: use --signature SIG (and --signature-version) or -H \"Name: value\"",
        ));
    }
    let now = match &args.now {
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map_err(|e| Failure::usage(format!("--now {text:?}: {e}")))?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let body = read_body(args.body.as_deref())?;
    let verdict = verifier.verify_at(&headers, &body, now);
    println!("{}", verdict_json(&verdict));
    Ok(match verdict {
        Ok(_) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    })
}

/// The verdict in the shape of the fixtures' `expect` objects.
pub(crate) fn verdict_json(verdict: &Result<Delivery<'_>, Error>) -> Value {
    match verdict {
        Ok(d) => json!({
            "ok": true,
            "status": 200,
            "type": d.event_type().as_str(),
            "namespace": d.namespace(),
            "event": d.event(),
            "clientId": d.client_id(),
            "messageId": d.message_id(),
            "timestamp": d.timestamp().to_rfc3339_opts(SecondsFormat::Millis, true),
            "keyLabel": d.key_label(),
            "signed": d.signed(),
        }),
        Err(e) => json!({
            "ok": false,
            "code": e.code(),
            "status": e.http_status(),
            "message": e.to_string(),
        }),
    }
}
