"""Flask: a blueprint that answers aXcelerate deliveries with a ``Receiver``.

    app.register_blueprint(axhook.flask.blueprint(receiver, "/webhooks/axcelerate"))
"""

from __future__ import annotations

from typing import Tuple

from flask import Blueprint, Response, jsonify, request

from .receiver import Receiver

__all__ = ["blueprint"]


def blueprint(
    receiver: Receiver, url: str = "/webhooks/axcelerate", *, name: str = "axhook"
) -> Blueprint:
    """A blueprint with one ``POST`` route at ``url``: it verifies the raw body, runs the
    receiver's handlers and answers the outcome's status with ``{"code": ...}``. With
    Flask-WTF's CSRFProtect, exempt it: ``csrf.exempt(bp)``."""
    bp = Blueprint(name, __name__)

    @bp.post(url)
    def receive_axcelerate() -> Tuple[Response, int]:
        outcome = receiver.receive(request.headers, request.get_data())
        return jsonify(code=outcome.code), outcome.status

    return bp
