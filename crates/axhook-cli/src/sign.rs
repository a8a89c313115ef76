//! `axhook sign`: the Ax-Signature of a body, or a whole signed delivery.

use std::process::ExitCode;

use axhook::signer::{signed_headers, DeliveryBuilder};
use serde_json::json;

use crate::args::SignArgs;
use crate::failure::Failure;
use crate::input::read_body;
use crate::keys;

/// `axhook sign`.
pub(crate) fn command(args: SignArgs) -> Result<ExitCode, Failure> {
    let keys = keys::require(&args.keys)?;
    let key = &keys[0].secret;
    let (body, headers) = match &args.event {
        Some(event) => {
            let sent = DeliveryBuilder::new(event)
                .client_id(args.client_id)
                .sign(key);
            (sent.body, sent.headers)
        }
        None => {
            let body = read_body(args.body.as_deref())?;
            let headers = signed_headers(&body, key)
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            (body, headers)
        }
    };
    if args.json {
        let headers: serde_json::Map<String, serde_json::Value> = headers
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().into()))
            .collect();
        let body = String::from_utf8_lossy(&body);
        println!("{}", json!({ "headers": headers, "body": body }));
    } else if args.headers {
        for (name, value) in &headers {
            println!("{name}: {value}");
        }
        if args.event.is_some() {
            println!();
            println!("{}", String::from_utf8_lossy(&body));
        }
    } else {
        if args.event.is_some() {
            println!("{}", String::from_utf8_lossy(&body));
        }
        let signature = headers.iter().find(|(k, _)| k == axhook::SIGNATURE_HEADER);
        println!("{}", signature.map_or("", |(_, v)| v.as_str()));
    }
    Ok(ExitCode::SUCCESS)
}
