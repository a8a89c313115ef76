"""The FastAPI receiver of `make conformance` (tests/conformance.py): axhook.fastapi's router as
POST /webhooks/axcelerate on 127.0.0.1:$PORT, served by uvicorn, verifying with $AXHOOK_KEY
(label `current`, defaults otherwise) and deduplicating in the core's MemoryStore. Neither
FastAPI nor uvicorn limits the body, so a body over 1 MiB is answered 413 by the verifier."""

from typing import Any, Dict

import uvicorn

import axhook

from effects import effects as current_effects, record  # tests/apps/python-shared


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
    return current_effects()


@app.get("/health")
async def health() -> Dict[str, Any]:
    return {"ok": True}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning")
