//! Reading a request body without letting an oversized one through or losing the core's answer.

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;

/// Reads at most `limit` bytes of `body`, stopping there.
///
/// Call it with the verifier's `max_body_bytes() + 1`: a body that reaches the limit is over
/// the verifier's, and the core judges the prefix exactly as it would the whole body (headers
/// first, then `body_too_large`), without the rest ever being buffered.
pub async fn read_body_prefix(body: Body, limit: usize) -> Result<Bytes, axum::Error> {
    let mut body = body;
    let mut first: Option<Bytes> = None;
    let mut buf = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else {
            continue; // trailers
        };
        // The common case, one frame: keep its bytes without copying.
        if first.is_none() && buf.is_empty() {
            first = Some(data);
        } else {
            if let Some(f) = first.take() {
                buf.extend_from_slice(&f);
            }
            buf.extend_from_slice(&data);
        }
        let len = first.as_ref().map_or(buf.len(), Bytes::len);
        if len >= limit {
            break;
        }
    }
    let mut all = match first {
        Some(f) => f,
        None => buf.freeze(),
    };
    all.truncate(limit);
    Ok(all)
}
