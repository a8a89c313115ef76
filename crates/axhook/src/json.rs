//! A strict, validating JSON scanner that finds the envelope's fields without building the
//! message.
//!
//! It accepts exactly RFC 8259 JSON that `serde_json` can also read back, so that
//! [`Delivery::message`](crate::Delivery::message) never fails on an accepted body: numbers
//! must be finite as `f64`, strings must not hold lone surrogate escapes, and nesting is at
//! most [`MAX_DEPTH`] levels. UTF-8 is checked once for the whole body before scanning.

use std::ops::Range;

/// Deepest nesting of arrays and objects accepted, the envelope object included.
pub const MAX_DEPTH: usize = 128;

/// A syntax error with its byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) offset: usize,
    pub(crate) what: &'static str,
}

type Scan<T> = Result<T, SyntaxError>;

/// A JSON string token: its span including quotes, and whether it holds escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StrToken {
    pub(crate) span: Range<usize>,
    pub(crate) escaped: bool,
}

pub(crate) struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// True when some byte of `word` is `"`, `\` or below 0x20 (exact: never misses one).
#[inline(always)]
fn word_needs_attention(word: u64) -> bool {
    let quote = word ^ (LO * b'"' as u64);
    let backslash = word ^ (LO * b'\\' as u64);
    let has_zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let below_space = word.wrapping_sub(LO * 0x20) & !word & HI;
    (has_zero(quote) | has_zero(backslash) | below_space) != 0
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn error(&self, what: &'static str) -> SyntaxError {
        SyntaxError {
            offset: self.pos,
            what,
        }
    }

    fn err<T>(&self, what: &'static str) -> Scan<T> {
        Err(self.error(what))
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
            self.err(what)
        }
    }

    /// Scans a string starting at the current `"`.
    pub(crate) fn string(&mut self) -> Scan<StrToken> {
        let start = self.pos;
        self.pos += 1;
        let mut escaped = false;
        loop {
            while let Some(chunk) = self.bytes.get(self.pos..self.pos + 8) {
                let word = u64::from_le_bytes([
                    chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
                ]);
                if word_needs_attention(word) {
                    break;
                }
                self.pos += 8;
            }
            match self.peek() {
                None => return self.err("unterminated string"),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(StrToken {
                        span: start..self.pos,
                        escaped,
                    });
                }
                Some(b'\\') => {
                    escaped = true;
                    self.escape()?;
                }
                Some(c) if c < 0x20 => return self.err("control character in string"),
                Some(_) => self.pos += 1,
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
            Some(b'u') => {
                let unit = self.hex4()?;
                match unit {
                    0xD800..=0xDBFF => {
                        if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                            return self.err("lone surrogate escape");
                        }
                        self.pos += 1;
                        match self.hex4()? {
                            0xDC00..=0xDFFF => Ok(()),
                            _ => self.err("lone surrogate escape"),
                        }
                    }
                    0xDC00..=0xDFFF => self.err("lone surrogate escape"),
                    _ => Ok(()),
                }
            }
            _ => self.err("invalid escape in string"),
        }
    }

    /// Reads `u` and four hex digits at the cursor.
    fn hex4(&mut self) -> Scan<u16> {
        let digits = self
            .bytes
            .get(self.pos + 1..self.pos + 5)
            .filter(|d| d.iter().all(u8::is_ascii_hexdigit));
        let Some(digits) = digits else {
            return self.err("invalid \\u escape");
        };
        let unit = digits.iter().fold(0u16, |acc, d| {
            acc << 4 | (*d as char).to_digit(16).unwrap_or(0) as u16
        });
        self.pos += 5;
        Ok(unit)
    }

    /// Scans a number and returns its span.
    pub(crate) fn number(&mut self) -> Scan<Range<usize>> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return self.err("invalid number"),
        }
        let mut plain = true;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            plain = false;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return self.err("invalid number: digit expected after '.'");
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            plain = false;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return self.err("invalid number: digit expected in exponent");
            }
            self.digits();
        }
        let span = start..self.pos;
        // Only long literals or exponents can overflow an f64.
        if !plain || span.len() > 300 {
            let text = std::str::from_utf8(&self.bytes[span.clone()]).unwrap_or("");
            if !text.parse::<f64>().is_ok_and(f64::is_finite) {
                self.pos = start;
                return self.err("number out of range");
            }
        }
        Ok(span)
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
            self.err("invalid literal")
        }
    }

    /// Skips one value (after optional whitespace), validating it; `depth` is the nesting of
    /// the container holding it. Returns the value's span.
    pub(crate) fn value(&mut self, depth: usize) -> Scan<Range<usize>> {
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            Some(b'"') => {
                self.string()?;
            }
            Some(b'{') => self.object(depth + 1)?,
            Some(b'[') => self.array(depth + 1)?,
            Some(b't') => self.literal(b"true")?,
            Some(b'f') => self.literal(b"false")?,
            Some(b'n') => self.literal(b"null")?,
            Some(b'-' | b'0'..=b'9') => {
                self.number()?;
            }
            None => return self.err("unexpected end of input"),
            Some(_) => return self.err("value expected"),
        }
        Ok(start..self.pos)
    }

    fn enter(&self, depth: usize) -> Scan<()> {
        if depth > MAX_DEPTH {
            self.err("nested too deeply")
        } else {
            Ok(())
        }
    }

    fn object(&mut self, depth: usize) -> Scan<()> {
        self.enter(depth)?;
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return self.err("object key expected");
            }
            self.string()?;
            self.expect(b':', "':' expected")?;
            self.value(depth)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return self.err("',' or '}' expected"),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Scan<()> {
        self.enter(depth)?;
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.value(depth)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return self.err("',' or ']' expected"),
            }
        }
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
        ];
        for text in samples {
            let serde = serde_json::from_str::<serde_json::Value>(text).is_ok();
            assert_eq!(accepts(text), serde, "{text}");
        }
    }

    #[test]
    fn depth_is_bounded() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(accepts(&ok));
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(!accepts(&deep));
        let hostile = "[".repeat(100_000);
        assert!(!accepts(&hostile));
    }

    #[test]
    fn word_check_finds_every_special_byte() {
        for special in [b'"', b'\\', 0u8, 0x1f] {
            for at in 0..8 {
                let mut w = [b'a'; 8];
                w[at] = special;
                assert!(word_needs_attention(u64::from_le_bytes(w)));
            }
        }
        assert!(!word_needs_attention(u64::from_le_bytes(
            *b"abc \xc3\xa9~\x7f"
        )));
    }
}
