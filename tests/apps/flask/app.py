"""The Flask receiver of `make conformance` (tests/conformance.py): axhook.flask's blueprint as
POST /webhooks/axcelerate on 127.0.0.1:$PORT, verifying with $AXHOOK_KEY (label `current`,
defaults otherwise) and deduplicating in the core's MemoryStore. Flask sets no body limit of its
own (MAX_CONTENT_LENGTH is None), so a body over 1 MiB is answered 413 by the verifier."""


from flask import Response, jsonify

import axhook

from effects import effects as current_effects, record  # tests/apps/python-shared


# readme: Python · Flask
import os
from flask import Flask
import axhook.flask

verifier = axhook.Verifier({"current": os.environ["AXHOOK_KEY"]})
receiver = axhook.Receiver(verifier)  # MemoryStore; SqliteStore or RedisStore across processes

@receiver.on("*")  # or "contact.*", "student.enrolment_created"...
def handle(delivery: axhook.Delivery) -> None:
    record(delivery)  # raise → 500 handler_failed, and aXcelerate retries

app = Flask(__name__)
app.register_blueprint(axhook.flask.blueprint(receiver, "/webhooks/axcelerate"))
# readme: end


@app.get("/effects")
def effects() -> Response:
    return jsonify(current_effects())


@app.get("/health")
def health() -> Response:
    return Response('{"ok":true}', mimetype="application/json")


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]), threaded=True)
