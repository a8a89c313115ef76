"""A FastAPI app that receives aXcelerate webhooks (run: uvicorn fastapi_app:app)."""

import os

from fastapi import FastAPI

import axhook
import axhook.fastapi

verifier = axhook.Verifier({"current": os.environ.get("AXCELERATE_KEY", "my-private-key")})
receiver = axhook.Receiver(verifier)


@receiver.on("student.*")
async def enrolment_changed(delivery: axhook.Delivery) -> None:
    print(delivery.type, delivery.message["enrolment"]["id"])


app = FastAPI()
app.include_router(axhook.fastapi.router(receiver, "/webhooks/axcelerate"))
