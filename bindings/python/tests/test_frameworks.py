"""The Flask, FastAPI and Django helpers through each framework's own test client, on the apps
in examples/: a valid delivery, its retry, a tampered body and a failing handler."""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest

import axhook
from axhook.testing import sample_message, signed_delivery
from conftest import EXAMPLES

KEY = "my-private-key"
URL = "/webhooks/axcelerate"

# post(headers, body) -> (status, json)
Post = Callable[[Dict[str, str], bytes], Tuple[int, Any]]


def example(name: str) -> Any:
    sys.path.insert(0, str(EXAMPLES))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(EXAMPLES))


def flask_client() -> Tuple[axhook.Receiver, Post]:
    app = example("flask_app")
    client = app.app.test_client()

    def post(headers: Dict[str, str], body: bytes) -> Tuple[int, Any]:
        response = client.post(URL, data=body, headers=headers, content_type="application/json")
        return response.status_code, response.get_json()

    return app.receiver, post


def fastapi_client() -> Tuple[axhook.Receiver, Post]:
    from fastapi.testclient import TestClient

    app = example("fastapi_app")
    client = TestClient(app.app)

    def post(headers: Dict[str, str], body: bytes) -> Tuple[int, Any]:
        response = client.post(URL, content=body, headers=headers)
        return response.status_code, response.json()

    return app.receiver, post


def django_client() -> Tuple[axhook.Receiver, Post]:
    app = example("django_app")
    from django.test import Client

    # CSRF checks on, as in production: the view is exempt.
    client = Client(enforce_csrf_checks=True)

    def post(headers: Dict[str, str], body: bytes) -> Tuple[int, Any]:
        response = client.post(URL, data=body, content_type="application/json", headers=headers)
        return response.status_code, response.json()

    return app.receiver, post


CLIENTS = {"flask": flask_client, "fastapi": fastapi_client, "django": django_client}


@pytest.fixture(params=sorted(CLIENTS))
def framework(request: pytest.FixtureRequest) -> Iterator[Tuple[axhook.Receiver, Post]]:
    receiver, post = CLIENTS[request.param]()
    handlers = list(receiver._handlers)
    yield receiver, post
    receiver._handlers[:] = handlers


def enrolment() -> Tuple[Dict[str, str], bytes]:
    t = "student.workshop_enrolment_created"
    return signed_delivery(t, sample_message(t), KEY)


def test_valid_then_duplicate(framework: Tuple[axhook.Receiver, Post]) -> None:
    receiver, post = framework
    seen: List[str] = []
    receiver.on("student.*")(lambda d: seen.append(d.message_id))
    headers, body = enrolment()
    assert post(headers, body) == (200, {"code": "processed"})
    assert post(headers, body) == (200, {"code": "duplicate"})
    assert len(seen) == 1


def test_tampered_body(framework: Tuple[axhook.Receiver, Post]) -> None:
    _, post = framework
    headers, body = enrolment()
    assert post(headers, body.replace(b"Ada", b"Eve")) == (401, {"code": "signature_mismatch"})
    assert post({}, body) == (401, {"code": "missing_signature_version"})


def test_handler_failure_then_retry(framework: Tuple[axhook.Receiver, Post]) -> None:
    receiver, post = framework
    failures: List[int] = []

    @receiver.on("student.*")
    def fails_once(d: axhook.Delivery) -> None:
        if not failures:
            failures.append(1)
            raise RuntimeError("downstream unavailable")

    headers, body = enrolment()
    assert post(headers, body) == (500, {"code": "handler_failed"})
    assert post(headers, body) == (200, {"code": "processed"})


def test_django_answers_body_already_parsed() -> None:
    app = example("django_app")
    from django.test import RequestFactory

    import axhook.django

    headers, body = enrolment()
    request = RequestFactory().post(URL, data=body, content_type="application/json", headers=headers)
    request.read()  # a middleware consumed the stream
    response = axhook.django.view(app.receiver)(request)
    assert (response.status_code, response.content) == (500, b'{"code": "body_already_parsed"}')
    get = RequestFactory().get(URL)
    assert axhook.django.view(app.receiver)(get).status_code == 405


def test_django_body_over_its_upload_limit_is_the_verifiers_to_judge() -> None:
    """Over DATA_UPLOAD_MAX_MEMORY_SIZE, Django would answer a bare 400: the view reads up to
    the verifier's limit instead, so the answer is 413 body_too_large over that limit and a
    normal verification under it."""
    example("django_app")
    from django.test import RequestFactory, override_settings

    import axhook.django

    headers, body = enrolment()
    strict = axhook.Receiver(axhook.Verifier({"current": KEY}, max_body_bytes=len(body) - 1))
    roomy = axhook.Receiver(axhook.Verifier({"current": KEY}))
    for receiver, want in ((strict, (413, "body_too_large")), (roomy, (200, "processed"))):
        with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100):
            request = RequestFactory().post(
                URL, data=body, content_type="application/json", headers=headers
            )
            response = axhook.django.view(receiver)(request)
        assert (response.status_code, json.loads(response.content)["code"]) == want
