"""A Flask app that receives aXcelerate webhooks (run: flask --app flask_app run)."""

import os

from flask import Flask

import axhook
import axhook.flask

verifier = axhook.Verifier({"current": os.environ.get("AXCELERATE_KEY", "my-private-key")})
receiver = axhook.Receiver(verifier)


@receiver.on("student.*")
def enrolment_changed(delivery: axhook.Delivery) -> None:
    print(delivery.type, delivery.message["enrolment"]["id"])


app = Flask(__name__)
app.register_blueprint(axhook.flask.blueprint(receiver, "/webhooks/axcelerate"))
