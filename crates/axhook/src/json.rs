//! A strict, validating JSON scanner that finds the envelope's fields without building the
//! message.
//!
//! It accepts exactly RFC 8259 JSON that `serde_json` can also read back, so that
//! [`Delivery::message`](crate::Delivery::message) never fails on an accepted body: numbers
//! must be finite as `f64`, strings must not hold lone surrogate escapes, and nesting is at
//! most [`MAX_DEPTH`] levels. UTF-8 is checked inside strings as they are scanned (outside them,
//! JSON is ASCII).
//!
//! The scanner can also carry the HMAC of the body and feed it as it goes: SHA-256 rounds are
//! one long dependency chain, so the CPU runs the scanning beside them instead of after them.

use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::Range;

use hmac::Mac;

use crate::verifier::HmacSha256;

/// Deepest nesting of arrays and objects accepted, the envelope object included.
pub const MAX_DEPTH: usize = 128;

/// A syntax error with its byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) offset: usize,
    pub(crate) what: &'static str,
}

/// A failed scan; the details wait in [`Scanner::take_error`]. Zero-sized, so that results
/// stay in registers on the hot path.
#[derive(Debug)]
pub(crate) struct Fail;

pub(crate) type Scan<T> = Result<T, Fail>;

/// A JSON string token: its span including quotes, and whether it holds escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StrToken {
    pub(crate) span: Range<usize>,
    pub(crate) escaped: bool,
}

pub(crate) struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    error: Option<SyntaxError>,
    /// The MAC being fed alongside, its bytes fed so far, and when to feed it next.
    mac: Option<&'a mut HmacSha256>,
    fed: usize,
    next_feed: usize,
}

/// How far the scan runs ahead of the MAC before feeding it whole 64-byte blocks.
const FEED_EVERY: usize = 64;

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// A mask whose lowest set bit marks the first byte of `word` (little-endian) that is `"`,
/// `\`, below 0x20 or not ASCII; zero when there is none. Bits above the lowest may be spurious
/// (borrows), so only the lowest is used.
#[inline(always)]
fn attention(word: u64) -> u64 {
    let has_zero = |x: u64| x.wrapping_sub(LO) & !x;
    (has_zero(word ^ (LO * b'"' as u64))
        | has_zero(word ^ (LO * b'\\' as u64))
        | word.wrapping_sub(LO * 0x20)
        | word)
        & HI
}

/// The digits of 2^1024 − 2^970: the smallest magnitude that rounds to infinity as an f64
/// (half an ulp above the largest finite double; the tie rounds to even, which is infinity).
const F64_OVERFLOW: &[u8; 309] = b"179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";

/// Whether a validated JSON number literal overflows an f64, decided on its digits alone (no
/// float parsing, which would pull a large routine into the WebAssembly build).
fn overflows_f64(number: &[u8]) -> bool {
    let number = number.strip_prefix(b"-").unwrap_or(number);
    let (mantissa, exponent) = match number.iter().position(|b| matches!(b, b'e' | b'E')) {
        Some(e) => (&number[..e], &number[e + 1..]),
        None => (number, &b""[..]),
    };
    let (int, frac) = match mantissa.iter().position(|b| *b == b'.') {
        Some(dot) => (&mantissa[..dot], &mantissa[dot + 1..]),
        None => (mantissa, &b""[..]),
    };
    // The exponent, saturated far beyond any that matters.
    let (negative, digits) = match exponent.first() {
        Some(b'-') => (true, &exponent[1..]),
        Some(b'+') => (false, &exponent[1..]),
        _ => (false, exponent),
    };
    let magnitude = digits
        .iter()
        .fold(0i64, |acc, d| (acc * 10 + i64::from(d - b'0')).min(1 << 40));
    let exp = if negative { -magnitude } else { magnitude };
    // value = 0.<significant digits> × 10^point
    let all = int.iter().chain(frac.iter());
    let leading = all.clone().take_while(|d| **d == b'0').count();
    let mut significant = all.skip(leading).peekable();
    if significant.peek().is_none() {
        return false; // zero
    }
    let point = int.len() as i64 - leading as i64 + exp;
    match point.cmp(&(F64_OVERFLOW.len() as i64)) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => {
            // Same number of integer digits as the threshold: compare digit by digit.
            let mut threshold = F64_OVERFLOW.iter();
            loop {
                match (significant.next(), threshold.next()) {
                    (Some(d), Some(t)) if d != t => return d > t,
                    (Some(_), Some(_)) => {}
                    // Equal so far and the threshold has digits left: only zeros would follow
                    // in it if the number had stopped, so the number is smaller...
                    (None, Some(_)) => return threshold.all(|t| *t == b'0'),
                    // ...and a number with more digits than the threshold is at least it.
                    (_, None) => return true,
                }
            }
        }
    }
}

/// The text of a string token (quotes included) that the scanner validated: escapes are
/// well-formed and surrogates paired, so decoding cannot fail.
pub(crate) fn unescape(token: &[u8]) -> String {
    let inner = token
        .get(1..token.len().saturating_sub(1))
        .unwrap_or_default();
    let mut out = Vec::with_capacity(inner.len());
    let mut rest = inner;
    let hex = |digits: &[u8]| -> u32 {
        digits.iter().fold(0, |acc, d| {
            acc << 4 | (*d as char).to_digit(16).unwrap_or(0)
        })
    };
    while let Some(at) = rest.iter().position(|b| *b == b'\\') {
        out.extend_from_slice(&rest[..at]);
        let escape = &rest[at + 1..];
        let (c, used) = match escape.first() {
            Some(b'b') => ('\u{8}', 1),
            Some(b'f') => ('\u{c}', 1),
            Some(b'n') => ('\n', 1),
            Some(b'r') => ('\r', 1),
            Some(b't') => ('\t', 1),
            Some(b'u') if escape.len() >= 5 => {
                let unit = hex(&escape[1..5]);
                if (0xD800..0xDC00).contains(&unit) && escape.len() >= 11 {
                    let low = hex(&escape[7..11]);
                    let c = 0x10000 + ((unit - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF);
                    (char::from_u32(c).unwrap_or('\u{FFFD}'), 11)
                } else {
                    (char::from_u32(unit).unwrap_or('\u{FFFD}'), 5)
                }
            }
            Some(other) => (*other as char, 1), // '"', '\\', '/'
            None => break,
        };
        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        rest = escape.get(used..).unwrap_or_default();
    }
    out.extend_from_slice(rest);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            pos: 0,
            error: None,
            mac: None,
            fed: 0,
            next_feed: usize::MAX,
        }
    }

    /// A scanner that feeds `mac` with the bytes it has scanned.
    pub(crate) fn with_mac(bytes: &'a [u8], mac: &'a mut HmacSha256) -> Self {
        Self {
            mac: Some(mac),
            next_feed: FEED_EVERY,
            ..Self::new(bytes)
        }
    }

    #[inline(always)]
    fn maybe_feed(&mut self) {
        if self.pos >= self.next_feed {
            self.feed();
        }
    }

    #[inline(never)]
    fn feed(&mut self) {
        let end = self.pos & !63;
        if let Some(mac) = &mut self.mac {
            mac.update(&self.bytes[self.fed..end]);
        }
        self.fed = end;
        self.next_feed = end + FEED_EVERY;
    }

    /// Feeds the MAC the rest of the body, wherever the scan stopped.
    pub(crate) fn finish_mac(&mut self) {
        if let Some(mac) = self.mac.take() {
            mac.update(&self.bytes[self.fed..]);
        }
    }

    pub(crate) fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Records a syntax error at the cursor.
    #[cold]
    pub(crate) fn fail<T>(&mut self, what: &'static str) -> Scan<T> {
        self.error = Some(SyntaxError {
            offset: self.pos,
            what,
        });
        Err(Fail)
    }

    /// The error recorded by the last failure.
    pub(crate) fn take_error(&mut self) -> SyntaxError {
        self.error.take().unwrap_or(SyntaxError {
            offset: self.pos,
            what: "invalid JSON",
        })
    }

    #[inline(always)]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    #[inline(always)]
    pub(crate) fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos += 1;
        }
    }

    /// Consumes `byte` after optional whitespace.
    #[inline(always)]
    pub(crate) fn expect(&mut self, byte: u8, what: &'static str) -> Scan<()> {
        self.skip_ws();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            self.fail(what)
        }
    }

    /// Scans a string starting at the current `"`.
    #[inline(always)]
    pub(crate) fn string(&mut self) -> Scan<StrToken> {
        let start = self.pos;
        let escaped = self.skip_string()?;
        Ok(StrToken {
            span: start..self.pos,
            escaped,
        })
    }

    /// Skips a string starting at the current `"`, validating escapes and UTF-8; returns
    /// whether it held escapes.
    fn skip_string(&mut self) -> Scan<bool> {
        self.pos += 1;
        let mut escaped = false;
        loop {
            // Eight plain bytes at a time; stop at the first byte that needs a look.
            while let Some(chunk) = self.bytes.get(self.pos..self.pos + 8) {
                let mut word = [0u8; 8];
                word.copy_from_slice(chunk);
                let mask = attention(u64::from_le_bytes(word));
                if mask != 0 {
                    let at = (mask.trailing_zeros() / 8) as usize;
                    self.pos += at;
                    if word[at] == b'"' {
                        self.pos += 1;
                        return Ok(escaped);
                    }
                    break;
                }
                self.pos += 8;
            }
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(escaped);
                }
                Some(b'\\') => {
                    escaped = true;
                    self.escape()?;
                }
                Some(c) if c >= 0x80 => self.utf8_run()?,
                Some(c) if c < 0x20 => return self.fail("control character in string"),
                Some(_) => self.pos += 1,
                None => return self.fail("unterminated string"),
            }
        }
    }

    /// Validates a run of non-ASCII bytes: in valid UTF-8 such a run is whole characters.
    #[cold]
    fn utf8_run(&mut self) -> Scan<()> {
        let rest = &self.bytes[self.pos..];
        let run = rest.iter().position(|b| *b < 0x80).unwrap_or(rest.len());
        match std::str::from_utf8(&rest[..run]) {
            Ok(_) => {
                self.pos += run;
                Ok(())
            }
            Err(e) => {
                self.pos += e.valid_up_to();
                self.fail("invalid UTF-8")
            }
        }
    }

    fn escape(&mut self) -> Scan<()> {
        self.pos += 1;
        match self.peek() {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.pos += 1;
                Ok(())
            }
            Some(b'u') => match self.hex4()? {
                0xD800..=0xDBFF => {
                    if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                        return self.fail("lone surrogate escape");
                    }
                    self.pos += 1;
                    match self.hex4()? {
                        0xDC00..=0xDFFF => Ok(()),
                        _ => self.fail("lone surrogate escape"),
                    }
                }
                0xDC00..=0xDFFF => self.fail("lone surrogate escape"),
                _ => Ok(()),
            },
            _ => self.fail("invalid escape in string"),
        }
    }

    /// Reads `u` and four hex digits at the cursor.
    fn hex4(&mut self) -> Scan<u16> {
        let digits = self
            .bytes
            .get(self.pos + 1..self.pos + 5)
            .filter(|d| d.iter().all(u8::is_ascii_hexdigit));
        let Some(digits) = digits else {
            return self.fail("invalid \\u escape");
        };
        let unit = digits.iter().fold(0u16, |acc, d| {
            acc << 4 | (*d as char).to_digit(16).unwrap_or(0) as u16
        });
        self.pos += 5;
        Ok(unit)
    }

    /// Scans a number at the cursor.
    fn number(&mut self) -> Scan<()> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return self.fail("invalid number"),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return self.fail("invalid number: digit expected after '.'");
            }
            self.digits();
        }
        let mut exponent = false;
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            exponent = true;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return self.fail("invalid number: digit expected in exponent");
            }
            self.digits();
        }
        // Only an exponent or more than 300 digits can overflow an f64.
        if (exponent || self.pos - start > 300) && overflows_f64(&self.bytes[start..self.pos]) {
            self.pos = start;
            return self.fail("number out of range");
        }
        Ok(())
    }

    #[inline(always)]
    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &'static [u8]) -> Scan<()> {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(())
        } else {
            self.fail("invalid literal")
        }
    }

    /// Skips one value (after optional whitespace), validating it, and returns its span.
    /// `depth` is the nesting of the container holding it.
    pub(crate) fn value(&mut self, depth: usize) -> Scan<Range<usize>> {
        self.skip_ws();
        let start = self.pos;
        self.skip_value(depth)?;
        Ok(start..self.pos)
    }

    /// Skips one value iteratively: the kinds of the open containers are bits of a `u128`,
    /// which [`MAX_DEPTH`] keeps large enough.
    fn skip_value(&mut self, depth: usize) -> Scan<()> {
        let mut objects: u128 = 0; // bit i: the container at level i is an object
        let mut level = 0usize;
        let mut keys = ObjectKeys::with_room(self.bytes);
        loop {
            // A value is expected at the cursor.
            self.maybe_feed();
            self.skip_ws();
            match self.peek() {
                Some(b'"') => {
                    self.skip_string()?;
                }
                Some(open @ (b'{' | b'[')) => {
                    if depth + level + 1 > MAX_DEPTH {
                        return self.fail("nested too deeply");
                    }
                    self.pos += 1;
                    self.skip_ws();
                    let is_object = open == b'{';
                    let close = if is_object { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.pos += 1;
                    } else {
                        objects = objects & !(1 << level) | (u128::from(is_object) << level);
                        level += 1;
                        if is_object {
                            keys.open();
                            self.key(&mut keys)?;
                        }
                        continue;
                    }
                }
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(_) => return self.fail("value expected"),
                None => return self.fail("unexpected end of input"),
            }
            // After a value: a separator, or the end of one or more containers.
            loop {
                if level == 0 {
                    return Ok(());
                }
                let in_object = objects >> (level - 1) & 1 == 1;
                self.skip_ws();
                match (self.peek(), in_object) {
                    (Some(b','), _) => {
                        self.pos += 1;
                        if in_object {
                            self.key(&mut keys)?;
                        }
                        break;
                    }
                    (Some(b'}'), true) => {
                        self.pos += 1;
                        level -= 1;
                        keys.close();
                    }
                    (Some(b']'), false) => {
                        self.pos += 1;
                        level -= 1;
                    }
                    (_, true) => return self.fail("',' or '}' expected"),
                    (_, false) => return self.fail("',' or ']' expected"),
                }
            }
        }
    }

    /// An object key and its colon; the key must be new in the innermost open object.
    #[inline(always)]
    fn key(&mut self, keys: &mut ObjectKeys<'a>) -> Scan<()> {
        self.skip_ws();
        if self.peek() != Some(b'"') {
            return self.fail("object key expected");
        }
        let start = self.pos;
        let escaped = self.skip_string()?;
        let token = StrToken {
            span: start..self.pos,
            escaped,
        };
        if !keys.insert(&token) {
            self.pos = start;
            return self.fail("duplicate key in an object");
        }
        self.expect(b':', "':' expected")
    }
}

/// The decoded bytes of a validated key token: borrowed when it holds no escapes.
pub(crate) fn key_bytes<'b>(body: &'b [u8], token: &StrToken) -> Cow<'b, [u8]> {
    let raw = &body[token.span.clone()];
    if token.escaped {
        Cow::Owned(unescape(raw).into_bytes())
    } else {
        Cow::Borrowed(&raw[1..raw.len() - 1])
    }
}

/// The keys of every open object, innermost last: spans into the body in one list for all of
/// them (so that small objects cost no allocation of their own, and most comparisons stop at
/// the length), and a set for each object grown large.
pub(crate) struct ObjectKeys<'b> {
    body: &'b [u8],
    /// A key's bytes without quotes: `start..end` in the body, or for a key with escapes
    /// `usize::MAX` and its index in `decoded`.
    spans: Vec<(usize, usize)>,
    decoded: Vec<Vec<u8>>,
    /// Where each open object's keys start in `spans`.
    starts: Vec<usize>,
    /// Sets of the large open objects, by their index in `starts`.
    sets: Vec<(usize, HashSet<Cow<'b, [u8]>>)>,
}

impl<'b> ObjectKeys<'b> {
    /// Keys of objects in `body`; with no object open, `insert` records keys of one
    /// implicit object (the envelope's unknown keys), allocating only when there is one.
    pub(crate) fn new(body: &'b [u8]) -> Self {
        Self {
            body,
            spans: Vec::new(),
            decoded: Vec::new(),
            starts: Vec::new(),
            sets: Vec::new(),
        }
    }

    /// The same, with room reserved for the keys of a typical message.
    fn with_room(body: &'b [u8]) -> Self {
        Self {
            spans: Vec::with_capacity(32),
            starts: Vec::with_capacity(16),
            ..Self::new(body)
        }
    }

    fn open(&mut self) {
        self.starts.push(self.spans.len());
    }

    fn close(&mut self) {
        let index = self.starts.len().saturating_sub(1);
        if let Some(start) = self.starts.pop() {
            self.spans.truncate(start);
        }
        if self.sets.last().is_some_and(|(i, _)| *i == index) {
            self.sets.pop();
        }
    }

    #[inline(always)]
    fn bytes(&self, (start, end): (usize, usize)) -> &[u8] {
        match start {
            usize::MAX => self.decoded.get(end).map_or(&[][..], Vec::as_slice),
            _ => &self.body[start..end],
        }
    }

    /// Records a key token in the innermost open object; false when it was already there.
    #[inline(always)]
    pub(crate) fn insert(&mut self, token: &StrToken) -> bool {
        let span = if token.escaped {
            self.decoded
                .push(unescape(&self.body[token.span.clone()]).into_bytes());
            (usize::MAX, self.decoded.len() - 1)
        } else {
            (token.span.start + 1, token.span.end - 1)
        };
        let index = self.starts.len().saturating_sub(1);
        if self.sets.last().is_some_and(|(i, _)| *i == index) {
            let name = match span.0 {
                usize::MAX => Cow::Owned(self.bytes(span).to_vec()),
                _ => Cow::Borrowed(&self.body[span.0..span.1]),
            };
            return self
                .sets
                .last_mut()
                .is_some_and(|(_, set)| set.insert(name));
        }
        let start = self.starts.last().copied().unwrap_or(0);
        let name = self.bytes(span);
        let len = span.1.wrapping_sub(span.0);
        for &other in &self.spans[start..] {
            // Plain keys: the length decides most comparisons without reading the bytes.
            if (other.0 == usize::MAX || span.0 == usize::MAX || other.1 - other.0 == len)
                && self.bytes(other) == name
            {
                return false;
            }
        }
        self.spans.push(span);
        if self.spans.len() - start > 16 {
            let set = self.spans[start..]
                .iter()
                .map(|&sp| match sp.0 {
                    usize::MAX => Cow::Owned(self.bytes(sp).to_vec()),
                    _ => Cow::Borrowed(&self.body[sp.0..sp.1]),
                })
                .collect();
            self.spans.truncate(start);
            self.sets.push((index, set));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(text: &str) -> bool {
        let mut s = Scanner::new(text.as_bytes());
        let ok = s.value(0).is_ok();
        s.skip_ws();
        ok && s.pos() == text.len()
    }

    #[test]
    fn duplicate_keys_are_refused_at_every_depth() {
        let refused = [
            r#"{"a":1,"a":2}"#,
            r#"{"a":{"b":1,"b":2}}"#,
            r#"[{"x":[{"b":1,"c":{},"b":2}]}]"#,
            r#"{"a":1,"\u0061":2}"#,
            r#"{"é":1,"\u00e9":2}"#,
        ];
        for text in refused {
            let mut s = Scanner::new(text.as_bytes());
            assert!(s.value(0).is_err(), "{text}");
            assert_eq!(s.take_error().what, "duplicate key in an object", "{text}");
        }
        let accepted = [
            r#"{"a":{"b":1},"c":{"b":2}}"#,
            r#"[{"a":1},{"a":1}]"#,
            r#"{"a":{"a":{"a":1}}}"#,
            r#"{"a":1,"A":2,"a ":3}"#,
        ];
        for text in accepted {
            assert!(accepts(text), "{text}");
        }
    }

    #[test]
    fn duplicate_keys_in_large_objects_stay_linear() {
        // 100,000 distinct keys, with nested objects among them, then a repeat of the first.
        let mut text = String::from("{");
        for i in 0..100_000 {
            text.push_str(&format!("\"k{i}\":{{\"k{i}\":1,\"x\":2}},"));
        }
        let distinct = format!("{}\"end\":0}}", text);
        assert!(accepts(&distinct));
        let repeated = format!("{}\"k0\":0}}", text);
        assert!(!accepts(&repeated));
    }

    #[test]
    fn agrees_with_serde_json_on_samples() {
        let samples = [
            "0",
            "-0",
            "01",
            "1.",
            ".5",
            "1e5",
            "1E+5",
            "1e",
            "-",
            "1e400",
            "-1e400",
            "1e-400",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "\"a\"",
            "\"\\u00e9\"",
            "\"\\ud83d\\ude00\"",
            "\"\\ud83d\"",
            "\"\\ude00\"",
            "\"\\x\"",
            "\"\t\"",
            "[1,]",
            "[1 2]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{1:2}",
            "[]",
            "{}",
            "tru",
            "true",
            "null",
            "[[[]]]",
            "{\"a\":[1,{\"b\":null}]}",
            "\"\\uD834\\uDD1E\"",
            "\"abcdefghijklmnop\\\"qrstuvwxyz\"",
            "12345678901234567890",
            "[}",
            "{]",
            "[{]}",
            "{\"a\":{\"b\":[1,[2,{}]],\"c\":\"d\"},\"e\":[]}",
            "{\"a\":1 , \"b\" : [ 2 , 3 ] }",
            "[1,{\"a\":[{}]},[[],[{}]]]",
            "{\"a\":}",
            "{\"a\",1}",
            "[,1]",
            "{,}",
            "\"é\"",
        ];
        for text in samples {
            let serde = serde_json::from_str::<serde_json::Value>(text).is_ok();
            assert_eq!(accepts(text), serde, "{text}");
        }
    }

    #[test]
    fn unescape_agrees_with_serde_json() {
        for text in [
            r#""plain""#,
            r#""a\"b""#,
            r#""\\\/\b\f\n\r\t""#,
            r#""\u00e9\u4e2d""#,
            r#""\ud83d\ude00 x \uD834\uDD1E""#,
            r#""é 中 \u0000 end""#,
            r#""\\u0041""#,
            r#""""#,
        ] {
            let expected: String = serde_json::from_str(text).unwrap_or_default();
            assert_eq!(unescape(text.as_bytes()), expected, "{text}");
        }
    }

    #[test]
    fn overflow_agrees_with_float_parsing() {
        let threshold = std::str::from_utf8(F64_OVERFLOW).unwrap_or_default();
        let below = format!("{}1", &threshold[..308]);
        let mut cases: Vec<String> = [
            "1e308", "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
            "2e308", "1e309", "-1e309", "1e-400", "0e999999999999", "0.0e400", "00", "1e+308",
            "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791e0",
            "0.00017976931348623158e312", "17976931348623158e292", "17976931348623157e292",
            "1e99999999999999999999999", "1e-99999999999999999999",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        cases.push(threshold.to_string());
        cases.push(below.clone());
        cases.push(format!("{threshold}.0000001"));
        cases.push(format!("{below}.9999"));
        cases.push(format!("0.{threshold}e309"));
        for text in cases {
            let expected = text.parse::<f64>().is_ok_and(f64::is_infinite);
            assert_eq!(overflows_f64(text.as_bytes()), expected, "{text}");
        }
    }

    #[test]
    fn invalid_utf8_inside_strings_is_refused() {
        for bytes in [
            &b"\"\xff\""[..],
            b"\"\xc3\"",
            b"\"\xed\xa0\x80\"",
            b"\"ok\xe2\x82\"",
        ] {
            let mut s = Scanner::new(bytes);
            assert!(s.value(0).is_err(), "{bytes:?}");
            assert_eq!(s.take_error().what, "invalid UTF-8");
        }
    }

    #[test]
    fn depth_is_bounded() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(accepts(&ok));
        let mixed = "[{\"a\":".repeat(MAX_DEPTH / 2) + "1" + &"}]".repeat(MAX_DEPTH / 2);
        assert!(accepts(&mixed));
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(!accepts(&deep));
        let hostile = "[".repeat(100_000);
        assert!(!accepts(&hostile));
    }

    #[test]
    fn attention_finds_the_first_special_byte() {
        for special in [b'"', b'\\', 0u8, 0x1f, 0x80, 0xff] {
            for at in 0..8 {
                for filler in [b'a', 0x01, b'"', 0xc3] {
                    let mut w = [b'a'; 8];
                    w[at] = special;
                    for b in &mut w[at + 1..] {
                        *b = filler;
                    }
                    let mask = attention(u64::from_le_bytes(w));
                    assert_eq!(mask.trailing_zeros() / 8, at as u32, "{w:?}");
                }
            }
        }
        assert_eq!(attention(u64::from_le_bytes(*b"abc ~!\x7f ")), 0);
    }

    #[test]
    fn the_mac_sees_every_byte() {
        let body = br#"{"a":[1,2,3,{"b":"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"}],"d":"e"}"#.repeat(3);
        let key = <HmacSha256 as Mac>::new_from_slice(b"k").unwrap_or_else(|_| unreachable!());
        // Whether the scan completes or stops early, the MAC ends up fed with every byte.
        for body in [body.clone(), [&body[..100], b"!", &body[101..]].concat()] {
            let mut whole = key.clone();
            whole.update(&body);
            let mut mac = key.clone();
            let mut s = Scanner::with_mac(&body, &mut mac);
            let _ = s.value(0);
            s.finish_mac();
            assert_eq!(mac.finalize().into_bytes(), whole.finalize().into_bytes());
        }
    }
}
