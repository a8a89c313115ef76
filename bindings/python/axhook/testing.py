"""Deliveries signed exactly as aXcelerate signs them, by the core's signer, for tests.

A pytest fixture of the same name, ``signed_delivery``, is registered when axhook is installed.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Dict, Optional, Tuple, Union

from . import _native

__all__ = ["sample_message", "sign", "signed_delivery"]


def signed_delivery(
    type: str,
    message: Any,
    key: Optional[str],
    *,
    client_id: int = 12345678,
    message_id: Optional[str] = None,
    timestamp: Optional[datetime] = None,
    version: int = 1,
) -> Tuple[Dict[str, str], bytes]:
    """``(headers, body)`` of a delivery of ``type`` carrying ``message`` (any JSON value; see
    :func:`sample_message` for a realistic one). ``version=1`` signs it with ``key``;
    ``version=0`` is unsigned, as aXcelerate sends without a private key. ``message_id``
    defaults to a fresh UUID and ``timestamp`` to now."""
    text = json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    headers, body = _native.signed_delivery(
        type,
        text,
        key,
        client_id=client_id,
        message_id=message_id,
        timestamp=timestamp,
        version=version,
    )
    return dict(headers), body


def sample_message(type: str, seed: int = 12345678) -> Any:
    """A realistic message for an event type, shaped like aXcelerate's."""
    return json.loads(_native.sample_message(type, seed))


def sign(body: Union[bytes, bytearray, memoryview], key: str) -> str:
    """The ``Ax-Signature`` of ``body`` under ``key``: lowercase hex HMAC-SHA256."""
    return _native.sign(body, key)
