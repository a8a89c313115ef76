//! How verification results cross to JS cheaply.
//!
//! Every JS value Node-API creates costs a call, and an array costs one more per element: for a
//! 1 KiB delivery, returning the fields as a JS array cost about as much as the HMAC. So numbers go
//! into a caller-owned `Float64Array` (passed as its bytes), and strings are concatenated into
//! the one JS string a call returns, each preceded in the numbers by its length in UTF-16 units
//! (`-1` for none) so that the JS half slices them apart. The message is not copied at all: its
//! byte range in the body is sent, and JS parses that slice of the body when asked.
//!
//! Inputs ride the same way: before a call, the JS half writes its numbers (header lengths, the
//! clock) into the array, and passes the two header values as one string.
//!
//! Result layouts (numbers, then strings), read by `lib/index.cjs`:
//! - delivery: clientId, timestampMs, messageStart, messageEnd, namespaceLength, eventStart,
//!   messageIsAscii, then the strings type, messageId, keyLabel (or none);
//! - verdict: status, then the strings code, message.

use axhook::Delivery;
use napi::{Error, Result, Status};

/// Slots a call may write; the JS half allocates exactly this many.
pub const SLOTS: usize = 16;

/// Input number `slot`, as the JS half wrote it before the call.
pub fn input(nums: &[u8], slot: usize) -> f64 {
    let at = slot * 8;
    nums.get(at..at + 8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map_or(f64::NAN, f64::from_ne_bytes)
}

/// Splits `text` after its first `units` UTF-16 code units (a JS string length).
pub fn split_utf16(text: &str, units: usize) -> Option<(&str, &str)> {
    if text.is_ascii() {
        return (units <= text.len()).then(|| text.split_at(units));
    }
    let mut seen = 0;
    for (at, c) in text.char_indices() {
        if seen == units {
            return Some(text.split_at(at));
        }
        seen += c.len_utf16();
    }
    (seen == units).then_some((text, ""))
}

/// Whether `nums` can hold [`SLOTS`] numbers.
pub fn check(nums: &[u8]) -> Result<()> {
    if nums.len() < SLOTS * 8 {
        return Err(Error::new(
            Status::InvalidArg,
            format!("the result buffer must hold {SLOTS} numbers"),
        ));
    }
    Ok(())
}

/// A result being written: numbers into the caller's buffer, strings into one `String`.
pub struct Wire<'a> {
    nums: &'a mut [u8],
    slot: usize,
    text: String,
}

impl<'a> Wire<'a> {
    /// A writer over the bytes of the JS half's result `Float64Array` (checked by [`check`]).
    pub fn new(nums: &'a mut [u8]) -> Self {
        Self {
            nums,
            slot: 0,
            // Room for a type, a UUID messageId and a label without growing.
            text: String::with_capacity(128),
        }
    }

    /// Writes the next number (in the platform's byte order, as a `Float64Array` reads it).
    pub fn num(&mut self, value: f64) {
        let at = self.slot * 8;
        if let Some(dst) = self.nums.get_mut(at..at + 8) {
            dst.copy_from_slice(&value.to_ne_bytes());
        }
        self.slot += 1;
    }

    /// Writes a string: its UTF-16 length among the numbers, its text into the string.
    pub fn text(&mut self, s: &str) {
        self.num(utf16_len(s));
        self.text.push_str(s);
    }

    /// Writes an optional string; none is length `-1`.
    pub fn opt_text(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.text(s),
            None => self.num(-1.0),
        }
    }

    /// Writes a verified delivery (see the module's layout).
    pub fn delivery(&mut self, d: &Delivery<'_>) {
        let span = d.message_span();
        // clientId ≤ 2^53 − 1 (the core's rule), so the double is exact.
        self.num(d.client_id() as f64);
        self.num(d.timestamp().timestamp_millis() as f64);
        self.num(span.start as f64);
        self.num(span.end as f64);
        let ty = d.event_type().as_str();
        self.num(utf16_len(d.namespace()));
        self.num(utf16_len(ty) - utf16_len(d.event()));
        // 1 when the message is ASCII: JS then decodes it as Latin-1, its fastest path.
        self.num(f64::from(u8::from(d.message_json().is_ascii())));
        self.text(ty);
        self.text(d.message_id());
        self.opt_text(d.key_label());
    }

    /// Writes a verdict: its status, code and message.
    pub fn verdict(&mut self, code: &str, status: u16, message: &str) {
        self.num(f64::from(status));
        self.text(code);
        self.text(message);
    }

    /// The strings, for the call to return.
    pub fn finish(self) -> String {
        self.text
    }
}

/// The length of `s` in UTF-16 code units: a JS string's `length`.
pub fn utf16_units(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    }
}

fn utf16_len(s: &str) -> f64 {
    utf16_units(s) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_js_string_lengths() {
        assert_eq!(split_utf16("1abc", 1), Some(("1", "abc")));
        assert_eq!(split_utf16("", 0), Some(("", "")));
        assert_eq!(split_utf16("ab", 3), None);
        // "é" is one UTF-16 unit, "😀" two.
        assert_eq!(split_utf16("é😀x", 1), Some(("é", "😀x")));
        assert_eq!(split_utf16("é😀x", 3), Some(("é😀", "x")));
        assert_eq!(split_utf16("é😀x", 4), Some(("é😀x", "")));
        assert_eq!(split_utf16("é😀x", 2), None);
        assert_eq!(utf16_units("é😀x"), 4);
    }

    #[test]
    fn numbers_round_trip_and_overflow_is_dropped() {
        let mut buf = vec![0u8; SLOTS * 8];
        let mut w = Wire::new(&mut buf);
        for i in 0..=SLOTS {
            w.num(i as f64);
        }
        w.opt_text(None);
        w.text("ab");
        assert_eq!(w.finish(), "ab");
        assert_eq!(input(&buf, 3), 3.0);
        assert!(input(&buf, SLOTS).is_nan());
        assert!(check(&buf[..8]).is_err());
    }
}
