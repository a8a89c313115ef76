"""Verify soak (issue 9): verify and receive deliveries in a loop for SOAK_SECONDS and check that
the process's memory stays flat.

Each round builds a fresh delivery (a new messageId, signed here with ``hmac``), verifies it
and reads its message, receives it through a ``Receiver`` whose ``MemoryStore`` is bounded
(SOAK_CAPACITY ids, so after the first seconds every new id evicts the oldest and the store
stays at its bound), and exercises the other paths on a share of the rounds: a retry
(``duplicate``), a tampered signature (an exception raised from the native module), a
malformed body, and a handler that fails once (``handler_failed``, then ``processed`` on the
retry).

RSS (VmRSS of /proc/self/status) is sampled every SOAK_INTERVAL seconds (10) after a warm-up of
SOAK_WARMUP seconds (30, and at least until the store is full). Exit status 1 when RSS grew
from the first sample to the last by more than 5 % or 8 MiB, whichever is larger.

    make python-soak                       # 600 s
    SOAK_SECONDS=60 make python-soak
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import json
import logging
import os
import sys
import time
from datetime import datetime, timezone
from typing import Dict, List, Tuple

import axhook
import axhook.testing

KEY = "soak-private-key-5b1e"
SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
WARMUP = float(os.environ.get("SOAK_WARMUP", "30"))
INTERVAL = float(os.environ.get("SOAK_INTERVAL", "10"))
CAPACITY = int(os.environ.get("SOAK_CAPACITY", "100000"))
MIB = 1 << 20


def rss_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class Deliveries:
    """Fresh signed deliveries: a realistic message with a new messageId each time."""

    def __init__(self) -> None:
        message = axhook.testing.sample_message("contact.contact_updated")
        stamp = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self._template = json.dumps(
            {
                "type": "contact.contact_updated",
                "message": {"failOnce": "FAIL", **message},
                "clientId": 12345678,
                "messageId": "MID",
                "timestamp": stamp,
            },
            separators=(",", ":"),
        )
        self._key = KEY.encode()

    def make(self, n: int, fail_once: bool = False) -> Tuple[Dict[str, str], bytes]:
        text = self._template.replace('"FAIL"', "true" if fail_once else "false", 1)
        body = text.replace('"MID"', f'"soak-{n:012d}"', 1).encode()
        signature = hmac.new(self._key, body, hashlib.sha256).hexdigest()
        return {"Ax-Signature-Version": "1", "Ax-Signature": signature}, body


def main() -> int:
    logging.getLogger("axhook").disabled = True  # handler_failed logs a traceback per failure
    verifier = axhook.Verifier({"current": KEY})
    store = axhook.MemoryStore(capacity=CAPACITY)
    receiver = axhook.Receiver(verifier, store)
    processed = 0
    failed: Dict[str, int] = {}

    @receiver.on("contact.*")
    def handle(delivery: axhook.Delivery) -> None:
        nonlocal processed
        key = delivery.dedupe_key
        if delivery.message["failOnce"] and key not in failed:
            failed[key] = 1
            raise RuntimeError("fails once")
        failed.pop(key, None)
        processed += 1

    source = Deliveries()
    counts = {"verify": 0, "receive": 0, "refused": 0}
    unexpected: List[str] = []
    samples: List[Tuple[float, int, int]] = []  # (seconds since start, rss, store length)
    started = time.monotonic()
    next_sample = started + WARMUP
    end = started + SECONDS
    n = 0
    print(
        f"axhook Python soak: {SECONDS:.0f} s, warm-up {WARMUP:.0f} s, a sample every "
        f"{INTERVAL:.0f} s, MemoryStore capacity {CAPACITY}, Python {sys.version.split()[0]}",
        flush=True,
    )
    while True:
        for _ in range(200):
            n += 1
            fail_once = n % 16 == 0
            headers, body = source.make(n, fail_once)
            delivery = verifier.verify(headers, body)
            if delivery.message["contact"] is None or delivery.message_id != f"soak-{n:012d}":
                unexpected.append(f"verify {n}")
            counts["verify"] += 1
            outcome = receiver.receive(headers, body)
            counts["receive"] += 1
            want = "handler_failed" if fail_once else "processed"
            if outcome.code != want:
                unexpected.append(f"receive {n}: {outcome.code}")
            if fail_once or n % 4 == 0:  # aXcelerate's retry
                outcome = receiver.receive(headers, body)
                counts["receive"] += 1
                if outcome.code != ("processed" if fail_once else "duplicate"):
                    unexpected.append(f"retry {n}: {outcome.code}")
            if n % 8 == 0:
                bad = dict(headers, **{"Ax-Signature": headers["Ax-Signature"][::-1]})
                try:
                    verifier.verify(bad, body)
                    unexpected.append(f"tampered {n} accepted")
                except axhook.SignatureError:
                    counts["refused"] += 1
            if n % 8 == 4:
                try:
                    verifier.verify(headers, body[:-1])
                    unexpected.append(f"truncated {n} accepted")
                except axhook.VerificationError:
                    counts["refused"] += 1
        now = time.monotonic()
        if (now >= next_sample and len(store) >= CAPACITY) or now >= end:
            gc.collect()
            sample = (now - started, rss_bytes(), len(store))
            samples.append(sample)
            ops = counts["verify"] + counts["receive"] + counts["refused"]
            print(
                f"t={sample[0]:6.1f}s rss={sample[1] / MIB:8.2f} MiB store={sample[2]:>7} "
                f"deliveries={counts['verify']:>9} ({counts['verify'] / sample[0]:8.0f}/s) "
                f"calls={ops}",
                flush=True,
            )
            next_sample = now + INTERVAL
        if now >= end:
            break
        if len(unexpected) > 20:
            break

    elapsed = time.monotonic() - started
    first, last = samples[0][1], samples[-1][1]
    limit = max(first * 0.05, 8 * MIB)
    growth = last - first
    print(
        f"{counts['verify']} deliveries in {elapsed:.1f} s: {counts['verify'] / elapsed:.0f} "
        f"deliveries/s verified, {counts['receive'] / elapsed:.0f} receives/s, "
        f"{counts['refused']} refusals; processed {processed}; store {len(store)}/{CAPACITY}"
    )
    print(
        f"RSS first sample {first / MIB:.2f} MiB, last {last / MIB:.2f} MiB, "
        f"growth {growth / MIB:+.2f} MiB (limit {limit / MIB:.2f} MiB), "
        f"min {min(s[1] for s in samples) / MIB:.2f} max {max(s[1] for s in samples) / MIB:.2f}"
    )
    status = 0
    if unexpected:
        print(f"unexpected outcomes ({len(unexpected)}): {unexpected[:20]}")
        status = 1
    if len(samples) < 2:
        print("too short for two samples: raise SOAK_SECONDS")
        status = 1
    if growth > limit:
        print("FAIL: RSS grew beyond the limit")
        status = 1
    if samples[0][2] < CAPACITY:
        print("FAIL: the store was not at its bound when sampling started")
        status = 1
    print("ok" if status == 0 else "soak failed")
    return status


if __name__ == "__main__":
    sys.exit(main())
