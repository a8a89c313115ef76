"""axhook: receive aXcelerate webhooks safely. Verifies ``Ax-Signature`` against the raw body,
refuses downgrades and stale replays, parses the envelope strictly and deduplicates retries,
with the same error codes and HTTP statuses as every other axhook runtime.

Framework helpers: ``axhook.flask``, ``axhook.fastapi``, ``axhook.django``; test helpers:
``axhook.testing``.
"""

from ._native import (
    KNOWN_EVENTS,
    Claim,
    Delivery,
    MemoryStore,
    RedisStore,
    SqliteStore,
    Store,
    Ticket,
    Verifier,
    __version__,
)
from .errors import (
    AxhookError,
    BodyTooLarge,
    ClientNotAllowed,
    ConfigError,
    LeaseLost,
    PayloadError,
    ReplayError,
    SignatureError,
    StoreError,
    StoreUnavailable,
    VerificationError,
)
from .receiver import Handler, Outcome, Receiver

__all__ = [
    "KNOWN_EVENTS",
    "AxhookError",
    "BodyTooLarge",
    "Claim",
    "ClientNotAllowed",
    "ConfigError",
    "Delivery",
    "Handler",
    "LeaseLost",
    "MemoryStore",
    "Outcome",
    "PayloadError",
    "Receiver",
    "RedisStore",
    "ReplayError",
    "SignatureError",
    "SqliteStore",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "Ticket",
    "VerificationError",
    "Verifier",
    "__version__",
]
