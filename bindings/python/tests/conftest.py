"""Shared helpers: the repository's fixtures and the examples folder."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, Optional

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
    if case.get("body") is not None:
        return str(case["body"]).encode("utf-8")
    return base64.b64decode(case["bodyBase64"])
