"""The exceptions of axhook. Every one carries the core's stable ``code``; a refused delivery
also carries the HTTP ``status`` to answer. The class is chosen by the code, and a code this
version does not know still arrives as the base class."""

from __future__ import annotations

from typing import Dict, Tuple, Type


class AxhookError(Exception):
    """Base class of every axhook exception."""

    code: str


class VerificationError(AxhookError):
    """A delivery was refused. ``code`` is stable (``signature_mismatch``, ...), ``status`` is the
    HTTP status to answer, and the message explains it without revealing any key."""

    def __init__(self, message: str, code: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.status = status

    def __reduce__(self) -> Tuple[type, Tuple[str, str, int]]:
        return (type(self), (str(self), self.code, self.status))


class SignatureError(VerificationError):
    """The signature headers are missing or malformed, or the signature does not match (401)."""


class PayloadError(VerificationError):
    """The body is not a valid delivery envelope, or a signature header repeats (400)."""


class BodyTooLarge(VerificationError):
    """The body is longer than ``max_body_bytes`` (413)."""


class ReplayError(VerificationError):
    """The timestamp is older than ``max_age`` or too far in the future (401)."""


class ClientNotAllowed(VerificationError):
    """The clientId is not in ``allowed_client_ids`` (403)."""


_BY_CODE: Dict[str, Type[VerificationError]] = {
    "missing_signature_version": SignatureError,
    "unsupported_signature_version": SignatureError,
    "unsigned_rejected": SignatureError,
    "missing_signature": SignatureError,
    "malformed_signature": SignatureError,
    "signature_mismatch": SignatureError,
    "no_key_for_client": SignatureError,
    "duplicate_header": PayloadError,
    "malformed_json": PayloadError,
    "missing_field": PayloadError,
    "invalid_field": PayloadError,
    "body_too_large": BodyTooLarge,
    "client_not_allowed": ClientNotAllowed,
    "timestamp_too_old": ReplayError,
    "timestamp_in_future": ReplayError,
}


class ConfigError(AxhookError, ValueError):
    """A verifier or store that cannot be built as configured."""

    code = "invalid_config"


class StoreError(AxhookError):
    """A dedupe store could not answer."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code

    def __reduce__(self) -> Tuple[type, Tuple[str, str]]:
        return (type(self), (str(self), self.code))


class LeaseLost(StoreError):
    """``complete`` or ``release`` with a ticket whose lease was taken over or settled."""


class StoreUnavailable(StoreError):
    """The store is unreachable or full; the sender should retry (503)."""


_STORE_BY_CODE: Dict[str, Type[StoreError]] = {
    "lease_lost": LeaseLost,
    "store_unavailable": StoreUnavailable,
}


# Called by the native module with the core's message, code and status.


def _verification_error(message: str, code: str, status: int) -> VerificationError:
    return _BY_CODE.get(code, VerificationError)(message, code, status)


def _config_error(message: str) -> ConfigError:
    return ConfigError(message)


def _store_error(message: str, code: str) -> StoreError:
    return _STORE_BY_CODE.get(code, StoreError)(message, code)
