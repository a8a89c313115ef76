"""Shared helpers: the repository's fixtures and the examples folder."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import pytest

import axhook

PYTHON_DIR = Path(__file__).resolve().parent.parent
EXAMPLES = PYTHON_DIR / "examples"
FIXTURES = PYTHON_DIR.parent.parent / "fixtures"


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def verifier_from_fixture(config: Dict[str, Any]) -> axhook.Verifier:
    """The fixture's camelCase verifier object as the Python API's keyword arguments."""

    def seconds(name: str) -> Optional[timedelta]:
        value = config.get(name)
        return None if value is None else timedelta(seconds=value)

    kwargs: Dict[str, Any] = {"allow_unsigned": config.get("allowUnsigned", False)}
    if config.get("clientKeys") is not None:
        kwargs["client_keys"] = {int(k): v for k, v in config["clientKeys"].items()}
    if config.get("allowedClientIds") is not None:
        kwargs["allowed_client_ids"] = config["allowedClientIds"]
    for field, arg in [("maxAgeSeconds", "max_age"), ("maxFutureSkewSeconds", "max_future_skew")]:
        if seconds(field) is not None:
            kwargs[arg] = seconds(field)
    if config.get("maxBodyBytes") is not None:
        kwargs["max_body_bytes"] = config["maxBodyBytes"]
    return axhook.Verifier(config.get("keys") or {}, **kwargs)


def case_body(case: Dict[str, Any]) -> bytes:
    """The case's raw body: generated (prefix + repeat × count + suffix, hostile.json's large
    bodies), text, or base64 when it is not UTF-8."""
    generated = case.get("bodyGenerated")
    if generated is not None:
        repeated = generated["repeat"] * generated["count"]
        text: str = generated["prefix"] + repeated + generated["suffix"]
        return text.encode("utf-8")
    if case.get("body") is not None:
        return str(case["body"]).encode("utf-8")
    return base64.b64decode(case["bodyBase64"])


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server on a free loopback port for the whole session, stopped after."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/"
    finally:
        server.kill()
        server.wait()
