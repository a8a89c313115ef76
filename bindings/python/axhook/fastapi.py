"""FastAPI (and Starlette): a router that answers aXcelerate deliveries with a ``Receiver``.

    app.include_router(axhook.fastapi.router(receiver, "/webhooks/axcelerate"))

Handlers may be ``async``; they run in the event loop.
"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from .receiver import BODY_ALREADY_PARSED, Receiver

__all__ = ["router"]


def router(receiver: Receiver, path: str = "/webhooks/axcelerate", **kwargs: Any) -> APIRouter:
    """An ``APIRouter`` with one ``POST`` route at ``path`` that reads the raw body, runs the
    receiver (``await receiver.areceive``) and answers the outcome's status with
    ``{"code": ...}``. ``kwargs`` go to ``APIRouter`` (``prefix``, ``tags``, ...)."""
    api = APIRouter(**kwargs)

    @api.post(path, include_in_schema=False)
    async def receive_axcelerate(request: Request) -> JSONResponse:
        try:
            body = await request.body()
        except RuntimeError:  # the stream was consumed before this route
            outcome = BODY_ALREADY_PARSED
        else:
            outcome = await receiver.areceive(request.headers, body)
        return JSONResponse({"code": outcome.code}, status_code=outcome.status)

    return api
