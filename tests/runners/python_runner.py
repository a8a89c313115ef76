"""The Python fixture runner of `make conformance` (tests/conformance.py).

    bindings/python/.venv/bin/python tests/runners/python_runner.py fixtures

Runs every case of vectors.json and hostile.json through ``axhook.Verifier`` and every sequence
of dedupe.json against a fresh ``axhook.MemoryStore``, and prints what it observed, one JSON
object per line on standard output (nothing else there; logs go to standard error). A case
that raises anything but the verifier's own refusal is reported as an ``error`` line and the
runner goes on. Exits 2 only when a fixture file cannot be read.
"""

from __future__ import annotations

import base64
import json
import sys
import traceback
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import axhook

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(0)  # our own parse of a message must take any integer


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def emit(suite: str, case: str, fields: Dict[str, Any]) -> None:
    line = json.dumps({"suite": suite, "case": case, **fields}, ensure_ascii=True)
    sys.stdout.write(line + "\n")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def verifier_for(config: Dict[str, Any]) -> axhook.Verifier:
    """The fixture's camelCase verifier object as the Python API's keyword arguments; every
    field is present (null means not configured)."""
    kwargs: Dict[str, Any] = {
        "allow_unsigned": bool(config["allowUnsigned"]),
        "max_age": timedelta(seconds=config["maxAgeSeconds"]),
        "max_future_skew": timedelta(seconds=config["maxFutureSkewSeconds"]),
        "max_body_bytes": config["maxBodyBytes"],
    }
    if config.get("clientKeys") is not None:
        kwargs["client_keys"] = {int(k): v for k, v in config["clientKeys"].items()}
    if config.get("allowedClientIds") is not None:
        kwargs["allowed_client_ids"] = config["allowedClientIds"]
    return axhook.Verifier(config.get("keys") or {}, **kwargs)


def body_of(case: Dict[str, Any]) -> bytes:
    generated = case.get("bodyGenerated")
    if generated is not None:
        repeated = generated["repeat"] * generated["count"]
        text: str = generated["prefix"] + repeated + generated["suffix"]
        return text.encode("utf-8")
    if case.get("body") is not None:
        return str(case["body"]).encode("utf-8")
    if case.get("bodyBase64") is not None:
        return base64.b64decode(str(case["bodyBase64"]), validate=True)
    raise ValueError("the case has no body, bodyBase64 or bodyGenerated")


def verify_case(case: Dict[str, Any], default_now: str) -> Dict[str, Any]:
    verifier = verifier_for(case["verifier"])
    now = parse_time(case.get("now") or default_now)
    headers = [(name, value) for name, value in case["headers"]]  # as given: NUL, CR, LF...
    body = body_of(case)
    try:
        d = verifier.verify(headers, body, now=now)
    except axhook.VerificationError as e:
        return {"ok": False, "code": e.code, "status": e.status}
    expected = json.loads(body.decode("utf-8"))["message"]
    return {
        "ok": True,
        "delivery": {
            "type": d.type,
            "namespace": d.namespace,
            "event": d.event,
            "clientId": d.client_id,
            "messageId": d.message_id,
            "timestampMillis": (d.timestamp - EPOCH) // timedelta(milliseconds=1),
            "keyLabel": d.key_label,
            "signed": d.signed,
            "messageEqual": same_json(d.message, expected),
        },
    }


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON values: bool is not a number, and 1 equals 1.0 as json.loads has them."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return False
    return bool(a == b)


def dedupe_sequence(seq: Dict[str, Any], start: datetime) -> Dict[str, Any]:
    config = seq["store"]
    store = axhook.MemoryStore(
        lease=timedelta(seconds=config["leaseSeconds"]),
        retention=timedelta(seconds=config["retentionSeconds"]),
    )
    tickets: Dict[str, axhook.Ticket] = {}
    results: List[str] = []
    for step in seq["steps"]:
        now = start + timedelta(seconds=step["at"])
        if step["op"] == "claim":
            claim = store.claim(step["key"], now=now)
            if claim.ticket is not None:
                tickets[step["ticket"]] = claim.ticket
            results.append(claim.code)
        elif step["op"] in ("complete", "release"):
            ticket = tickets[step["ticket"]]
            try:
                if step["op"] == "complete":
                    store.complete(ticket, now=now)
                else:
                    store.release(ticket)
                results.append("ok")
            except axhook.LeaseLost as e:
                results.append(e.code)
        else:
            raise ValueError(f"unknown op {step['op']!r}")
    return {"results": results}


def guarded(suite: str, name: str, run: Callable[[], Dict[str, Any]]) -> None:
    try:
        fields = run()
    except Exception as e:  # report and go on
        log(f"{suite}/{name}: {traceback.format_exc()}")
        fields = {"error": f"{type(e).__name__}: {e}"}
    emit(suite, name, fields)


def load(directory: Path, name: str) -> Optional[Dict[str, Any]]:
    path = directory / f"{name}.json"
    try:
        data: Dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data
    except (OSError, ValueError) as e:
        log(f"{path}: {e}")
        return None


def main() -> int:
    directory = Path(sys.argv[1] if len(sys.argv) > 1 else "fixtures")
    status = 0
    for suite in ("vectors", "hostile"):
        data = load(directory, suite)
        if data is None:
            status = 2
            continue
        default_now = str(data["now"])
        for case in data["cases"]:
            guarded(suite, case["name"], partial(verify_case, case, default_now))
    data = load(directory, "dedupe")
    if data is None:
        status = 2
    else:
        start = parse_time(data["start"])
        for seq in data["sequences"]:
            guarded("dedupe", seq["name"], partial(dedupe_sequence, seq, start))
    sys.stdout.flush()
    return status


if __name__ == "__main__":
    sys.exit(main())
