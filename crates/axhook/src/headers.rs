//! Case-insensitive header lookup over the header collections Rust code holds, and the parsing
//! of the two signature headers.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use crate::error::Error;

/// Name of the header that carries the signature version.
pub const VERSION_HEADER: &str = "Ax-Signature-Version";
/// Name of the header that carries the hex HMAC-SHA256 signature.
pub const SIGNATURE_HEADER: &str = "Ax-Signature";

/// What a header collection holds under one name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// The header is absent.
    Absent,
    /// The header appears once, with this value.
    One(&'a [u8]),
    /// The header appears more than once.
    Many,
}

impl<'a> Lookup<'a> {
    /// Folds one more occurrence into the lookup.
    pub fn and(self, value: &'a [u8]) -> Self {
        match self {
            Lookup::Absent => Lookup::One(value),
            _ => Lookup::Many,
        }
    }
}

/// A header collection the verifier can read: names are matched case-insensitively and every
/// occurrence of a name is seen, so that a repeated signature header is caught.
///
/// Implemented for slices, arrays and vectors of `(name, value)` pairs, `HashMap`, `BTreeMap`
/// and, with the `http` feature, `http::HeaderMap`.
pub trait Headers {
    /// Every occurrence of `name` (ASCII, any case).
    fn lookup(&self, name: &str) -> Lookup<'_>;
}

fn scan<'a, K, V>(pairs: impl IntoIterator<Item = (&'a K, &'a V)>, name: &str) -> Lookup<'a>
where
    K: AsRef<str> + ?Sized + 'a,
    V: AsRef<[u8]> + ?Sized + 'a,
{
    pairs
        .into_iter()
        .filter(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
        .fold(Lookup::Absent, |acc, (_, v)| acc.and(v.as_ref()))
}

impl<K: AsRef<str>, V: AsRef<[u8]>> Headers for [(K, V)] {
    fn lookup(&self, name: &str) -> Lookup<'_> {
        scan(self.iter().map(|(k, v)| (k, v)), name)
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>, const N: usize> Headers for [(K, V); N] {
    fn lookup(&self, name: &str) -> Lookup<'_> {
        self.as_slice().lookup(name)
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>> Headers for Vec<(K, V)> {
    fn lookup(&self, name: &str) -> Lookup<'_> {
        self.as_slice().lookup(name)
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>, S: BuildHasher> Headers for HashMap<K, V, S> {
    fn lookup(&self, name: &str) -> Lookup<'_> {
        scan(self.iter(), name)
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>> Headers for BTreeMap<K, V> {
    fn lookup(&self, name: &str) -> Lookup<'_> {
        scan(self.iter(), name)
    }
}

impl<H: Headers + ?Sized> Headers for &H {
    fn lookup(&self, name: &str) -> Lookup<'_> {
        (**self).lookup(name)
    }
}

#[cfg(feature = "http")]
impl Headers for http::HeaderMap {
    fn lookup(&self, name: &str) -> Lookup<'_> {
        self.get_all(name)
            .iter()
            .fold(Lookup::Absent, |acc, v| acc.and(v.as_bytes()))
    }
}

/// The signature version a delivery claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signature {
    /// Version `0`: no signature.
    Unsigned,
    /// Version `1`: the decoded 32-byte HMAC.
    Signed([u8; 32]),
}

/// Reads and checks both signature headers, in the order of the design: duplicates, version,
/// then the signature's presence and format.
pub(crate) fn read_signature<H: Headers + ?Sized>(headers: &H) -> Result<Signature, Error> {
    let version = headers.lookup(VERSION_HEADER);
    let signature = headers.lookup(SIGNATURE_HEADER);
    for (lookup, name) in [(version, VERSION_HEADER), (signature, SIGNATURE_HEADER)] {
        if lookup == Lookup::Many {
            return Err(Error::DuplicateHeader { name });
        }
    }
    let version = match version {
        Lookup::One(v) => v.trim_ascii(),
        _ => return Err(Error::MissingSignatureVersion),
    };
    let signature = match signature {
        Lookup::One(s) => s.trim_ascii(),
        _ => b"",
    };
    match version {
        b"0" if signature.is_empty() => Ok(Signature::Unsigned),
        b"0" => Err(Error::MalformedSignature {
            reason: "version 0 (unsigned) must not carry a signature",
        }),
        b"1" if signature.is_empty() => Err(Error::MissingSignature),
        b"1" => decode_signature(signature).map(Signature::Signed),
        other => Err(Error::UnsupportedSignatureVersion {
            received: printable(other),
        }),
    }
}

/// Hex digit values; 0xFF for every byte that is not a hex digit.
const HEX: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

fn decode_signature(text: &[u8]) -> Result<[u8; 32], Error> {
    let mut out = [0u8; 32];
    if text.len() != 64 {
        return Err(Error::MalformedSignature {
            reason: if text.len() == 44 && text.ends_with(b"=") {
                "expected 64 hex digits; this looks like base64"
            } else if text.starts_with(b"sha256=") {
                "expected 64 hex digits without a \"sha256=\" prefix"
            } else {
                "expected exactly 64 hex digits"
            },
        });
    }
    let mut invalid = 0u8;
    for (byte, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        let (hi, lo) = (HEX[pair[0] as usize], HEX[pair[1] as usize]);
        invalid |= hi | lo;
        *byte = hi << 4 | lo;
    }
    if invalid & 0x80 != 0 {
        return Err(Error::MalformedSignature {
            reason: "expected 64 hex digits; found a character that is not hex",
        });
    }
    Ok(out)
}

/// A short, printable rendering of an untrusted header value for error messages.
fn printable(value: &[u8]) -> String {
    const MAX: usize = 32;
    let text = String::from_utf8_lossy(&value[..value.len().min(MAX)]);
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if value.len() > MAX {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_case_insensitive_and_counts() {
        let h = [("ax-signature", "a"), ("AX-SIGNATURE", "b"), ("x", "y")];
        assert_eq!(h.lookup("Ax-Signature"), Lookup::Many);
        assert_eq!(h.lookup("X"), Lookup::One(b"y"));
        assert_eq!(h.lookup("missing"), Lookup::Absent);
    }

    #[test]
    fn hashmap_with_two_casings_is_a_duplicate() {
        let mut m = HashMap::new();
        m.insert("Ax-Signature-Version".to_string(), "1".to_string());
        m.insert("ax-signature-version".to_string(), "1".to_string());
        assert_eq!(
            read_signature(&m),
            Err(Error::DuplicateHeader {
                name: VERSION_HEADER
            })
        );
    }

    #[test]
    fn version_must_be_exact() {
        for v in ["01", "1.0", "v1", "", "2"] {
            let h = [(VERSION_HEADER, v), (SIGNATURE_HEADER, "")];
            assert_eq!(
                read_signature(&h).map_err(|e| e.code()),
                Err("unsupported_signature_version"),
                "{v}"
            );
        }
    }

    #[cfg(feature = "http")]
    #[test]
    fn header_map_counts_repeats() {
        let mut m = http::HeaderMap::new();
        m.append("ax-signature-version", http::HeaderValue::from_static("0"));
        assert_eq!(read_signature(&m), Ok(Signature::Unsigned));
        m.append("Ax-Signature-Version", http::HeaderValue::from_static("0"));
        assert_eq!(
            read_signature(&m).map_err(|e| e.code()),
            Err("duplicate_header")
        );
    }
}
