//! The delivery envelope: strict parsing of the body into a [`Delivery`].

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::error::Error;
use crate::event::EventType;
use crate::json::{key_bytes, unescape, ObjectKeys, Scanner, StrToken, SyntaxError, MAX_DEPTH};
use crate::verifier::HmacSha256;

/// Largest clientId accepted: 2^53 − 1, so that every runtime holds it exactly.
pub const MAX_CLIENT_ID: u64 = (1 << 53) - 1;
/// Longest messageId accepted, in Unicode scalar values.
pub const MAX_MESSAGE_ID_CHARS: usize = 256;

/// A verified aXcelerate delivery.
///
/// The message is validated but not built until asked for: [`message_json`](Self::message_json)
/// borrows its raw text and [`message`](Self::message) parses it into a `serde_json::Value`.
#[derive(Clone, PartialEq)]
pub struct Delivery<'a> {
    pub(crate) raw: Cow<'a, [u8]>,
    pub(crate) message: Range<usize>,
    pub(crate) event_type: EventType,
    pub(crate) client_id: u64,
    pub(crate) message_id: String,
    pub(crate) timestamp: DateTime<Utc>,
    pub(crate) key_label: Option<Arc<str>>,
}

impl<'a> Delivery<'a> {
    /// The event type, for example `contact.contact_updated`.
    pub fn event_type(&self) -> &EventType {
        &self.event_type
    }

    /// The namespace: the part of the type before its first dot (`contact`).
    pub fn namespace(&self) -> &str {
        self.event_type.namespace()
    }

    /// The event: the part of the type after its first dot (`contact_updated`).
    pub fn event(&self) -> &str {
        self.event_type.event()
    }

    /// The aXcelerate account that sent the delivery.
    pub fn client_id(&self) -> u64 {
        self.client_id
    }

    /// The delivery's id, the same on every retry.
    pub fn message_id(&self) -> &str {
        &self.message_id
    }

    /// When aXcelerate created the delivery.
    pub fn timestamp(&self) -> DateTime<Utc> {
        self.timestamp
    }

    /// The label of the key whose signature matched; `None` for an unsigned delivery.
    pub fn key_label(&self) -> Option<&str> {
        self.key_label.as_deref()
    }

    /// Whether the delivery was signed (version `1`) and its signature verified.
    pub fn signed(&self) -> bool {
        self.key_label.is_some()
    }

    /// The body exactly as received.
    pub fn raw_body(&self) -> &[u8] {
        &self.raw
    }

    /// The message's raw JSON text, exactly as it appears in the body.
    pub fn message_json(&self) -> &str {
        // The whole body was checked to be UTF-8 and the span lies on token boundaries.
        std::str::from_utf8(&self.raw[self.message.clone()]).unwrap_or("null")
    }

    /// Where the message's JSON text lies in [`raw_body`](Self::raw_body), for bindings that
    /// keep the body in a buffer of their own.
    pub fn message_span(&self) -> Range<usize> {
        self.message.clone()
    }

    /// The message as a JSON value.
    pub fn message(&self) -> serde_json::Value {
        serde_json::from_str(self.message_json()).unwrap_or(serde_json::Value::Null)
    }

    /// The message deserialized into a caller's type.
    pub fn message_as<T: serde::de::DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(self.message_json())
    }

    /// The dedupe key: `clientId:messageId`.
    pub fn dedupe_key(&self) -> String {
        dedupe_key(self.client_id, &self.message_id)
    }

    /// A delivery that owns its body, free of the request's lifetime.
    pub fn into_owned(self) -> Delivery<'static> {
        Delivery {
            raw: Cow::Owned(self.raw.into_owned()),
            message: self.message,
            event_type: self.event_type,
            client_id: self.client_id,
            message_id: self.message_id,
            timestamp: self.timestamp,
            key_label: self.key_label,
        }
    }
}

impl std::fmt::Debug for Delivery<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("type", &self.event_type.as_str())
            .field("client_id", &self.client_id)
            .field("message_id", &self.message_id)
            .field("timestamp", &self.timestamp)
            .field("key_label", &self.key_label)
            .field("body_bytes", &self.raw.len())
            .finish()
    }
}

/// The dedupe key of a delivery: `clientId:messageId`.
pub fn dedupe_key(client_id: u64, message_id: &str) -> String {
    format!("{client_id}:{message_id}")
}

/// The envelope's fields, validated, before the signature and policy checks.
#[derive(Debug)]
pub(crate) struct Envelope {
    pub(crate) message: Range<usize>,
    pub(crate) event_type: EventType,
    pub(crate) client_id: u64,
    pub(crate) message_id: String,
    pub(crate) timestamp: DateTime<Utc>,
}

/// A failed parse, with the clientId when it could still be read (to pick keys).
#[derive(Debug)]
pub(crate) struct ParseFailure {
    pub(crate) error: Error,
    pub(crate) client_id: Option<u64>,
}

const FIELDS: [&str; 5] = ["type", "message", "clientId", "messageId", "timestamp"];

/// Parses and validates the envelope. Field errors are reported in a fixed order (type,
/// message, clientId, messageId, timestamp) whatever the order of the fields in the body.
pub(crate) fn parse(body: &[u8]) -> Result<Envelope, ParseFailure> {
    parse_with(&mut Scanner::new(body))
}

/// [`parse`], feeding `mac` with the whole body on the way.
pub(crate) fn parse_and_mac(body: &[u8], mac: &mut HmacSha256) -> Result<Envelope, ParseFailure> {
    let mut scanner = Scanner::with_mac(body, mac);
    let parsed = parse_with(&mut scanner);
    scanner.finish_mac();
    parsed
}

fn parse_with(scanner: &mut Scanner<'_>) -> Result<Envelope, ParseFailure> {
    let body = scanner.bytes();
    let spans = scan(scanner).map_err(|error| ParseFailure {
        error,
        client_id: None,
    })?;
    let client_id = spans[2]
        .as_ref()
        .ok_or(Error::MissingField { field: "clientId" })
        .and_then(|s| client_id(&body[s.clone()]));
    let fail = |error| ParseFailure {
        error,
        client_id: client_id.as_ref().ok().copied(),
    };
    let field = |i: usize| -> Result<&[u8], ParseFailure> {
        spans[i]
            .as_ref()
            .map(|s| &body[s.clone()])
            .ok_or_else(|| fail(Error::MissingField { field: FIELDS[i] }))
    };
    let event_type = string_field(field(0)?, "type")
        .and_then(|t| EventType::parse(t.into_owned()).map_err(|d| Error::invalid("type", d)))
        .map_err(fail)?;
    let message = spans[1]
        .clone()
        .ok_or_else(|| fail(Error::MissingField { field: "message" }))?;
    let client_id = client_id.clone().map_err(fail)?;
    let message_id = string_field(field(3)?, "messageId").map_err(fail)?;
    let chars = message_id.chars().count();
    if chars == 0 || chars > MAX_MESSAGE_ID_CHARS {
        return Err(fail(Error::invalid(
            "messageId",
            format!("must be 1 to {MAX_MESSAGE_ID_CHARS} characters long, found {chars}"),
        )));
    }
    let timestamp = string_field(field(4)?, "timestamp").map_err(fail)?;
    let timestamp = parse_timestamp(&timestamp).map_err(|e| {
        fail(Error::invalid(
            "timestamp",
            format!("must be RFC 3339 with a zone, like 2024-02-25T23:30:38.056Z ({e})"),
        ))
    })?;
    Ok(Envelope {
        message,
        event_type,
        client_id,
        message_id: message_id.into_owned(),
        timestamp,
    })
}

/// RFC 3339 with a zone. aXcelerate's own form (`2024-02-25T23:30:38.056Z`) takes a direct
/// path; every other form goes through chrono's parser, which the direct path agrees with.
fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    fast_timestamp(text.as_bytes()).map_or_else(
        || DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)),
        Ok,
    )
}

fn fast_timestamp(b: &[u8]) -> Option<DateTime<Utc>> {
    let num = |range: Range<usize>| -> Option<u32> {
        b.get(range)?.iter().try_fold(0u32, |acc, d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let punctuation = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if b.len() < 20 || b.last() != Some(&b'Z') || punctuation.iter().any(|(i, c)| b[*i] != *c) {
        return None;
    }
    let nanos = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            num(20..20 + digits.len())? * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let second = num(17..19)?;
    if second > 59 {
        return None; // leap seconds: chrono's parser knows them
    }
    let date = chrono::NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let time = date.and_hms_nano_opt(num(11..13)?, num(14..16)?, second, nanos)?;
    Some(time.and_utc())
}

/// Validates the whole body and returns the value spans of the five known fields.
fn scan(s: &mut Scanner<'_>) -> Result<[Option<Range<usize>>; 5], Error> {
    let body = s.bytes();
    if body.starts_with(b"\xEF\xBB\xBF") {
        return Err(Error::malformed(
            "body starts with a UTF-8 byte order mark; JSON deliveries never carry one",
        ));
    }
    s.skip_ws();
    match s.peek() {
        Some(b'{') => {}
        None => return Err(Error::malformed("body is empty")),
        Some(b'[') => return Err(Error::malformed("body is a JSON array, not an object")),
        Some(_) => return Err(Error::malformed("body is not a JSON object")),
    }
    let mut spans: [Option<Range<usize>>; 5] = Default::default();
    object_fields(s, &mut spans).map_err(|e| match e {
        // Strings are checked for UTF-8 as they are scanned and JSON outside strings is
        // ASCII, so a body that is not UTF-8 always fails somewhere: name the real cause.
        Scanned::Syntax(e) => match std::str::from_utf8(body) {
            Err(bad) => Error::malformed(format!(
                "body is not UTF-8 (invalid byte at offset {})",
                bad.valid_up_to()
            )),
            Ok(_) => Error::malformed(format!("{} at byte {}", e.what, e.offset)),
        },
        Scanned::Duplicate(name) => Error::malformed(format!(
            "top-level field {:?} appears more than once",
            String::from_utf8_lossy(&name)
        )),
    })?;
    s.skip_ws();
    if s.peek().is_some() {
        return Err(Error::malformed(format!(
            "unexpected data after the JSON object at byte {}",
            s.pos()
        )));
    }
    Ok(spans)
}

enum Scanned {
    Syntax(SyntaxError),
    Duplicate(Vec<u8>),
}

fn object_fields(
    s: &mut Scanner<'_>,
    spans: &mut [Option<Range<usize>>; 5],
) -> Result<(), Scanned> {
    let body = s.bytes();
    // Unknown top-level keys; the known ones are tracked by their spans.
    let mut seen = ObjectKeys::new(body);
    let syntax = |s: &mut Scanner<'_>| Scanned::Syntax(s.take_error());
    s.expect(b'{', "'{' expected").map_err(|_| syntax(s))?;
    s.skip_ws();
    if s.peek() == Some(b'}') {
        return s.expect(b'}', "'}' expected").map_err(|_| syntax(s));
    }
    loop {
        s.skip_ws();
        if s.peek() != Some(b'"') {
            let _ = s.fail::<()>("object key expected");
            return Err(syntax(s));
        }
        let key = s.string().map_err(|_| syntax(s))?;
        s.expect(b':', "':' expected").map_err(|_| syntax(s))?;
        let value = s.value(1).map_err(|_| syntax(s))?;
        let name = key_bytes(body, &key);
        match FIELDS.iter().position(|f| f.as_bytes() == &*name) {
            Some(i) if spans[i].is_some() => return Err(Scanned::Duplicate(name.into_owned())),
            Some(i) => spans[i] = Some(value),
            None if !seen.insert(&key) => return Err(Scanned::Duplicate(name.into_owned())),
            None => {}
        }
        match s.expect(b',', "',' or '}' expected") {
            Ok(()) => {}
            Err(_) if s.peek() == Some(b'}') => {
                s.take_error();
                s.expect(b'}', "'}' expected").map_err(|_| syntax(s))?;
                return Ok(());
            }
            Err(_) => return Err(syntax(s)),
        }
    }
}

/// The decoded text of a validated string token.
fn key_text<'b>(body: &'b [u8], token: &StrToken) -> Cow<'b, str> {
    let raw = &body[token.span.clone()];
    if token.escaped {
        Cow::Owned(unescape(raw))
    } else {
        Cow::Borrowed(std::str::from_utf8(&raw[1..raw.len() - 1]).unwrap_or_default())
    }
}

/// The text of a string-typed field, or `invalid_field` naming its actual type.
fn string_field<'b>(raw: &'b [u8], field: &'static str) -> Result<Cow<'b, str>, Error> {
    if raw.first() != Some(&b'"') {
        return Err(Error::invalid(
            field,
            format!("must be a string, found {}", kind(raw)),
        ));
    }
    let escaped = raw.contains(&b'\\');
    Ok(key_text(
        raw,
        &StrToken {
            span: 0..raw.len(),
            escaped,
        },
    ))
}

fn client_id(raw: &[u8]) -> Result<u64, Error> {
    let all_digits = !raw.is_empty() && raw.iter().all(u8::is_ascii_digit);
    if !all_digits {
        let detail = match raw.first() {
            Some(b'-') if raw.iter().skip(1).all(u8::is_ascii_digit) => {
                "must not be negative".to_string()
            }
            Some(b'-' | b'0'..=b'9') => {
                "must be a whole number without fraction or exponent".into()
            }
            Some(b'"') => "must be a JSON integer, not a string".into(),
            _ => format!("must be an integer, found {}", kind(raw)),
        };
        return Err(Error::invalid("clientId", detail));
    }
    let too_large = || {
        Error::invalid(
            "clientId",
            format!("must be at most 2^53-1 ({MAX_CLIENT_ID})"),
        )
    };
    let text = std::str::from_utf8(raw).map_err(|_| too_large())?;
    match text.parse::<u64>() {
        Ok(id) if id <= MAX_CLIENT_ID => Ok(id),
        _ => Err(too_large()),
    }
}

fn kind(raw: &[u8]) -> &'static str {
    match raw.first() {
        Some(b'"') => "a string",
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

const _: () = assert!(MAX_DEPTH >= 2);

#[cfg(test)]
mod tests {
    use super::*;

    fn code(body: &str) -> &'static str {
        match parse(body.as_bytes()) {
            Ok(_) => "ok",
            Err(f) => f.error.code(),
        }
    }

    const GOOD: &str = r#"{"type":"contact.contact_updated","message":{"contact":{"id":1}},"clientId":12345678,"messageId":"m-1","timestamp":"2024-02-25T23:30:38.056Z"}"#;

    #[test]
    fn parses_a_good_envelope() {
        let env = parse(GOOD.as_bytes())
            .map_err(|f| f.error)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(env.event_type.as_str(), "contact.contact_updated");
        assert_eq!(env.client_id, 12345678);
        assert_eq!(&GOOD[env.message.clone()], r#"{"contact":{"id":1}}"#);
    }

    #[test]
    fn field_errors() {
        assert_eq!(
            code(&GOOD.replace("12345678", "\"12345678\"")),
            "invalid_field"
        );
        assert_eq!(code(&GOOD.replace("12345678", "-1")), "invalid_field");
        assert_eq!(code(&GOOD.replace("12345678", "1.0")), "invalid_field");
        assert_eq!(
            code(&GOOD.replace("12345678", "9007199254740992")),
            "invalid_field"
        );
        assert_eq!(code(&GOOD.replace("12345678", "9007199254740991")), "ok");
        assert_eq!(code(&GOOD.replace("\"m-1\"", "null")), "invalid_field");
        assert_eq!(
            code(&GOOD.replace("\"message\"", "\"msg\"")),
            "missing_field"
        );
        assert_eq!(code(&GOOD.replace(r#"{"contact":{"id":1}}"#, "null")), "ok");
        assert_eq!(
            code(&GOOD.replace("contact.contact_updated", "nodot")),
            "invalid_field"
        );
        assert_eq!(
            code(&GOOD.replace("\"m-1\"", "\"m-1\",\"clientId\":1")),
            "malformed_json"
        );
        assert_eq!(code(&GOOD.replace("\"m-1\"", "\"m\\u002d1\"")), "ok");
        assert_eq!(
            code(&GOOD.replace("\"m-1\"", "\"m-1\",\"x\":1,\"\\u0078\":2")),
            "malformed_json"
        );
    }

    #[test]
    fn fast_timestamps_agree_with_chrono() {
        for text in [
            "2024-02-25T23:30:38.056Z",
            "2024-02-25T23:30:38Z",
            "2024-02-25T23:30:38.1Z",
            "2024-02-25T23:30:38.123456789Z",
            "2024-02-25T23:30:38.1234567891Z",
            "2024-02-30T00:00:00Z",
            "2024-02-25T24:00:00Z",
            "2024-02-25T23:30:60Z",
            "2016-12-31T23:59:60.5Z",
            "2024-02-25t23:30:38z",
            "2024-02-25 23:30:38Z",
            "2024-02-25T23:30:38.Z",
            "2024-02-25T23:30:38+10:00",
            "+024-02-25T23:30:38Z",
            "2024-2-25T23:30:38Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999Z",
        ] {
            let chrono = DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&Utc))
                .ok();
            assert_eq!(parse_timestamp(text).ok(), chrono, "{text}");
            if let Some(fast) = fast_timestamp(text.as_bytes()) {
                assert_eq!(Some(fast), chrono, "{text}");
            }
        }
    }

    #[test]
    fn many_unknown_fields_still_catch_duplicates() {
        let mut body = GOOD.trim_end_matches('}').to_string();
        for i in 0..200 {
            body.push_str(&format!(",\"f{i}\":{i}"));
        }
        assert_eq!(code(&(body.clone() + "}")), "ok");
        assert_eq!(code(&(body + ",\"f150\":1}")), "malformed_json");
    }

    #[test]
    fn client_id_survives_a_later_field_error() {
        let body = GOOD.replace("\"m-1\"", "7");
        let failure = parse(body.as_bytes()).err();
        assert_eq!(failure.and_then(|f| f.client_id), Some(12345678));
    }
}
