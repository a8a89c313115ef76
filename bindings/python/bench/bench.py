"""Verify + parse of 1 KiB and 64 KiB deliveries: axhook against (a) the hand-written
standard-library receiver (hmac.new + hmac.compare_digest + json.loads) and (b) the
``standardwebhooks`` package verifying an equivalent payload. Every timed call ends with the
message in hand (``.message`` accessed), so a lazily built message pays for itself.

One run; prints the CPU time per call and the ratios (> 1 means axhook is faster). Targets at
1 KiB: at least 1.3x faster than (a) and 2x faster than (b).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
import time
import timeit
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Tuple

import standardwebhooks

import axhook
from axhook.testing import sample_message, signed_delivery

KEY = "ax-private-key-7f3c9a"
SIZES = [("1KiB", 1024), ("64KiB", 64 << 10)]
TARGETS = {"1KiB": (1.3, 2.0)}


def delivery(size: int) -> Tuple[Dict[str, str], bytes]:
    """A realistic delivery of at most ``size`` bytes, the same shape as the Rust bench: a
    workshop with as many enrolments as fit."""

    def build(n: int) -> Tuple[Dict[str, str], bytes]:
        message = sample_message("course.workshop_updated", 1)
        message["workshop"]["enrolments"] = [
            {
                "contactId": 500_000 + i,
                "givenName": f"Student {i}",
                "emailAddress": f"student{i}@example.edu.au",
                "status": "Enrolled",
                "units": ["TAEDES411", "TAEASS412"],
                "progress": (i % 100) / 100.0,
            }
            for i in range(n)
        ]
        return signed_delivery(
            "course.workshop_updated",
            message,
            KEY,
            message_id="669ee575-71c1-5cf2-97ee-bb20be1f817d",
        )

    lo, hi = 0, 1
    while len(build(hi)[1]) <= size:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if len(build(mid)[1]) <= size else (lo, mid)
    return build(lo)


def stdlib_receiver(key: bytes) -> Callable[[Dict[str, str], bytes], Any]:
    """The receiver one writes by hand with the standard library."""

    def receive(headers: Dict[str, str], body: bytes) -> Any:
        if headers.get("Ax-Signature-Version") != "1":
            raise ValueError("unsigned")
        expected = hmac.new(key, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, headers.get("Ax-Signature", "")):
            raise ValueError("signature mismatch")
        return json.loads(body)["message"]

    return receive


def standard_webhooks(body: bytes) -> Callable[[], Any]:
    """standardwebhooks verifying the same body, signed its own way (id, timestamp, base64)."""
    secret = base64.b64encode(KEY.encode()).decode()
    webhook = standardwebhooks.Webhook(secret)
    msg_id = "msg_669ee575-71c1-5cf2-97ee-bb20be1f817d"
    now = datetime.now(timezone.utc)
    signature = webhook.sign(msg_id, now, body.decode())
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    return lambda: webhook.verify(body, headers)["message"]


def race(contenders: Dict[str, Callable[[], Any]], rounds: int = 60) -> Dict[str, float]:
    """CPU seconds per call of each contender: the best batch of ``rounds``, the contenders
    taking turns batch by batch. CPU time (not wall time) and short batches keep the figures
    steady on a machine shared with other work."""
    numbers = {}
    for name, fn in contenders.items():
        number, took = timeit.Timer(fn, timer=time.process_time).autorange()
        numbers[name] = max(1, int(number * 0.004 / max(took, 1e-9)))  # ~4 ms a batch
    best = {name: float("inf") for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            took = timeit.Timer(fn, timer=time.process_time).timeit(numbers[name])
            best[name] = min(best[name], took / numbers[name])
    return best


def main() -> int:
    verifier = axhook.Verifier({"current": KEY})
    stdlib = stdlib_receiver(KEY.encode())
    rows: List[str] = []
    missed: List[str] = []
    for name, size in SIZES:
        headers, body = delivery(size)
        assert verifier.verify(headers, body).message == stdlib(headers, body)
        sw = standard_webhooks(body)
        assert sw() == stdlib(headers, body)
        times = race(
            {
                "axhook": lambda: verifier.verify(headers, body).message,
                "stdlib": lambda: stdlib(headers, body),
                "standardwebhooks": sw,
            }
        )
        t_axhook, t_stdlib, t_sw = times["axhook"], times["stdlib"], times["standardwebhooks"]
        ra, rb = t_stdlib / t_axhook, t_sw / t_axhook
        rows.append(
            f"{name:>6} ({len(body)} B): axhook {t_axhook * 1e6:8.2f} us | "
            f"stdlib {t_stdlib * 1e6:8.2f} us ({ra:.2f}x) | "
            f"standardwebhooks {t_sw * 1e6:8.2f} us ({rb:.2f}x)"
        )
        if name in TARGETS:
            want_a, want_b = TARGETS[name]
            if ra < want_a or rb < want_b:
                missed.append(
                    f"{name}: {ra:.2f}x vs stdlib (target {want_a}x), "
                    f"{rb:.2f}x vs standardwebhooks (target {want_b}x)"
                )
    print("axhook Python: verify + parse (ratio = other / axhook; > 1 means axhook is faster)")
    for row in rows:
        print(row)
    for m in missed:
        print(f"below target: {m}")
    return 0


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"({time.perf_counter() - started:.1f} s, Python {sys.version.split()[0]})")
    sys.exit(code)
