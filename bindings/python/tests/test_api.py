"""The Python API beyond the fixtures: argument forms, TypeError hints, exceptions, reprs
without secrets, the message's conversion, the Receiver's handlers and the test helpers."""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import random
import threading
import warnings
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Tuple

import pytest

import axhook
from axhook import errors
from axhook.testing import sample_message, sign, signed_delivery

KEY = "ax-private-key-7f3c9a"
SIGNATURE_HEADER = "Ax-Signature"


@pytest.fixture
def verifier() -> axhook.Verifier:
    return axhook.Verifier({"current": KEY})


SAMPLE = object()


def delivery(message: Any = SAMPLE, **kwargs: Any) -> Tuple[Dict[str, str], bytes]:
    if message is SAMPLE:
        message = sample_message("contact.contact_updated")
    return signed_delivery("contact.contact_updated", message, KEY, **kwargs)


def envelope(message_json: str) -> Tuple[Dict[str, str], bytes]:
    """A delivery whose message is exactly this JSON text, signed by hand."""
    body = (
        '{"type":"contact.contact_created","message":' + message_json + ',"clientId":1,'
        '"messageId":"m","timestamp":"2024-02-25T23:30:38Z"}'
    ).encode()
    return {"Ax-Signature-Version": "1", "Ax-Signature": sign(body, KEY)}, body


FEB_26 = datetime(2024, 2, 26, tzinfo=timezone.utc)


# --- headers ------------------------------------------------------------------------------


def test_headers_in_every_form(verifier: axhook.Verifier) -> None:
    headers, body = delivery()
    lower = {k.lower(): v for k, v in headers.items()}
    as_bytes = [(k.encode(), v.encode()) for k, v in headers.items()]
    for form in (headers, lower, list(headers.items()), tuple(headers.items()), as_bytes):
        assert verifier.verify(form, body).signed


def test_a_repeated_signature_header_stays_visible(verifier: axhook.Verifier) -> None:
    headers, body = delivery()
    pairs = list(headers.items()) + [(SIGNATURE_HEADER.lower(), headers[SIGNATURE_HEADER])]
    with pytest.raises(axhook.PayloadError) as e:
        verifier.verify(pairs, body)
    assert (e.value.code, e.value.status) == ("duplicate_header", 400)


def test_werkzeug_and_starlette_headers(verifier: axhook.Verifier) -> None:
    from starlette.datastructures import Headers as StarletteHeaders
    from werkzeug.datastructures import Headers as WerkzeugHeaders

    headers, body = delivery()
    assert verifier.verify(WerkzeugHeaders(headers), body).signed
    assert verifier.verify(StarletteHeaders(headers), body).signed
    repeated = WerkzeugHeaders(headers)
    repeated.add(SIGNATURE_HEADER, headers[SIGNATURE_HEADER])
    with pytest.raises(axhook.VerificationError, match="more than once"):
        verifier.verify(repeated, body)
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()] * 2
    with pytest.raises(axhook.PayloadError):
        verifier.verify(StarletteHeaders(raw=raw), body)


@pytest.mark.parametrize("bad", ["Ax-Signature: x", 42, [("only-a-name",)], [1, 2]])
def test_headers_type_error(verifier: axhook.Verifier, bad: Any) -> None:
    with pytest.raises(TypeError, match="headers must be a mapping"):
        verifier.verify(bad, b"{}")


def test_header_value_type_error(verifier: axhook.Verifier) -> None:
    with pytest.raises(TypeError, match="header value must be str or bytes"):
        verifier.verify({"Ax-Signature-Version": 1}, b"{}")


# --- body ---------------------------------------------------------------------------------


def test_body_as_bytearray_and_memoryview(verifier: axhook.Verifier) -> None:
    headers, body = delivery()
    for form in (bytearray(body), memoryview(body), memoryview(bytearray(body))):
        d = verifier.verify(headers, form)
        assert d.raw_body == body


def test_str_body_is_a_type_error_that_says_what_to_pass(verifier: axhook.Verifier) -> None:
    headers, body = delivery()
    with pytest.raises(TypeError) as e:
        verifier.verify(headers, body.decode())
    assert "raw request bytes, not a str" in str(e.value)
    assert "request.get_data()" in str(e.value) and "request.body" in str(e.value)


def test_parsed_body_is_a_type_error_that_says_why(verifier: axhook.Verifier) -> None:
    headers, body = delivery()
    with pytest.raises(TypeError, match="already parsed into a dict.*raw bytes"):
        verifier.verify(headers, json.loads(body))
    with pytest.raises(TypeError, match="already parsed into a list"):
        verifier.verify(headers, [1])
    with pytest.raises(TypeError, match="bytes, bytearray or memoryview, not int"):
        verifier.verify(headers, 7)


def test_large_bodies_verify_with_the_gil_released(verifier: axhook.Verifier) -> None:
    """From 16 KiB on, verification runs outside the GIL: several threads at once agree."""
    message = {"blob": "x" * (256 << 10)}
    headers, body = delivery(message)
    results: List[bool] = []

    def work() -> None:
        for _ in range(5):
            results.append(verifier.verify(headers, body).message == message)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 20
    with pytest.raises(axhook.SignatureError):
        verifier.verify(headers, body.replace(b"xxxx", b"xxxy", 1))


# --- clock and configuration --------------------------------------------------------------


def test_now_in_any_zone_and_naive_is_refused(verifier: axhook.Verifier) -> None:
    at = datetime(2024, 2, 25, 23, 30, 38, 56000, tzinfo=timezone.utc)
    headers, body = delivery(timestamp=at)
    brisbane = timezone(timedelta(hours=10))
    assert verifier.verify(headers, body, now=at.astimezone(brisbane)).timestamp == at
    with pytest.raises(axhook.ReplayError) as e:
        verifier.verify(headers, body, now=at + timedelta(days=15))
    assert (e.value.code, e.value.status) == ("timestamp_too_old", 401)
    with pytest.raises(TypeError, match="aware datetime.*not a naive datetime"):
        verifier.verify(headers, body, now=datetime(2024, 2, 26))
    with pytest.raises(TypeError, match="aware datetime.*not str"):
        verifier.verify(headers, body, now="2024-02-26T00:00:00Z")  # type: ignore[arg-type]


def test_durations_as_timedelta_or_seconds() -> None:
    at = datetime(2024, 2, 25, tzinfo=timezone.utc)
    headers, body = delivery(timestamp=at)
    for max_age in (timedelta(hours=1), 3600, 3600.0):
        v = axhook.Verifier({"current": KEY}, max_age=max_age)
        assert v.verify(headers, body, now=at + timedelta(hours=1)).signed
        with pytest.raises(axhook.ReplayError):
            v.verify(headers, body, now=at + timedelta(hours=1, milliseconds=1))
    with pytest.raises(TypeError, match="max_future_skew must be a timedelta or a number"):
        axhook.Verifier({"current": KEY}, max_future_skew="5m")  # type: ignore[arg-type]


def test_config_errors_are_value_errors() -> None:
    with pytest.raises(axhook.ConfigError, match="no key is configured") as e:
        axhook.Verifier({})
    assert isinstance(e.value, ValueError) and e.value.code == "invalid_config"
    with pytest.raises(axhook.ConfigError, match="is empty"):
        axhook.Verifier({"current": ""})
    with pytest.raises(axhook.ConfigError, match="non-negative"):
        axhook.Verifier({"current": KEY}, max_age=-1)
    assert axhook.Verifier(allow_unsigned=True).verify(
        *signed_delivery("contact.contact_created", {}, None, version=0)
    ).key_label is None


def test_keys_type_errors_explain_labels() -> None:
    with pytest.raises(TypeError, match=r"keys must map a label to each key.*rotation"):
        axhook.Verifier(KEY)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be a str"):
        axhook.Verifier({"current": b"bytes"})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="collection of ints, not a str"):
        axhook.Verifier({"current": KEY}, allowed_client_ids="123")  # type: ignore[arg-type]


def test_client_keys_and_allow_list() -> None:
    v = axhook.Verifier(
        client_keys={12345678: {"acme": "acme-key"}},
        allowed_client_ids=[12345678],
    )
    headers, body = signed_delivery("contact.contact_created", {}, "acme-key")
    assert v.verify(headers, body).key_label == "acme"
    headers, body = signed_delivery("contact.contact_created", {}, "other", client_id=7)
    with pytest.raises(axhook.SignatureError) as e:
        v.verify(headers, body)
    assert e.value.code == "no_key_for_client"


# --- exceptions ---------------------------------------------------------------------------


def test_each_code_has_its_class_and_unknown_codes_the_base() -> None:
    for code in axhook._native.ERROR_CODES:
        assert issubclass(errors._BY_CODE[code], axhook.VerificationError)
    e = errors._verification_error("something new", "brand_new_code", 422)
    assert type(e) is axhook.VerificationError and (e.code, e.status) == ("brand_new_code", 422)
    copy = pickle.loads(pickle.dumps(errors._verification_error("m", "signature_mismatch", 401)))
    assert isinstance(copy, axhook.SignatureError) and copy.status == 401


def test_exception_subclasses(verifier: axhook.Verifier) -> None:
    headers, body = delivery()
    cases = [
        ({}, body, axhook.SignatureError, "missing_signature_version", 401),
        (headers, b"x" * (2 << 20), axhook.BodyTooLarge, "body_too_large", 413),
    ]
    for h, b, cls, code, status in cases:
        with pytest.raises(cls) as e:
            verifier.verify(h, b)
        assert (e.value.code, e.value.status) == (code, status)
    strict = axhook.Verifier({"current": KEY}, allowed_client_ids=[1])
    with pytest.raises(axhook.ClientNotAllowed) as e:
        strict.verify(headers, body)
    assert e.value.status == 403


# --- secrets ------------------------------------------------------------------------------


def test_no_secret_in_repr_or_messages() -> None:
    secret, client_secret = "s3cr3t-private-key", "client-s3cr3t"
    v = axhook.Verifier(
        {"current": secret, "padded": " " + secret}, client_keys={9: {"acme": client_secret}}
    )
    receiver = axhook.Receiver(v)
    headers, body = signed_delivery("contact.contact_created", {}, secret.upper())
    texts = [repr(v), str(v), repr(receiver), repr(receiver.store)]
    with pytest.raises(axhook.SignatureError) as e:
        v.verify(headers, body)
    texts += [str(e.value), repr(e.value)]
    outcome = receiver.receive(headers, body)
    texts += [repr(outcome), outcome.message]
    for text in texts:
        assert secret not in text and client_secret not in text and "s3cr3t" not in text, text
        assert sign(body, secret) not in text
    assert "current" in repr(v) and "REDACTED" in repr(v)


# --- the message --------------------------------------------------------------------------


def test_message_is_what_json_loads_gives(verifier: axhook.Verifier) -> None:
    message = {
        "ints": [0, -0, 1, -1, 2**53 - 1, 2**63 - 1, -(2**63), 2**64, 10**30, -(10**30)],
        "floats": [0.5, -0.0, 1e-7, 1.7976931348623157e308, 5e-324, 0.1 + 0.2, 1e22],
        "strings": ["", "plain", 'quote " back \\ slash', "\u00e9\u4e2d\U0001f600", "\x00\x1f"],
        "nested": {"a": [{"b": [[], {}, None, True, False]}]},
        "repeated": [{"id": i, "name": f"n{i}"} for i in range(50)],
        "long_key_" + "k" * 100: 1,
    }
    for ensure_ascii in (False, True):
        text = json.dumps(message, ensure_ascii=ensure_ascii)
        d = verifier.verify(*envelope(text), now=FEB_26)
        assert d.message == message == json.loads(text)
        assert d.message_json == text
        assert json.dumps(d.message) == json.dumps(message)
    text = "[-0, 0.0, -0.0, 1E2, 1e-2, 12345678901234567890123, 1.0]"
    got = verifier.verify(*envelope(text), now=FEB_26).message
    assert [(type(v), v) for v in got] == [(type(v), v) for v in json.loads(text)]


def test_random_messages_match_json_loads(verifier: axhook.Verifier) -> None:
    """Random nested values, with and without escapes, become what json.loads makes of them."""
    rng = random.Random(20240226)
    alphabet = ["a", "Z", " ", '"', "\\", "/", "\n", "\t", "\x01", "\u00e9", "\u4e2d", "\U0001f600"]

    def text() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))

    def value(depth: int) -> Any:
        kind = rng.randrange(9 if depth < 6 else 6)
        if kind == 0:
            return rng.choice([None, True, False])
        if kind == 1:
            return rng.choice([0, 1, -1, 2**31, -(2**53), 2**63, 10**25]) * rng.randrange(-3, 4)
        if kind == 2:
            return rng.choice([0.0, -0.0, 0.1, 1e-300, 6.02e23]) * rng.uniform(-2, 2)
        if kind in (3, 4, 5):
            return text()
        if kind in (6, 7):
            return {text(): value(depth + 1) for _ in range(rng.randrange(5))}
        return [value(depth + 1) for _ in range(rng.randrange(5))]

    for i in range(300):
        message = value(0)
        raw = json.dumps(message, ensure_ascii=bool(i % 2), indent=None if i % 3 else 1)
        d = verifier.verify(*envelope(raw), now=FEB_26)
        assert d.message == json.loads(raw), raw


def test_escaped_message_text(verifier: axhook.Verifier) -> None:
    text = '{"s":"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00","\\u006b":[1.5e3,-2E-2,0]}'
    d = verifier.verify(*envelope(text), now=FEB_26)
    assert d.message == json.loads(text) and d.message["k"] == [1500.0, -0.02, 0]


def test_message_null_and_scalars(verifier: axhook.Verifier) -> None:
    for message in (None, 3, "text", [1, 2], True):
        headers, body = delivery(message)
        assert verifier.verify(headers, body).message == message


def test_delivery_fields(verifier: axhook.Verifier) -> None:
    at = datetime(2024, 2, 25, 23, 30, 38, 56000, tzinfo=timezone.utc)
    headers, body = signed_delivery(
        "student.workshop_enrolment_created",
        sample_message("student.workshop_enrolment_created"),
        KEY,
        client_id=42,
        message_id="669ee575-71c1-5cf2-97ee-bb20be1f817d",
        timestamp=at,
    )
    d = verifier.verify(headers, body, now=at)
    assert (d.type, d.namespace, d.event) == (
        "student.workshop_enrolment_created",
        "student",
        "workshop_enrolment_created",
    )
    assert (d.client_id, d.message_id, d.timestamp) == (42, "669ee575-71c1-5cf2-97ee-bb20be1f817d", at)
    assert d.dedupe_key == "42:669ee575-71c1-5cf2-97ee-bb20be1f817d"
    assert d.matches("student.*") and d.matches("*") and not d.matches("contact.*")
    assert d.message["enrolment"]["student"]["contactId"] > 0
    assert repr(d) == (
        "<axhook.Delivery student.workshop_enrolment_created clientId=42 "
        "messageId='669ee575-71c1-5cf2-97ee-bb20be1f817d' "
        "timestamp=2024-02-25T23:30:38.056Z key_label='current'>"
    )


# --- Receiver -----------------------------------------------------------------------------


def test_handlers_run_by_pattern_in_order(verifier: axhook.Verifier) -> None:
    receiver = axhook.Receiver(verifier)
    calls: List[str] = []
    receiver.on("contact.*")(lambda d: calls.append("namespace"))
    receiver.on("student.*")(lambda d: calls.append("other"))
    receiver.on("contact.contact_updated")(lambda d: calls.append("exact"))
    receiver.on()(lambda d: calls.append("all"))
    outcome = receiver.receive(*delivery())
    assert outcome == axhook.Outcome(200, "processed", outcome.delivery, "processed")
    assert outcome.ok and calls == ["namespace", "exact", "all"]


def test_handler_failure_is_logged_released_and_retried(
    verifier: axhook.Verifier, caplog: pytest.LogCaptureFixture
) -> None:
    receiver = axhook.Receiver(verifier)
    attempts: List[int] = []

    @receiver.on("contact.*")
    def flaky(d: axhook.Delivery) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("database down")

    headers, body = delivery()
    with caplog.at_level(logging.ERROR, logger="axhook"):
        failed = receiver.receive(headers, body)
    assert (failed.status, failed.code) == (500, "handler_failed")
    assert not failed.ok and failed.delivery is not None
    record = next(r for r in caplog.records if r.name == "axhook")
    assert "flaky" in record.getMessage() and record.exc_info is not None
    assert "database down" in caplog.text
    retried = receiver.receive(headers, body)  # the claim was released: processed now
    assert (retried.status, retried.code) == (200, "processed")
    assert receiver.receive(headers, body).code == "duplicate" and len(attempts) == 2


def test_in_progress_while_a_handler_runs(verifier: axhook.Verifier) -> None:
    receiver = axhook.Receiver(verifier)
    headers, body = delivery()
    inner: List[axhook.Outcome] = []
    receiver.on()(lambda d: inner.append(receiver.receive(headers, body)))
    assert receiver.receive(headers, body).code == "processed"
    assert [(o.status, o.code) for o in inner] == [(409, "in_progress")]


def test_store_full_is_store_unavailable(verifier: axhook.Verifier) -> None:
    receiver = axhook.Receiver(verifier, axhook.MemoryStore(capacity=1))
    inner: List[axhook.Outcome] = []
    receiver.on()(lambda d: inner.append(receiver.receive(*delivery())))
    assert receiver.receive(*delivery()).code == "processed"
    assert [(o.status, o.code) for o in inner] == [(503, "store_unavailable")]


def test_areceive_awaits_async_handlers(verifier: axhook.Verifier) -> None:
    receiver = axhook.Receiver(verifier)
    seen: List[str] = []

    @receiver.on("contact.*")
    async def handle(d: axhook.Delivery) -> None:
        await asyncio.sleep(0)
        seen.append(d.message_id)

    headers, body = delivery()
    outcome = asyncio.run(receiver.areceive(headers, body))
    assert outcome.code == "processed" and seen == [outcome.delivery.message_id]  # type: ignore[union-attr]
    # The sync receive cannot await: the handler counts as failed and the claim is released.
    headers, body = delivery()
    assert receiver.receive(headers, body).code == "handler_failed"
    assert asyncio.run(receiver.areceive(headers, body)).code == "processed"


def test_a_cancelled_handler_releases_its_claim(verifier: axhook.Verifier) -> None:
    receiver = axhook.Receiver(verifier)

    @receiver.on()
    async def slow(d: axhook.Delivery) -> None:
        await asyncio.sleep(10)

    headers, body = delivery()

    async def cancel() -> None:
        task = asyncio.ensure_future(receiver.areceive(headers, body))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel())
    receiver._handlers.clear()
    assert receiver.receive(headers, body).code == "processed"


def test_receiver_rejects_with_the_verification_code(verifier: axhook.Verifier) -> None:
    receiver = axhook.Receiver(verifier)
    headers, body = delivery()
    outcome = receiver.receive(headers, body + b" ")
    assert (outcome.status, outcome.code, outcome.delivery) == (401, "signature_mismatch", None)
    with pytest.raises(TypeError, match="raw request bytes"):
        receiver.receive(headers, body.decode())


# --- test helpers -------------------------------------------------------------------------


def test_signed_delivery_matches_the_stdlib_hmac() -> None:
    import hashlib
    import hmac

    headers, body = delivery()
    assert headers["Ax-Signature-Version"] == "1"
    assert headers[SIGNATURE_HEADER] == hmac.new(KEY.encode(), body, hashlib.sha256).hexdigest()
    unsigned, _ = signed_delivery("contact.contact_created", {}, None, version=0)
    assert unsigned == {"Ax-Signature-Version": "0", "Ax-Signature": ""}
    with pytest.raises(ValueError, match="version must be 1"):
        signed_delivery("contact.contact_created", {}, KEY, version=2)


def test_pytest_fixture(signed_delivery: Any, verifier: axhook.Verifier) -> None:
    headers, body = signed_delivery("course.workshop_created", {"workshop": {"id": 1}}, KEY)
    assert verifier.verify(headers, body).message == {"workshop": {"id": 1}}


def test_known_events() -> None:
    assert "contact.contact_merged" in axhook.KNOWN_EVENTS and len(axhook.KNOWN_EVENTS) >= 38


def test_a_leap_second_is_the_next_instant_without_a_warning() -> None:
    """RFC 3339 allows 23:59:60; a datetime cannot hold it. It counts as epoch time does (the
    instant after 23:59:59.999999), the value every runtime reports, and reading it raises no
    warning (which ``-W error`` would turn into an exception in a handler)."""
    body = (
        '{"type":"contact.contact_created","message":{},"clientId":1,"messageId":"m",'
        '"timestamp":"2024-02-25T23:59:60.500Z"}'
    ).encode()
    headers = {"Ax-Signature-Version": "1", "Ax-Signature": sign(body, KEY)}
    d = axhook.Verifier({"current": KEY}).verify(headers, body, now=FEB_26)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert d.timestamp == datetime(2024, 2, 26, 0, 0, 0, 500000, tzinfo=timezone.utc)
