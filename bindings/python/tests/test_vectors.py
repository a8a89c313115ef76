"""Every case of fixtures/vectors.json through the Python API: the same code and status as the
Rust core, and for accepted deliveries the same fields and the message json.loads gives."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

import pytest

import axhook
from axhook.errors import _BY_CODE
from conftest import case_body, load_fixture, parse_time, verifier_from_fixture

VECTORS = load_fixture("vectors.json")
CASES: List[Dict[str, Any]] = VECTORS["cases"]
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def case_now(case: Dict[str, Any]) -> datetime:
    return parse_time(case["now"] or VECTORS["now"])


def test_there_are_cases() -> None:
    assert len(CASES) >= 60
    codes = {c["expect"].get("code") for c in CASES} - {None}
    assert codes == set(axhook._native.ERROR_CODES)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vector(case: Dict[str, Any]) -> None:
    verifier = verifier_from_fixture(case["verifier"])
    headers = case["headers"]  # [[name, value], ...] as the fixture holds them
    body = case_body(case)
    expect = case["expect"]
    try:
        d = verifier.verify(headers, body, now=case_now(case))
    except axhook.VerificationError as e:
        got: Dict[str, Any] = {"ok": False, "code": e.code, "status": e.status}
        assert isinstance(e, _BY_CODE[e.code])
        assert str(e) == expect.get("message")
    else:
        got = {
            "ok": True,
            "type": d.type,
            "namespace": d.namespace,
            "event": d.event,
            "clientId": d.client_id,
            "messageId": d.message_id,
            "timestamp": d.timestamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "timestampMillis": (d.timestamp - EPOCH) // timedelta(milliseconds=1),
            "keyLabel": d.key_label,
            "signed": d.signed,
        }
        assert d.timestamp.utcoffset() == timedelta(0)
        assert d.raw_body == body
        assert d.message == json.loads(body)["message"]
        assert d.message is d.message  # built once
    want = {k: v for k, v in expect.items() if k != "message"}
    assert got == want


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vector_through_receiver(case: Dict[str, Any]) -> None:
    """The Receiver answers each case with the verification's code and status, or processes it."""
    receiver = axhook.Receiver(verifier_from_fixture(case["verifier"]))
    seen: List[axhook.Delivery] = []
    receiver.on("*")(seen.append)
    headers = [tuple(pair) for pair in case["headers"]]
    outcome = receiver.receive(headers, case_body(case), now=case_now(case))
    expect = case["expect"]
    if expect["ok"]:
        assert (outcome.status, outcome.code) == (200, "processed")
        assert outcome.delivery is not None and seen == [outcome.delivery]
    else:
        assert (outcome.status, outcome.code) == (expect["status"], expect["code"])
        assert outcome.delivery is None and not seen
