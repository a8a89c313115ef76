"""``Receiver``: a verifier, a dedupe store and event handlers. The core verifies, claims and
settles each delivery and decides the answer; this module runs the handlers in between."""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Awaitable, Callable, List, Optional, Tuple, TypeVar, Union

from . import _native
from ._native import Delivery, MemoryStore, Store, Verifier

__all__ = ["BODY_ALREADY_PARSED", "Handler", "Outcome", "Receiver"]

log = logging.getLogger("axhook")

Handler = Callable[[Delivery], Union[None, Awaitable[None]]]
"""A function of one ``Delivery``; it may be ``async`` when used with ``areceive``."""

H = TypeVar("H", bound=Handler)


@dataclass(frozen=True)
class Outcome:
    """What happened to one delivery: answer ``status``; ``code`` is stable (``processed``,
    ``duplicate``, ``in_progress``, ``handler_failed``, ``store_unavailable``, ``lease_lost`` or
    a verification code); ``delivery`` is there when it verified; ``message`` is for logs."""

    status: int
    code: str
    delivery: Optional[Delivery] = None
    message: str = ""

    @property
    def ok(self) -> bool:
        """Whether the sender is answered with a 2xx and so stops retrying."""
        return 200 <= self.status < 300


_status, _code, _message = _native.body_already_parsed()
BODY_ALREADY_PARSED = Outcome(_status, _code, None, _message)
"""The answer of a framework helper that finds the raw body already consumed."""


class Receiver:
    """Verifies, deduplicates and dispatches deliveries to the handlers registered with
    :meth:`on`. Each new delivery runs every matching handler once, in registration order; a
    retry of a processed delivery is answered ``200 duplicate`` without running them."""

    def __init__(self, verifier: Verifier, store: Optional[Store] = None) -> None:
        self.verifier = verifier
        self.store = store if store is not None else MemoryStore()
        self._native = _native.Receiver(verifier, self.store)
        self._handlers: List[Tuple[str, Handler]] = []

    def on(self, pattern: str = "*") -> Callable[[H], H]:
        """Registers the decorated function for deliveries whose type matches ``pattern``:
        ``"*"``, a namespace such as ``"contact.*"``, or an exact type."""

        def register(handler: H) -> H:
            self._handlers.append((pattern, handler))
            return handler

        return register

    def receive(self, headers: Any, body: Any, *, now: Optional[datetime] = None) -> Outcome:
        """Verifies ``body`` (the raw request bytes) with ``headers``, runs the handlers for a new
        delivery and returns the outcome to answer. A handler that raises is logged, its claim
        released so that the sender's retry is processed, and the outcome is 500
        ``handler_failed``."""
        begun = self._native.begin(headers, body, now)
        if not isinstance(begun, _native.Pending):
            return _outcome(begun)
        error: Optional[str] = None
        try:
            for handler in self._matching(begun.delivery):
                try:
                    result = handler(begun.delivery)
                    if inspect.isawaitable(result):
                        _discard(result)
                        raise TypeError(
                            f"{_name(handler)} is async: use `await receiver.areceive(...)`"
                        )
                except Exception as exc:
                    error = _failed(handler, begun.delivery, exc)
                    break
        except BaseException:
            self._native.finish(begun, "interrupted", now)
            raise
        return _outcome(self._native.finish(begun, error, now))

    async def areceive(
        self, headers: Any, body: Any, *, now: Optional[datetime] = None
    ) -> Outcome:
        """:meth:`receive` for asyncio frameworks: handlers may be ``async``."""
        begun = self._native.begin(headers, body, now)
        if not isinstance(begun, _native.Pending):
            return _outcome(begun)
        error: Optional[str] = None
        try:
            for handler in self._matching(begun.delivery):
                try:
                    result = handler(begun.delivery)
                    if inspect.isawaitable(result):
                        await result
                except Exception as exc:
                    error = _failed(handler, begun.delivery, exc)
                    break
        except BaseException:  # cancelled: give the claim back for the retry
            self._native.finish(begun, "cancelled", now)
            raise
        return _outcome(self._native.finish(begun, error, now))

    def _matching(self, delivery: Delivery) -> List[Handler]:
        return [h for pattern, h in self._handlers if delivery.matches(pattern)]

    def __repr__(self) -> str:
        patterns = [pattern for pattern, _ in self._handlers]
        return f"<axhook.Receiver {self.verifier!r} {self.store!r} handlers={patterns}>"


def _outcome(parts: Tuple[int, str, Optional[Delivery], str]) -> Outcome:
    outcome = Outcome(*parts)
    if outcome.code == "store_unavailable":
        log.error("axhook: %s", outcome.message)
    elif outcome.status >= 400 and outcome.code != "handler_failed":
        log.warning("axhook: delivery refused (%s): %s", outcome.code, outcome.message)
    return outcome


def _failed(handler: Handler, delivery: Delivery, exc: Exception) -> str:
    log.exception(
        "axhook: handler %s failed on %s (clientId %s, messageId %s); its claim is released "
        "so that the sender's retry is processed",
        _name(handler),
        delivery.type,
        delivery.client_id,
        delivery.message_id,
    )
    return f"{_name(handler)} raised {type(exc).__name__}"


def _name(handler: Handler) -> str:
    return getattr(handler, "__qualname__", None) or repr(handler)


def _discard(awaitable: Awaitable[Any]) -> None:
    close = getattr(awaitable, "close", None)
    if close is not None:
        close()
