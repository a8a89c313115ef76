"""The side effects of the Python receiver apps, which the harness reads back from GET /effects:
shared by the Flask, FastAPI and Django apps (on sys.path through their run.sh)."""

import threading
from collections import Counter
from typing import Dict

import axhook

processed: "Counter[str]" = Counter()
failed: "Counter[str]" = Counter()
_lock = threading.Lock()


def record(delivery: axhook.Delivery) -> None:
    """Counts the delivery once; a {"failOnce": true} message fails the first time its key is
    seen (→ 500 handler_failed, and aXcelerate retries)."""
    key = f"{delivery.client_id}:{delivery.message_id}"
    message = delivery.message
    with _lock:
        if isinstance(message, dict) and message.get("failOnce") is True and key not in failed:
            failed[key] += 1
            raise RuntimeError(f"failOnce: {key} fails this first time")
        processed[key] += 1


def effects() -> Dict[str, Dict[str, int]]:
    """{"processed": {key: count}, "failed": {key: count}}, as GET /effects answers."""
    with _lock:
        return {"processed": dict(processed), "failed": dict(failed)}
