"""The FastAPI receiver of `make conformance` (tests/conformance.py): axhook.fastapi's router as
POST /webhooks/axcelerate on 127.0.0.1:$PORT, served by uvicorn, verifying with $AXHOOK_KEY
(label `current`, defaults otherwise) and deduplicating in the core's MemoryStore. Neither
FastAPI nor uvicorn limits the body, so a body over 1 MiB is answered 413 by the verifier."""

from collections import Counter
from typing import Any, Dict

import uvicorn

import axhook

# The side effects the harness reads back from GET /effects (one event loop: no lock needed).
processed: "Counter[str]" = Counter()
failed: "Counter[str]" = Counter()


def record(delivery: axhook.Delivery) -> None:
    """Counts the delivery once; a {"failOnce": true} message fails the first time its key is
    seen (→ 500 handler_failed, and aXcelerate retries)."""
    key = f"{delivery.client_id}:{delivery.message_id}"
    message = delivery.message
    if isinstance(message, dict) and message.get("failOnce") is True and key not in failed:
        failed[key] += 1
        raise RuntimeError(f"failOnce: {key} fails this first time")
    processed[key] += 1


# readme: Python · FastAPI
import os
from fastapi import FastAPI
import axhook.fastapi

verifier = axhook.Verifier({"current": os.environ["AXHOOK_KEY"]})
receiver = axhook.Receiver(verifier)  # MemoryStore; SqliteStore or RedisStore across processes

@receiver.on("*")  # or "contact.*", "student.enrolment_created"...
async def handle(delivery: axhook.Delivery) -> None:
    record(delivery)  # raise → 500 handler_failed, and aXcelerate retries

app = FastAPI()
app.include_router(axhook.fastapi.router(receiver, "/webhooks/axcelerate"))
# readme: end


@app.get("/effects")
async def effects() -> Dict[str, Any]:
    return {"processed": dict(processed), "failed": dict(failed)}


@app.get("/health")
async def health() -> Dict[str, Any]:
    return {"ok": True}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning")
