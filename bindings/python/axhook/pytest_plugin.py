"""pytest plugin of axhook (registered through the ``pytest11`` entry point)."""

from __future__ import annotations

from typing import Callable, Dict, Tuple

import pytest

from . import testing


@pytest.fixture
def signed_delivery() -> Callable[..., Tuple[Dict[str, str], bytes]]:
    """:func:`axhook.testing.signed_delivery`: ``signed_delivery(type, message, key, ...)``
    returns the ``(headers, body)`` aXcelerate would POST."""
    return testing.signed_delivery
