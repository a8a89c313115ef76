"""An independent reference verifier for the differential test (issue 9), written with the
standard library's ``hmac``, ``hashlib`` and ``json`` alone (``dataclasses`` and ``typing`` for
shapes; timestamps parsed by hand), from the rules of fixtures/README.md, not from the core:

    headers → body size → signature → JSON envelope → clientId rules → timestamp

It answers ``Accepted`` (the envelope's fields) or ``Refused(code, status)``; where a rule is
too fine to state independently (a leap second within two seconds of an age boundary) it
answers ``Undecided`` and the test compares nothing for that case.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple, Union

STATUS = {
    "missing_signature_version": 401,
    "unsupported_signature_version": 401,
    "unsigned_rejected": 401,
    "missing_signature": 401,
    "malformed_signature": 401,
    "signature_mismatch": 401,
    "no_key_for_client": 401,
    "duplicate_header": 400,
    "body_too_large": 413,
    "malformed_json": 400,
    "missing_field": 400,
    "invalid_field": 400,
    "client_not_allowed": 403,
    "timestamp_too_old": 401,
    "timestamp_in_future": 401,
}

MAX_DEPTH = 128
MAX_CLIENT_ID = 2**53 - 1
NS = 1_000_000_000
# Rust's `trim_ascii`: space, tab, LF, form feed, CR (not vertical tab, unlike bytes.strip()).
ASCII_WS = b" \t\n\x0c\r"
HEX = frozenset(b"0123456789abcdefABCDEF")

HeaderPart = Union[str, bytes]


@dataclass
class Config:
    keys: Dict[str, str] = field(default_factory=dict)
    client_keys: Optional[Dict[int, Dict[str, str]]] = None
    allowed_client_ids: Optional[Set[int]] = None
    allow_unsigned: bool = False
    max_age_seconds: int = 14 * 86400
    max_future_skew_seconds: int = 300
    max_body_bytes: int = 1 << 20


@dataclass(frozen=True)
class Accepted:
    type: str
    client_id: int
    message_id: str
    timestamp_ns: int
    key_label: Optional[str]
    message: Any  # json.loads of the body's "message" value
    leap: bool = False  # the timestamp is a leap second (:60)

    ok = True


@dataclass(frozen=True)
class Refused:
    code: str

    ok = False

    @property
    def status(self) -> int:
        return STATUS[self.code]


@dataclass(frozen=True)
class Undecided:
    reason: str


Verdict = Union[Accepted, Refused, Undecided]


class _Reject(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --- headers ------------------------------------------------------------------------------------


def _as_bytes(part: HeaderPart) -> bytes:
    return part.encode("utf-8") if isinstance(part, str) else bytes(part)


def _find(headers: Sequence[Tuple[HeaderPart, HeaderPart]], name: bytes) -> List[bytes]:
    # bytes.lower() folds ASCII only, like a case-insensitive HTTP header name match.
    return [_as_bytes(v) for k, v in headers if _as_bytes(k).lower() == name]


def _signature_headers(headers: Sequence[Tuple[HeaderPart, HeaderPart]]) -> Optional[bytes]:
    """None for version 0 (unsigned), else the 32-byte signature; raises the header codes."""
    versions = _find(headers, b"ax-signature-version")
    signatures = _find(headers, b"ax-signature")
    if len(versions) > 1 or len(signatures) > 1:
        raise _Reject("duplicate_header")
    if not versions:
        raise _Reject("missing_signature_version")
    version = versions[0].strip(ASCII_WS)
    signature = signatures[0].strip(ASCII_WS) if signatures else b""
    if version == b"0":
        if signature:
            raise _Reject("malformed_signature")
        return None
    if version != b"1":
        raise _Reject("unsupported_signature_version")
    if not signature:
        raise _Reject("missing_signature")
    if len(signature) != 64 or not all(b in HEX for b in signature):
        raise _Reject("malformed_signature")
    return bytes.fromhex(signature.decode("ascii"))


# --- strict JSON --------------------------------------------------------------------------------


class Number:
    """A JSON number literal, kept as written (finite as a double, checked on parse)."""

    __slots__ = ("literal",)

    def __init__(self, literal: str) -> None:
        if float(literal) in (float("inf"), float("-inf")):
            raise ValueError("number beyond a double")
        self.literal = literal


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _pairs(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _max_depth(text: str) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for c in text:
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth -= 1
    return deepest


def _has_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if any(0xD800 <= ord(c) <= 0xDFFF for c in v):
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def strict_json(body: bytes) -> Any:
    """The body as JSON values (objects as dicts, numbers as ``Number``); raises _Reject
    ("malformed_json") for anything the rules refuse."""
    if body.startswith(b"\xef\xbb\xbf"):
        raise _Reject("malformed_json")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _Reject("malformed_json") from None
    if _max_depth(text) > MAX_DEPTH:
        raise _Reject("malformed_json")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_constant=_no_constant,
            parse_int=Number,
            parse_float=Number,
        )
    except (ValueError, RecursionError):
        raise _Reject("malformed_json") from None
    if not isinstance(value, dict) or _has_surrogate(value):
        raise _Reject("malformed_json")
    return value


# --- envelope -----------------------------------------------------------------------------------

_MISSING = object()


def _client_id(value: Any) -> int:
    if value is _MISSING:
        raise _Reject("missing_field")
    if not isinstance(value, Number):
        raise _Reject("invalid_field")
    literal = value.literal
    if not literal.isascii() or not literal.isdigit() or len(literal) > 16:
        raise _Reject("invalid_field")
    number = int(literal)
    if number > MAX_CLIENT_ID:
        raise _Reject("invalid_field")
    return number


def _string(value: Any) -> str:
    if value is _MISSING:
        raise _Reject("missing_field")
    if not isinstance(value, str):
        raise _Reject("invalid_field")
    return value


def _days_from_civil(y: int, m: int, d: int) -> int:
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _days_in_month(y: int, m: int) -> int:
    if m == 2:
        return 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28
    return 30 if m in (4, 6, 9, 11) else 31


def parse_rfc3339(text: str) -> Optional[Tuple[int, bool]]:
    """(nanoseconds since the epoch, whether it is a leap second) of an RFC 3339 date-time with
    a zone ('T', 't' or a space between date and time; any number of fraction digits, the
    first nine counted; 'Z', 'z' or ±hh:mm with hh < 24), or None."""
    b = text.encode("utf-8")

    def digits(i: int, n: int) -> Optional[int]:
        part = b[i : i + n]
        if len(part) != n or not all(48 <= c <= 57 for c in part):
            return None
        return int(part)

    if len(b) < 19 or b[4:5] != b"-" or b[7:8] != b"-" or b[13:14] != b":" or b[16:17] != b":":
        return None
    if b[10:11] not in (b"T", b"t", b" "):
        return None
    parts = [digits(0, 4), digits(5, 2), digits(8, 2), digits(11, 2), digits(14, 2), digits(17, 2)]
    if any(p is None for p in parts):
        return None
    year, month, day, hour, minute, second = (p or 0 for p in parts)
    if not 1 <= month <= 12 or not 1 <= day <= _days_in_month(year, month):
        return None
    if hour > 23 or minute > 59 or second > 60:
        return None
    leap = second == 60
    rest = b[19:]
    nanos = 0
    if rest[:1] == b".":
        frac = b""
        i = 1
        while i < len(rest) and 48 <= rest[i] <= 57:
            frac += rest[i : i + 1]
            i += 1
        if not frac:
            return None
        nanos = int(frac[:9].ljust(9, b"0"))
        rest = rest[i:]
    if rest in (b"Z", b"z"):
        offset = 0
    else:
        sign = 1
        for mark, s in ((b"+", 1), (b"-", -1), ("\u2212".encode(), -1)):
            if rest.startswith(mark):
                sign, rest = s, rest[len(mark) :]
                break
        else:
            return None
        if len(rest) != 5 or rest[2:3] != b":" or not rest[:2].isdigit() or not rest[3:].isdigit():
            return None
        oh, om = int(rest[:2]), int(rest[3:])
        if oh > 23 or om > 59:
            return None
        offset = sign * (oh * 3600 + om * 60)
    seconds = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    return (seconds - offset) * NS + nanos, leap


@dataclass(frozen=True)
class Envelope:
    type: str
    client_id: int
    message_id: str
    timestamp_ns: int
    leap: bool
    message: Any


def envelope(body: bytes) -> Tuple[Optional[Envelope], Optional[str], Optional[int]]:
    """(envelope, None, clientId) or (None, code, clientId when readable)."""
    try:
        value = strict_json(body)
    except _Reject as r:
        return None, r.code, None
    client_id: Optional[int]
    try:
        client_id = _client_id(value.get("clientId", _MISSING))
    except _Reject:
        client_id = None
    try:
        event_type = _string(value.get("type", _MISSING))
        dot = event_type.find(".")
        if dot <= 0 or dot + 1 >= len(event_type):
            raise _Reject("invalid_field")
        if "message" not in value:
            raise _Reject("missing_field")
        cid = _client_id(value.get("clientId", _MISSING))
        message_id = _string(value.get("messageId", _MISSING))
        if not 1 <= len(message_id) <= 256:
            raise _Reject("invalid_field")
        parsed = parse_rfc3339(_string(value.get("timestamp", _MISSING)))
        if parsed is None:
            raise _Reject("invalid_field")
    except _Reject as r:
        return None, r.code, client_id
    message = json.loads(body.decode("utf-8"))["message"]
    return Envelope(event_type, cid, message_id, parsed[0], parsed[1], message), None, cid


# --- the verifier -------------------------------------------------------------------------------


def verify(
    config: Config,
    headers: Sequence[Tuple[HeaderPart, HeaderPart]],
    body: bytes,
    now_ns: int,
) -> Verdict:
    try:
        return _verify(config, headers, body, now_ns)
    except _Reject as r:
        return Refused(r.code)


def _verify(
    config: Config, headers: Sequence[Tuple[HeaderPart, HeaderPart]], body: bytes, now_ns: int
) -> Verdict:
    signature = _signature_headers(headers)
    if len(body) > config.max_body_bytes:
        raise _Reject("body_too_large")
    env, env_code, readable_client = envelope(body)
    # Keys that apply: a clientId with keys of its own uses only those (the clientId read from
    # the unverified body, only to pick keys); otherwise the global keys.
    keys: Optional[Mapping[str, str]] = config.keys
    if config.client_keys is not None:
        own = config.client_keys.get(readable_client) if readable_client is not None else None
        if own is not None:
            keys = own
        elif not config.keys:
            keys = None
        if keys is None and signature is not None:
            raise _Reject("no_key_for_client")
    keys = keys or {}
    label: Optional[str] = None
    if signature is None:
        if keys or not config.allow_unsigned:
            raise _Reject("unsigned_rejected")
    else:
        for candidate, secret in keys.items():
            mac = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
            if hmac.compare_digest(mac, signature):
                label = candidate
                break
        else:
            raise _Reject("signature_mismatch")
    if env is None:
        raise _Reject(env_code or "malformed_json")
    if config.allowed_client_ids is not None and env.client_id not in config.allowed_client_ids:
        raise _Reject("client_not_allowed")
    age = now_ns - env.timestamp_ns
    if env.leap and (
        abs(age - config.max_age_seconds * NS) <= 2 * NS
        or abs(-age - config.max_future_skew_seconds * NS) <= 2 * NS
    ):
        return Undecided("a leap second near an age boundary")
    if age > config.max_age_seconds * NS:
        raise _Reject("timestamp_too_old")
    if -age > config.max_future_skew_seconds * NS:
        raise _Reject("timestamp_in_future")
    return Accepted(
        env.type, env.client_id, env.message_id, env.timestamp_ns, label, env.message, env.leap
    )
