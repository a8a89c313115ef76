"""Every sequence of fixtures/dedupe.json against axhook.MemoryStore."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, List

import pytest

import axhook
from conftest import load_fixture, parse_time

DEDUPE = load_fixture("dedupe.json")
SEQUENCES: List[Dict[str, Any]] = DEDUPE["sequences"]


def test_there_are_sequences() -> None:
    assert len(SEQUENCES) >= 7


@pytest.mark.parametrize("seq", SEQUENCES, ids=[s["name"] for s in SEQUENCES])
def test_sequence(seq: Dict[str, Any]) -> None:
    start = parse_time(DEDUPE["start"])
    store = axhook.MemoryStore(
        lease=seq["store"]["leaseSeconds"],
        retention=timedelta(seconds=seq["store"]["retentionSeconds"]),
        capacity=1000,
    )
    tickets: Dict[str, axhook.Ticket] = {}
    got: str
    for i, step in enumerate(seq["steps"]):
        now = start + timedelta(seconds=step["at"])
        if step["op"] == "claim":
            assert step["key"] == f"{step['clientId']}:{step['messageId']}"
            claim = store.claim(step["key"], now=now)
            got = claim.code
            if claim.ticket is not None:
                assert claim.code == "new"
                tickets[step["ticket"]] = claim.ticket
        else:
            ticket = tickets[step["ticket"]]
            try:
                if step["op"] == "complete":
                    store.complete(ticket, now=now)
                else:
                    store.release(ticket)
                got = "ok"
            except axhook.LeaseLost as e:
                got = e.code
        assert got == step["expect"], f"step {i}: {step}"
