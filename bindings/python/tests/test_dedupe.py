"""Every sequence of fixtures/dedupe.json against every store: MemoryStore, SqliteStore and
RedisStore (on a real redis-server started for the session)."""

from __future__ import annotations

from datetime import timedelta
from itertools import count
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest

import socket

import axhook
import axhook.testing
from conftest import load_fixture, parse_time

DEDUPE = load_fixture("dedupe.json")
SEQUENCES: List[Dict[str, Any]] = DEDUPE["sequences"]


def test_there_are_sequences() -> None:
    assert len(SEQUENCES) >= 7


_fresh = count()
StoreFactory = Callable[[Dict[str, Any]], axhook.Store]


@pytest.fixture(params=["memory", "sqlite", "redis"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    """A factory of fresh, empty stores of one kind, configured by a sequence's `store`."""

    def make(config: Dict[str, Any]) -> axhook.Store:
        lease = config["leaseSeconds"]  # seconds, as a number
        retention = timedelta(seconds=config["retentionSeconds"])  # or a timedelta
        if request.param == "memory":
            return axhook.MemoryStore(lease=lease, retention=retention, capacity=1000)
        if request.param == "sqlite":
            return axhook.SqliteStore(tmp_path / f"{next(_fresh)}.sqlite3", lease=lease, retention=retention)
        url = request.getfixturevalue("redis_url")
        return axhook.RedisStore(url, prefix=f"t{next(_fresh)}:", lease=lease, retention=retention)

    return make


@pytest.mark.parametrize("seq", SEQUENCES, ids=[s["name"] for s in SEQUENCES])
def test_sequence(seq: Dict[str, Any], make_store: StoreFactory) -> None:
    start = parse_time(DEDUPE["start"])
    store = make_store(seq["store"])
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


def test_sqlite_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "dedupe.sqlite3"
    store = axhook.SqliteStore(str(path))
    claim = store.claim("1:m")
    assert claim.ticket is not None
    store.complete(claim.ticket)
    del store
    assert axhook.SqliteStore(path).claim("1:m").code == "duplicate"


def test_every_store_works_under_a_receiver(tmp_path: Path, redis_url: str) -> None:
    sent = axhook.testing.signed_delivery("contact.contact_created", {"contact": {"id": 1}}, "k")
    for store in (
        axhook.MemoryStore(),
        axhook.SqliteStore(tmp_path / "r.sqlite3"),
        axhook.RedisStore(redis_url, prefix="receiver:"),
    ):
        receiver = axhook.Receiver(axhook.Verifier({"current": "k"}), store)
        seen: List[str] = []
        receiver.on("contact.*")(lambda d: seen.append(d.message_id))
        assert receiver.receive(*sent).code == "processed"
        assert receiver.receive(*sent).code == "duplicate"
        assert len(seen) == 1, store


def test_an_unreachable_redis_is_store_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here
    store = axhook.RedisStore(f"redis://:secret-pw@127.0.0.1:{port}/", timeout=0.5)
    assert "secret-pw" not in repr(store)
    receiver = axhook.Receiver(axhook.Verifier({"current": "k"}), store)
    outcome = receiver.receive(*axhook.testing.signed_delivery("contact.contact_created", {}, "k"))
    assert (outcome.status, outcome.code) == (503, "store_unavailable")
    assert "secret-pw" not in outcome.message
    with pytest.raises(axhook.StoreUnavailable):
        store.claim("1:m")
