//! A message's JSON text as plain Python values (`dict`, `list`, `str`, `int`, `float`, `bool`,
//! `None`): the values `json.loads` gives for the same text, built directly from it.
//!
//! The text is `Delivery::message_json`, which the core has already validated (strict RFC 8259,
//! no lone surrogate escapes, numbers finite as doubles, nesting at most 128 levels), so this
//! is a conversion, not a parser: it trusts the grammar and only refuses, with `ValueError`,
//! text that is not what the core promised.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};

use crate::keys::KeyCache;

/// The JSON value `json` as Python objects.
pub(crate) fn to_python<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyAny>> {
    KeyCache::with(|keys| {
        let mut builder = Builder {
            py,
            text: json,
            pos: 0,
            keys,
            scratch: String::new(),
        };
        let value = builder.value()?;
        builder.skip_ws();
        match builder.pos == json.len() {
            true => Ok(value),
            false => Err(builder.unexpected()),
        }
    })
}

struct Builder<'t, 'k, 'py> {
    py: Python<'py>,
    text: &'t str,
    pos: usize,
    keys: &'k mut KeyCache,
    /// Reused for strings that hold escapes.
    scratch: String,
}

impl<'py> Builder<'_, '_, 'py> {
    fn peek(&self) -> u8 {
        self.text.as_bytes().get(self.pos).copied().unwrap_or(0)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn unexpected(&self) -> PyErr {
        PyValueError::new_err(format!(
            "axhook: the message is not the JSON the core validated (byte {})",
            self.pos
        ))
    }

    fn expect(&mut self, byte: u8) -> PyResult<()> {
        self.skip_ws();
        if self.peek() != byte {
            return Err(self.unexpected());
        }
        self.pos += 1;
        Ok(())
    }

    fn value(&mut self) -> PyResult<Bound<'py, PyAny>> {
        self.skip_ws();
        let py = self.py;
        match self.peek() {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => Ok(self.string(false)?.into_any()),
            b't' => self.literal("true", PyBool::new(py, true).to_owned().into_any()),
            b'f' => self.literal("false", PyBool::new(py, false).to_owned().into_any()),
            b'n' => self.literal("null", py.None().into_bound(py)),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(self.unexpected()),
        }
    }

    fn literal(&mut self, word: &str, value: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        match self
            .text
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(word))
        {
            true => {
                self.pos += word.len();
                Ok(value)
            }
            false => Err(self.unexpected()),
        }
    }

    fn object(&mut self) -> PyResult<Bound<'py, PyAny>> {
        self.pos += 1;
        let dict = PyDict::new(self.py);
        self.skip_ws();
        if self.peek() == b'}' {
            self.pos += 1;
            return Ok(dict.into_any());
        }
        loop {
            self.skip_ws();
            if self.peek() != b'"' {
                return Err(self.unexpected());
            }
            let key = self.string(true)?;
            self.expect(b':')?;
            let value = self.value()?;
            dict.set_item(key, value)?;
            self.skip_ws();
            match self.peek() {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Ok(dict.into_any());
                }
                _ => return Err(self.unexpected()),
            }
        }
    }

    fn array(&mut self) -> PyResult<Bound<'py, PyAny>> {
        self.pos += 1;
        let list = PyList::empty(self.py);
        self.skip_ws();
        if self.peek() == b']' {
            self.pos += 1;
            return Ok(list.into_any());
        }
        loop {
            list.append(self.value()?)?;
            self.skip_ws();
            match self.peek() {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Ok(list.into_any());
                }
                _ => return Err(self.unexpected()),
            }
        }
    }

    /// A string token at `pos` (on its opening quote). Object keys go through the key cache.
    fn string(&mut self, key: bool) -> PyResult<Bound<'py, PyString>> {
        let start = self.pos + 1;
        let bytes = self.text.as_bytes();
        let end = quote_or_backslash(bytes, start);
        if end >= bytes.len() {
            return Err(self.unexpected());
        }
        if bytes[end] == b'"' {
            // Quotes are ASCII, so both ends are character boundaries.
            let text = &self.text[start..end];
            self.pos = end + 1;
            return Ok(match key {
                true => self.keys.get(self.py, text),
                false => PyString::new(self.py, text),
            });
        }
        self.pos = start;
        self.unescape()?;
        Ok(PyString::new(self.py, &self.scratch))
    }

    /// Decodes the rest of a string that holds escapes into `scratch`; `pos` ends after the
    /// closing quote.
    fn unescape(&mut self) -> PyResult<()> {
        self.scratch.clear();
        loop {
            let rest = &self.text[self.pos..];
            let run = quote_or_backslash(rest.as_bytes(), 0);
            if run >= rest.len() {
                return Err(self.unexpected());
            }
            self.scratch.push_str(&rest[..run]);
            self.pos += run + 1;
            if rest.as_bytes()[run] == b'"' {
                return Ok(());
            }
            let escaped = match self.peek() {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let unit = self.hex4(self.pos + 1)?;
                    self.pos += 4;
                    let code = match unit {
                        0xD800..=0xDBFF
                            if self
                                .text
                                .get(self.pos + 1..)
                                .is_some_and(|rest| rest.starts_with("\\u")) =>
                        {
                            let low = self.hex4(self.pos + 3)?;
                            if !(0xDC00..=0xDFFF).contains(&low) {
                                return Err(self.unexpected());
                            }
                            self.pos += 6;
                            0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                        }
                        _ => unit,
                    };
                    char::from_u32(code).ok_or_else(|| self.unexpected())?
                }
                _ => return Err(self.unexpected()),
            };
            self.scratch.push(escaped);
            self.pos += 1;
        }
    }

    fn hex4(&self, at: usize) -> PyResult<u32> {
        self.text
            .get(at..at + 4)
            .and_then(|digits| u32::from_str_radix(digits, 16).ok())
            .ok_or_else(|| self.unexpected())
    }

    fn number(&mut self) -> PyResult<Bound<'py, PyAny>> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let mut float = false;
        while let Some(&c) = bytes.get(self.pos) {
            match c {
                b'0'..=b'9' | b'-' | b'+' => {}
                b'.' | b'e' | b'E' => float = true,
                _ => break,
            }
            self.pos += 1;
        }
        let text = &self.text[start..self.pos];
        let py = self.py;
        if float {
            let value: f64 = text.parse().map_err(|_| self.unexpected())?;
            return Ok(PyFloat::new(py, value).into_any());
        }
        match text.parse::<i64>() {
            Ok(value) => Ok(value.into_pyobject(py)?.into_any()),
            // Beyond 64 bits: Python's own int() keeps every digit, as json.loads does.
            Err(_) => py.get_type::<PyInt>().call1((text,)),
        }
    }
}

/// The index of the first `"` or `\\` in `bytes` from `from` on (`bytes.len()` when none),
/// eight bytes at a time.
fn quote_or_backslash(bytes: &[u8], from: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while i + 8 <= bytes.len() {
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(&bytes[i..i + 8]);
        let word = u64::from_le_bytes(chunk);
        let (quote, backslash) = (
            word ^ (LO * u64::from(b'"')),
            word ^ (LO * u64::from(b'\\')),
        );
        // The lowest byte that is zero in either sets the lowest flag exactly.
        let found =
            (quote.wrapping_sub(LO) & !quote | backslash.wrapping_sub(LO) & !backslash) & HI;
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\\' {
        i += 1;
    }
    i
}
