//! `axhook diagnose`: a body, its signature and the keys you have do not agree — try the
//! usual mistakes one by one and say which explains it. Exit code: 0 the signature is valid,
//! 1 a known mistake explains the mismatch, 3 nothing known explains it.
//!
//! Only the verdict is the core's; the checks recompute signatures of altered inputs, which
//! is this command's whole purpose. Nothing printed reveals a key or an expected signature.

use std::process::ExitCode;

use axhook::chrono::TimeDelta;
use axhook::signer::Signer;
use axhook::{SIGNATURE_HEADER, VERSION_HEADER};
use chrono::Utc;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::args::DiagnoseArgs;
use crate::failure::Failure;
use crate::input::read_body;
use crate::json_layout::{relayout, Layout};
use crate::keys::{self, Key};
use crate::output::{pad, Style};

/// One usual mistake, checked.
#[derive(Debug, Clone)]
pub(crate) struct Check {
    /// A stable id: `signature_encoding`, `key_whitespace`, `line_endings`,
    /// `body_reserialised`, `wrong_key`, `plain_sha256`.
    pub id: &'static str,
    /// What was tried.
    pub tried: &'static str,
    /// The explanation, when this mistake reproduces the signature.
    pub explains: Option<String>,
}

/// The signature as received, decoded however it could be.
struct Presented {
    /// The 32 bytes, when the text is 64 hex digits (either case, trimmed).
    hex: Option<[u8; 32]>,
    /// The 32 bytes, when it is hex after a `sha256=` prefix, or base64 (either alphabet).
    other: Option<([u8; 32], &'static str)>,
}

fn decode_hex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

fn decode_base64(text: &str) -> Option<[u8; 32]> {
    let text = text.trim_end_matches('=');
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut out = Vec::with_capacity(33);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        bits = bits << 6 | u32::from(v);
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
        }
    }
    out.try_into().ok()
}

fn present(signature: &str) -> Presented {
    let text = signature.trim();
    let hex = decode_hex(text);
    let other = if hex.is_some() {
        None
    } else if let Some(bytes) = text.strip_prefix("sha256=").and_then(decode_hex) {
        Some((bytes, "a \"sha256=\" prefix before the hex"))
    } else {
        decode_base64(text).map(|b| (b, "base64 instead of 64 hex digits"))
    };
    Presented { hex, other }
}

fn hmac(key: &[u8], body: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    if let Some(bytes) = decode_hex(&Signer::new(key).sign(body)) {
        out = bytes;
    }
    out
}

/// Body variants: (description, bytes) for each usual alteration that changes the bytes.
fn reserialised(body: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let Ok(text) = std::str::from_utf8(body) else {
        return Vec::new();
    };
    let mut variants: Vec<(&'static str, Vec<u8>)> = vec![
        (
            "in its compact form",
            relayout(text, Layout::Compact).into_bytes(),
        ),
        (
            "with \", \" and \": \" separators (Python's json.dumps)",
            relayout(text, Layout::Spaced).into_bytes(),
        ),
        (
            "pretty-printed with 2 spaces",
            relayout(text, Layout::Indented(2)).into_bytes(),
        ),
        (
            "pretty-printed with 4 spaces",
            relayout(text, Layout::Indented(4)).into_bytes(),
        ),
    ];
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        variants.push((
            "parsed and re-serialised with sorted keys",
            value.to_string().into_bytes(),
        ));
    }
    variants.retain(|(_, v)| v != body);
    variants
}

fn line_endings(body: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let mut variants = Vec::new();
    if body.windows(2).any(|w| w == b"\r\n") {
        let lf: Vec<u8> = String::from_utf8_lossy(body)
            .replace("\r\n", "\n")
            .into_bytes();
        variants.push((
            "with LF line endings, before they were turned into CRLF",
            lf,
        ));
    } else if body.contains(&b'\n') {
        let crlf = String::from_utf8_lossy(body)
            .replace('\n', "\r\n")
            .into_bytes();
        variants.push((
            "with CRLF line endings, before they were turned into LF",
            crlf,
        ));
    }
    match body.last() {
        Some(b'\n') => {
            let trimmed = body.trim_ascii_end().to_vec();
            variants.push((
                "without the trailing line ending that was added to it",
                trimmed,
            ));
        }
        _ => {
            variants.push(("with a trailing newline", [body, b"\n"].concat()));
        }
    }
    variants
}

/// Runs every check; the list is in the order they are shown.
pub(crate) fn checks(keys: &[Key], others: &[Key], signature: &str, body: &[u8]) -> Vec<Check> {
    let presented = present(signature);
    let sig = presented.hex;
    let matches = |key: &[u8], body: &[u8]| sig.is_some_and(|s| hmac(key, body) == s);
    let mut out = Vec::new();

    let mut check = Check {
        id: "signature_encoding",
        tried: "the signature in another encoding (base64, a \"sha256=\" prefix)",
        explains: None,
    };
    if let Some((bytes, how)) = presented.other {
        if let Some(key) = keys
            .iter()
            .chain(others)
            .find(|k| hmac(&k.secret, body) == bytes)
        {
            check.explains = Some(format!(
                "the signature is the right HMAC under key {:?}, but as {how}: aXcelerate sends 64 lowercase hex digits, so whatever produced this one encoded it wrongly",
                key.label
            ));
        }
    }
    out.push(check);

    let mut check = Check {
        id: "key_whitespace",
        tried: "each key with its surrounding whitespace removed, or with a newline or space added",
        explains: None,
    };
    'keys: for key in keys {
        let trimmed = key.secret.trim_ascii();
        if trimmed.len() != key.secret.len() && !trimmed.is_empty() && matches(trimmed, body) {
            check.explains = Some(format!(
                "key {:?} has surrounding whitespace that the sender's key lacks: remove it from the configured key",
                key.label
            ));
            break;
        }
        for (extra, said) in [
            ("\n", "a trailing newline"),
            ("\r\n", "a trailing CRLF"),
            (" ", "a trailing space"),
        ] {
            let padded = [key.secret.as_slice(), extra.as_bytes()].concat();
            let leading = [extra.as_bytes(), key.secret.as_slice()].concat();
            if matches(&padded, body) || matches(&leading, body) {
                check.explains = Some(format!(
                    "the sender signed with key {:?} plus {said}: the sender's copy of the key has whitespace; remove it there",
                    key.label
                ));
                break 'keys;
            }
        }
    }
    out.push(check);

    let mut check = Check { id: "line_endings", tried: "the body with CRLF and LF line endings swapped, and with a trailing newline added or removed", explains: None };
    'lines: for (how, variant) in line_endings(body) {
        for key in keys {
            if matches(&key.secret, &variant) {
                check.explains = Some(format!(
                    "the sender signed the body {how}: line endings changed on the way; verify the raw request bytes"
                ));
                break 'lines;
            }
        }
    }
    out.push(check);

    let mut check = Check { id: "body_reserialised", tried: "the body compacted, pretty-printed, with Python's separators, or re-serialised with sorted keys", explains: None };
    'body: for (how, variant) in reserialised(body) {
        for key in keys {
            if matches(&key.secret, &variant) {
                check.explains = Some(format!(
                    "the sender signed the body {how}, and it reached the verifier in another form: something parsed and re-serialised it; verify the raw request bytes"
                ));
                break 'body;
            }
        }
    }
    out.push(check);

    let mut check = Check {
        id: "wrong_key",
        tried: "each --other-key",
        explains: None,
    };
    if let Some((i, _)) = others
        .iter()
        .enumerate()
        .find(|(_, k)| matches(&k.secret, body))
    {
        check.explains = Some(format!(
            "the body was signed with --other-key number {}, not with a configured key: configure that key (add it with a label to rotate)",
            i + 1
        ));
    }
    out.push(check);

    let mut check = Check {
        id: "plain_sha256",
        tried: "sha256(key + body) and sha256(body + key) instead of HMAC-SHA256",
        explains: None,
    };
    for key in keys.iter().chain(others) {
        let kb: [u8; 32] = Sha256::digest([key.secret.as_slice(), body].concat()).into();
        let bk: [u8; 32] = Sha256::digest([body, key.secret.as_slice()].concat()).into();
        if sig == Some(kb) || sig == Some(bk) {
            check.explains = Some(format!(
                "the signature is a plain SHA-256 of key {:?} joined to the body, not an HMAC: the sender must compute HMAC-SHA256(key, body)",
                key.label
            ));
            break;
        }
    }
    out.push(check);
    out
}

/// `axhook diagnose`.
pub(crate) fn command(args: DiagnoseArgs) -> Result<ExitCode, Failure> {
    let keys = keys::require(&args.keys)?;
    let others: Vec<Key> = args
        .other_keys
        .iter()
        .enumerate()
        .map(|(i, k)| Key {
            label: format!("other{}", i + 1),
            secret: k.as_bytes().to_vec(),
        })
        .collect();
    let body = read_body(args.body.as_deref())?;
    // The signature is the question, not the clock: the verdict ignores the timestamp.
    let verifier = keys::builder(&keys)
        .max_age(TimeDelta::days(365 * 200))
        .max_future_skew(TimeDelta::days(365 * 200))
        .build()
        .map_err(|e| Failure::usage(e.to_string()))?;
    let headers = [
        (VERSION_HEADER, "1"),
        (SIGNATURE_HEADER, args.signature.as_str()),
    ];
    let verdict = verifier.verify_at(&headers, &body, Utc::now());
    let (valid, matched, core) = match &verdict {
        Ok(d) => (true, d.key_label().map(str::to_string), json!({"ok": true})),
        // Past the signature: the signature itself is fine.
        Err(e)
            if !matches!(
                e.code(),
                "signature_mismatch" | "malformed_signature" | "missing_signature"
            ) =>
        {
            (
                true,
                None,
                json!({"ok": false, "code": e.code(), "status": e.http_status(), "message": e.to_string()}),
            )
        }
        Err(e) => (
            false,
            None,
            json!({"ok": false, "code": e.code(), "status": e.http_status(), "message": e.to_string()}),
        ),
    };
    let found = if valid {
        Vec::new()
    } else {
        checks(&keys, &others, &args.signature, &body)
    };
    let explanation = found.iter().find_map(|c| c.explains.clone());
    if args.json {
        let list: Vec<Value> = found
            .iter()
            .map(|c| json!({"check": c.id, "tried": c.tried, "explains": c.explains.is_some(), "explanation": c.explains}))
            .collect();
        println!(
            "{}",
            json!({"valid": valid, "keyLabel": matched, "verdict": core, "checks": list, "explanation": explanation})
        );
    } else {
        let style = Style::stdout();
        if valid {
            let under = matched
                .map(|l| format!(" under key {l:?}"))
                .unwrap_or_default();
            println!(
                "{} the signature matches the body{under}: nothing to diagnose",
                style.green("valid:")
            );
            if let Err(e) = &verdict {
                println!(
                    "  (the delivery is still refused for another reason: {} {e})",
                    e.code()
                );
            }
        } else {
            let message = core["message"].as_str().unwrap_or("");
            println!(
                "{} {message}\n",
                style.red(core["code"].as_str().unwrap_or(""))
            );
            for c in &found {
                let mark = match &c.explains {
                    Some(_) => style.green("✓"),
                    None => style.dim("·"),
                };
                println!("  {mark} {} {}", pad(c.id, 20), style.dim(c.tried));
            }
            println!();
            match &explanation {
                Some(e) => println!("{} {e}", style.bold("explained:")),
                None => println!(
                    "{} none of the usual mistakes reproduces this signature: the body or the key differs in another way (is this the key configured in aXcelerate for this account?)",
                    style.yellow("unexplained:")
                ),
            }
        }
    }
    Ok(match (valid, &explanation) {
        (true, _) => ExitCode::SUCCESS,
        (false, Some(_)) => ExitCode::from(1),
        (false, None) => ExitCode::from(3),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_32_bytes() {
        let bytes = decode_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
        assert_eq!(bytes[31], 31);
        assert!(decode_base64("AAEC").is_none());
    }
}
