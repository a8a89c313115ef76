"""Type stubs of the native module ``axhook._native`` (pyo3)."""

import os
from datetime import datetime, timedelta
from typing import Any, Iterable, List, Literal, Mapping, Optional, Tuple, Union, final

Body = Union[bytes, bytearray, memoryview]
Headers = Union[Mapping[str, str], Mapping[bytes, bytes], Any]
"""Any mapping (dict, Werkzeug, Starlette or Django headers) or an iterable of (name, value)
pairs; names and values as str or bytes."""
Seconds = Union[timedelta, float]

def body_already_parsed() -> Tuple[int, str, str]:
    """The core's verdict for a request whose raw body was already consumed."""

KNOWN_EVENTS: List[str]
ERROR_CODES: List[str]
__version__: str

@final
class Verifier:
    """Verifies aXcelerate deliveries. Built once, immutable, safe to share between threads."""

    def __init__(
        self,
        keys: Optional[Mapping[str, str]] = None,
        *,
        client_keys: Optional[Mapping[int, Mapping[str, str]]] = None,
        allowed_client_ids: Optional[Iterable[int]] = None,
        allow_unsigned: bool = False,
        max_age: Seconds = timedelta(days=14),
        max_future_skew: Seconds = timedelta(minutes=5),
        max_body_bytes: int = 1048576,
    ) -> None: ...
    def verify(self, headers: Headers, body: Body, *, now: Optional[datetime] = None) -> Delivery:
        """The verified delivery, or raises the ``VerificationError`` for its code."""
    @property
    def max_body_bytes(self) -> int: ...

@final
class Delivery:
    """A verified delivery."""

    @property
    def type(self) -> str:
        """The event type, such as ``contact.contact_updated``."""
    @property
    def namespace(self) -> str:
        """The part of the type before its first dot (``contact``)."""
    @property
    def event(self) -> str:
        """The part of the type after its first dot (``contact_updated``)."""
    @property
    def message(self) -> Any:
        """The message as plain JSON values (``dict``, ``list``, ``str``, ``int``, ``float``,
        ``bool``, ``None``), built on first access."""
    @property
    def message_json(self) -> str:
        """The message's JSON text, exactly as it appears in the body."""
    @property
    def client_id(self) -> int: ...
    @property
    def message_id(self) -> str: ...
    @property
    def timestamp(self) -> datetime:
        """When aXcelerate created the delivery, as an aware UTC datetime."""
    @property
    def key_label(self) -> Optional[str]:
        """The label of the key that matched; ``None`` for an unsigned delivery."""
    @property
    def signed(self) -> bool: ...
    @property
    def raw_body(self) -> bytes: ...
    @property
    def dedupe_key(self) -> str:
        """``clientId:messageId``."""
    def matches(self, pattern: str) -> bool:
        """Whether the type matches ``*``, ``namespace.*`` or an exact type."""

@final
class Ticket:
    """Proof of a claim."""

    @property
    def key(self) -> str: ...

@final
class Claim:
    """A store's answer to a claim."""

    @property
    def code(self) -> Literal["new", "duplicate", "in_progress"]: ...
    @property
    def ticket(self) -> Optional[Ticket]:
        """The ticket of a ``new`` claim."""

class Store:
    """The base class of every dedupe store."""

    def claim(self, key: str, *, now: Optional[datetime] = None) -> Claim: ...
    def complete(self, ticket: Ticket, *, now: Optional[datetime] = None) -> None: ...
    def release(self, ticket: Ticket) -> None: ...

@final
class MemoryStore(Store):
    """A bounded, in-process dedupe store: right for one process and for tests."""

    def __init__(
        self,
        *,
        lease: Seconds = timedelta(minutes=5),
        retention: Seconds = timedelta(days=14, minutes=5),
        capacity: int = 100000,
    ) -> None: ...
    def __len__(self) -> int: ...

@final
class SqliteStore(Store):
    """A persistent dedupe store in one SQLite file (WAL), shared safely by every process of a
    host; survives restarts."""

    def __init__(
        self,
        path: Union[str, "os.PathLike[str]"],
        *,
        lease: Seconds = timedelta(minutes=5),
        retention: Seconds = timedelta(days=14, minutes=5),
    ) -> None: ...
    def sweep(self, *, now: Optional[datetime] = None) -> int: ...
    def __len__(self) -> int: ...

@final
class RedisStore(Store):
    """A dedupe store in Redis for a fleet of receivers: one atomic script per call, TTLs of
    the lease and the retention, pooled connections. An unreachable Redis raises
    ``StoreUnavailable`` (a Receiver answers 503)."""

    def __init__(
        self,
        url: str,
        *,
        prefix: Optional[str] = "axhook:dedupe:",
        lease: Seconds = timedelta(minutes=5),
        retention: Seconds = timedelta(days=14, minutes=5),
        timeout: Seconds = timedelta(seconds=2),
    ) -> None: ...
    @property
    def prefix(self) -> str: ...

@final
class Pending:
    @property
    def delivery(self) -> Delivery: ...

OutcomeParts = Tuple[int, str, Optional[Delivery], str]

@final
class Receiver:
    def __init__(self, verifier: Verifier, store: Store) -> None: ...
    def begin(
        self, headers: Headers, body: Body, now: Optional[datetime] = None
    ) -> Union[Pending, OutcomeParts]: ...
    def finish(
        self, pending: Pending, error: Optional[str] = None, now: Optional[datetime] = None
    ) -> OutcomeParts: ...

def signed_delivery(
    event_type: str,
    message_json: Optional[str],
    key: Optional[str],
    *,
    client_id: int,
    message_id: Optional[str] = None,
    timestamp: Optional[datetime] = None,
    version: int = 1,
) -> Tuple[List[Tuple[str, str]], bytes]: ...
def sign(body: Body, key: str) -> str: ...
def sample_message(event_type: str, seed: int = 12345678) -> str: ...
