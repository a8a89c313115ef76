#!/usr/bin/env python3
"""`make conformance`: one delivery, every runtime.

1. Fixture matrix. Each runtime's fixture runner (RUNNERS) runs every case of
   fixtures/vectors.json and fixtures/hostile.json and every sequence of fixtures/dedupe.json
   and prints what it observed, one JSON object per line (the protocol is in tests/README.md).
   This script compares each line with the fixture's expectation.
2. End to end. Each receiver app in tests/apps/<name>/run.sh is started on a free loopback
   port and sent deliveries by the `axhook` CLI exactly as aXcelerate would (retries and
   duplicates included): valid, retried, tampered (wrong key; body changed after signing),
   downgraded, too large, a handler that fails once. Every answer's status and JSON `code` are
   checked, then GET /effects must show each side effect exactly once.

Prints a matrix (rows: cases; columns: runtimes and apps; ✓ passed, ✗ failed, – not run),
a summary per column and every failure with what was expected and what was observed. Exits 1
on any failure, including a runner or an app that is missing, unless `--only` leaves it out.

Standard library only; run with the system python3 from anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

# Runtime → fixture runner command, run from the repository root with the fixtures folder.
RUNNERS = {
    "rust": ["cargo", "run", "-q", "-p", "axhook", "--example", "conformance", "--", "fixtures"],
    "python": ["bindings/python/.venv/bin/python", "tests/runners/python_runner.py", "fixtures"],
    "node": ["node", "tests/runners/node_runner.mjs", "fixtures"],
    "wasm-node": ["node", "tests/runners/wasm_node_runner.mjs", "fixtures"],
    "wasm-chromium": ["node", "tests/runners/wasm_chromium_runner.mjs", "fixtures"],
    "kotlin": ["tests/runners/kotlin_runner.sh", "fixtures"],
}
# The file whose absence means the runner is missing (the first one that is not a program).
RUNNER_FILES = {
    "rust": "crates/axhook/examples/conformance.rs",
    "python": "tests/runners/python_runner.py",
    "node": "tests/runners/node_runner.mjs",
    "wasm-node": "tests/runners/wasm_node_runner.mjs",
    "wasm-chromium": "tests/runners/wasm_chromium_runner.mjs",
    "kotlin": "tests/runners/kotlin_runner.sh",
}
APPS = ["axum", "axhook-serve", "flask", "fastapi", "django", "express", "fastify",
        "fetch-node", "wasm-fetch-node", "kotlin-httpserver"]

# The envelope fields a runner reports for an accepted delivery, as the fixtures name them.
DELIVERY_FIELDS = ["type", "namespace", "event", "clientId", "messageId", "timestampMillis",
                   "keyLabel", "signed"]

RUNNER_TIMEOUT = 900        # seconds per fixture runner (it may compile first)
HEALTH_TIMEOUT = 180        # seconds for an app to answer GET /health (some compile first)
SEND_TIMEOUT = 120          # seconds per `axhook send`
CLIENT_ID = 12345678
ONE_MIB = 1 << 20

E2E_CASES = [
    ("valid", "valid delivery → 200 processed"),
    ("retries", "its retries (same messageId ×2) → 200 duplicate"),
    ("valid_effect", "valid: handler ran exactly once"),
    ("wrong_key", "tampered: signed with a wrong key → 401 signature_mismatch"),
    ("tampered_body", "tampered: body changed after signing → 401 signature_mismatch"),
    ("downgrade", "downgrade to unsigned (version 0) → 401 unsigned_rejected"),
    ("at_limit", "body of exactly 1 MiB (the limit itself) → 200 processed"),
    ("too_large", "too large (body > 1 MiB) → 413 body_too_large"),
    ("near_2mib", "2 MiB − 1 KiB → 413 body_too_large from the verifier"),
    ("concurrent", "8 copies at once → 1 processed, others duplicate/in_progress"),
    ("fail_once", "handler fails once → 500 handler_failed, then 200 processed"),
    ("fail_once_effect", "fails once: processed 1, failed 1"),
    ("effects", "every side effect exactly once, nothing for refused deliveries"),
]


def compact(value, limit: int = 700) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                          sort_keys=True)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} chars)"


def same(a, b) -> bool:
    """Equal as JSON values, types included (1 is not 1.0, true is not 1)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


class Results:
    """cells[(section, row)][column] = (passed, expected, observed)."""

    def __init__(self):
        self.rows: dict[str, list[str]] = {"fixtures": [], "e2e": []}
        self.columns: dict[str, list[str]] = {"fixtures": [], "e2e": []}
        self.cells: dict[tuple[str, str], dict[str, tuple[bool, str, str]]] = {}
        self.notes: dict[str, str] = {}  # column → log excerpt shown with its failures
        self.problems: list[str] = []    # failures outside the matrix (missing fixtures, …)

    def row(self, section: str, name: str):
        if name not in self.rows[section]:
            self.rows[section].append(name)

    def column(self, section: str, name: str):
        if name not in self.columns[section]:
            self.columns[section].append(name)

    def record(self, section, row, column, passed, expected="", observed=""):
        self.row(section, row)
        self.column(section, column)
        self.cells.setdefault((section, row), {})[column] = (passed, expected, observed)

    def failures(self):
        for section in ("fixtures", "e2e"):
            for row in self.rows[section]:
                for column in self.columns[section]:
                    cell = self.cells.get((section, row), {}).get(column)
                    if cell and not cell[0]:
                        yield section, row, column, cell


# ---------------------------------------------------------------------------------------------
# Fixture matrix


def load_fixtures(results: Results):
    """[(suite, case, expectation)] in file order; a missing file is a failure."""
    expected = []
    for suite in ("vectors", "hostile"):
        path = FIXTURES / f"{suite}.json"
        try:
            cases = json.loads(path.read_text())["cases"]
        except (OSError, ValueError, KeyError) as e:
            results.problems.append(f"fixtures/{suite}.json cannot be read: {e}")
            continue
        expected += [(suite, case["name"], case["expect"]) for case in cases]
    path = FIXTURES / "dedupe.json"
    try:
        sequences = json.loads(path.read_text())["sequences"]
        expected += [("dedupe", seq["name"], [step["expect"] for step in seq["steps"]])
                     for seq in sequences]
    except (OSError, ValueError, KeyError) as e:
        results.problems.append(f"fixtures/dedupe.json cannot be read: {e}")
    names = [(s, c) for s, c, _ in expected]
    for key in {k for k in names if names.count(k) > 1}:
        results.problems.append(f"fixtures: case {key[0]}/{key[1]} appears more than once")
    return expected


def check_line(suite: str, expect, line) -> tuple[bool, str, str]:
    """Compares one runner line with the fixture's expectation: (passed, expected, observed)."""
    if suite == "dedupe":
        wanted = compact({"results": expect})
    elif expect.get("ok"):
        wanted = compact({"ok": True, **{f: expect.get(f) for f in DELIVERY_FIELDS},
                          "messageEqual": True})
    else:
        wanted = compact({"ok": False, "code": expect.get("code"), "status": expect.get("status")})
    if line is None:
        return False, wanted, "no line for this case"
    if "error" in line:
        return False, wanted, f"error: {compact(line['error'])}"
    if suite == "dedupe":
        return same(line.get("results"), expect), wanted, compact({"results": line.get("results")})
    observed = compact({k: v for k, v in line.items() if k not in ("suite", "case")})
    if expect.get("ok"):
        delivery = line.get("delivery")
        passed = (line.get("ok") is True and isinstance(delivery, dict)
                  and all(same(delivery.get(f), expect.get(f)) for f in DELIVERY_FIELDS)
                  and delivery.get("messageEqual") is True)
    else:
        passed = (line.get("ok") is False and same(line.get("code"), expect.get("code"))
                  and same(line.get("status"), expect.get("status")))
    return passed, wanted, observed


def run_runner(runtime: str, expected, results: Results, logs: Path):
    results.column("fixtures", runtime)
    protocol_row = "runner: exits 0, prints one JSON line per case and nothing else"
    missing = RUNNER_FILES[runtime]
    if not (ROOT / missing).exists():
        reason = f"runner missing: {missing} does not exist"
        results.record("fixtures", protocol_row, runtime, False, "a runner", reason)
        for suite, case, expect in expected:
            results.record("fixtures", f"{suite}/{case}", runtime, False, "", reason)
        return
    log = logs / f"runner-{runtime}.stderr.log"
    started = time.monotonic()
    print(f"· {runtime}: {' '.join(RUNNERS[runtime])}", file=sys.stderr, flush=True)
    with open(log, "wb") as stderr:
        try:
            process = subprocess.Popen(RUNNERS[runtime], cwd=ROOT, stdout=subprocess.PIPE,
                                       stderr=stderr, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        except OSError as e:
            stdout, status = b"", f"could not start: {e}"
        else:
            try:
                stdout, _ = process.communicate(timeout=RUNNER_TIMEOUT)
                status = str(process.returncode)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the runner and whatever it started
                stdout, _ = process.communicate()
                status = f"timed out after {RUNNER_TIMEOUT}s"
    print(f"  {runtime}: {time.monotonic() - started:.1f}s, exit {status}", file=sys.stderr,
          flush=True)

    lines: dict[tuple[str, str], dict] = {}
    trouble = []
    known = {(s, c) for s, c, _ in expected}
    for number, raw in enumerate(stdout.decode("utf-8", "replace").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
            key = (line["suite"], line["case"])
        except (ValueError, KeyError, TypeError):
            trouble.append(f"stdout line {number} is not a case line: {compact(raw, 160)}")
            continue
        if key in lines:
            trouble.append(f"two lines for {key[0]}/{key[1]}")
        elif key not in known:
            trouble.append(f"a line for {key[0]}/{key[1]}, which is no fixture case")
        lines[key] = line
    if status != "0":
        trouble.insert(0, f"exit status {status}")
    results.record("fixtures", protocol_row, runtime, not trouble, "exit 0, JSON case lines only",
                   "; ".join(trouble[:5]) + (f"; … {len(trouble) - 5} more" if len(trouble) > 5
                                             else ""))
    for suite, case, expect in expected:
        passed, wanted, observed = check_line(suite, expect, lines.get((suite, case)))
        results.record("fixtures", f"{suite}/{case}", runtime, passed, wanted, observed)
    if trouble or any(not c[0] for (sec, _), cells in results.cells.items() if sec == "fixtures"
                      for col, c in cells.items() if col == runtime):
        tail = log.read_text(errors="replace").strip().splitlines()[-15:]
        if tail:
            results.notes[runtime] = f"{log} (last lines):\n    " + "\n    ".join(tail)


# ---------------------------------------------------------------------------------------------
# End to end


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body: bytes | None = None, headers=None, timeout=30):
    """(status, parsed JSON body or raw text); urllib's errors are answers too."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", "replace")


class App:
    def __init__(self, name: str, axhook: Path, logs: Path):
        self.name = name
        self.axhook = axhook
        self.port = free_port()
        self.key = "e2e-" + secrets.token_hex(12)
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/webhooks/axcelerate"
        self.log = logs / f"app-{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> str | None:
        """Starts run.sh and waits for GET /health; returns why it is not ready, or None."""
        env = dict(os.environ, PORT=str(self.port), AXHOOK_KEY=self.key)
        with open(self.log, "wb") as log:
            try:
                self.process = subprocess.Popen(
                    [str(ROOT / "tests/apps" / self.name / "run.sh")], cwd=ROOT, env=env,
                    stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
            except OSError as e:
                return f"run.sh could not be started: {e}"
        deadline = time.monotonic() + HEALTH_TIMEOUT
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return f"run.sh exited with status {self.process.returncode} before /health"
            try:
                status, _ = http("GET", f"{self.base}/health", timeout=2)
                if status == 200:
                    return None
                last = f"status {status}"
            except (OSError, urllib.error.URLError) as e:
                last = str(e)
            time.sleep(0.25)
        return f"GET /health did not answer 200 within {HEALTH_TIMEOUT}s ({last})"

    def stop(self):
        if self.process is None:
            return
        for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(wait)
                # The group may outlive its leader; give the others the same signal.
                os.killpg(self.process.pid, sig)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                pass

    def send(self, *args: str) -> dict:
        """`axhook send URL --json …`: its JSON summary (runs → attempts → status, code)."""
        command = [str(self.axhook), "send", self.url, "--json", "--timeout", "30s", *args]
        try:
            done = subprocess.run(command, cwd=ROOT, capture_output=True, timeout=SEND_TIMEOUT)
        except subprocess.TimeoutExpired:
            return {"error": f"axhook send did not finish within {SEND_TIMEOUT}s"}
        try:
            return json.loads(done.stdout)
        except ValueError:
            return {"error": f"axhook send exited {done.returncode}: "
                             f"{compact(done.stdout.decode(errors='replace'), 200)} "
                             f"{compact(done.stderr.decode(errors='replace'), 400)}"}

    def effects(self) -> dict:
        status, body = http("GET", f"{self.base}/effects")
        if status != 200 or not isinstance(body, dict):
            return {"error": f"GET /effects answered {status}: {compact(body, 200)}"}
        return body


def attempts(summary: dict, run: int = 0) -> list[tuple]:
    """[(status, code)] of one run of an `axhook send --json` summary."""
    if "error" in summary:
        return [("error", summary["error"])]
    try:
        return [(a["status"], a["code"]) for a in summary["runs"][run]["attempts"]]
    except (KeyError, IndexError, TypeError):
        return [("error", f"no run {run} in {compact(summary, 300)}")]


def post_signed(app: App, message_id: str, size: int, tmp: Path) -> tuple:
    """POSTs a delivery of exactly `size` bytes, signed by `axhook sign`: (status, code)."""
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    def body(pad: int) -> bytes:
        return json.dumps({"type": "contact.contact_updated", "message": {"note": "x" * pad},
                           "clientId": CLIENT_ID, "messageId": message_id, "timestamp": now},
                          separators=(",", ":")).encode()
    data = body(size - len(body(0)))
    path = tmp / f"{app.name}-{message_id}.json"
    path.write_bytes(data)
    try:
        assert len(data) == size, f"built {len(data)} bytes, not {size}"
        signing = subprocess.run([str(app.axhook), "sign", "--key", app.key, f"@{path}"],
                                 cwd=ROOT, capture_output=True, timeout=30, check=True)
        headers = {"Ax-Signature-Version": "1", "Ax-Signature": signing.stdout.decode().strip(),
                   "Content-Type": "application/json"}
        status, answer = http("POST", app.url, data, headers, timeout=60)
        return status, answer.get("code") if isinstance(answer, dict) else compact(answer, 200)
    except (AssertionError, OSError, subprocess.SubprocessError, urllib.error.URLError) as e:
        return "error", str(e)


def post_concurrently(app: App, message_id: str, copies: int) -> list[tuple]:
    """POSTs one signed delivery `copies` times at once: [(status, code)]."""
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    data = json.dumps({"type": "contact.contact_updated", "message": {"contact": {"id": 1}},
                       "clientId": CLIENT_ID, "messageId": message_id, "timestamp": now}).encode()
    try:
        signing = subprocess.run([str(app.axhook), "sign", "--key", app.key, "-"], input=data,
                                 cwd=ROOT, capture_output=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as e:
        return [("error", f"axhook sign: {e}")]
    headers = {"Ax-Signature-Version": "1", "Ax-Signature": signing.stdout.decode().strip(),
               "Content-Type": "application/json"}
    answers: list[tuple] = []
    barrier = threading.Barrier(copies)

    def post():
        try:
            barrier.wait(10)
            status, answer = http("POST", app.url, data, headers, timeout=60)
            answers.append((status, answer.get("code") if isinstance(answer, dict)
                            else compact(answer, 100)))
        except (OSError, urllib.error.URLError, threading.BrokenBarrierError) as e:
            answers.append(("error", str(e)))

    threads = [threading.Thread(target=post) for _ in range(copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def run_app(name: str, axhook: Path, results: Results, logs: Path, tmp: Path):
    results.column("e2e", name)

    def record(case: str, passed: bool, expected, observed):
        results.record("e2e", case, name, passed, compact(expected), compact(observed))

    if not (ROOT / "tests/apps" / name / "run.sh").exists():
        for case, _ in E2E_CASES:
            record(case, False, "an app", f"tests/apps/{name}/run.sh does not exist")
        return
    app = App(name, axhook, logs)
    started = time.monotonic()
    print(f"· {name}: tests/apps/{name}/run.sh on port {app.port}", file=sys.stderr, flush=True)
    try:
        why = app.start()
        if why:
            for case, _ in E2E_CASES:
                record(case, False, "the app answers GET /health", why)
        else:
            e2e_cases(app, record, tmp)
    finally:
        app.stop()
        print(f"  {name}: {time.monotonic() - started:.1f}s", file=sys.stderr, flush=True)
    if any(c[2] == name for c in results.failures()):
        tail = app.log.read_text(errors="replace").strip().splitlines()[-25:]
        results.notes[name] = f"{app.log} (last lines):\n    " + "\n    ".join(tail or ["(empty)"])


def e2e_cases(app: App, record, tmp: Path):
    key = app.key
    want: object
    common = ["--retries", "0", "--backoff", "10ms"]

    # A valid delivery, sent three times as aXcelerate's redeliveries would: processed once.
    valid_id = f"e2e-valid-{secrets.token_hex(6)}"
    sent = app.send("--key", key, "--message-id", valid_id, "--repeat", "3", *common)
    record("valid", attempts(sent, 0) == [(200, "processed")], [(200, "processed")],
           attempts(sent, 0))
    retries = [attempts(sent, 1), attempts(sent, 2)]
    record("retries", retries == [[(200, "duplicate")]] * 2, [[(200, "duplicate")]] * 2, retries)
    effects = app.effects()
    got = effects.get("processed", {}).get(f"{CLIENT_ID}:{valid_id}") if "error" not in effects \
        else effects
    record("valid_effect", got == 1, {"processed": 1}, {"processed": got})

    refused = []  # messageIds that must never reach the handler

    # Tampered: a key the receiver does not have.
    wrong_id = f"e2e-wrong-key-{secrets.token_hex(6)}"
    refused.append(wrong_id)
    sent = app.send("--key", "not-" + key, "--message-id", wrong_id, *common)
    want = [(401, "signature_mismatch")]
    record("wrong_key", attempts(sent) == want, want, attempts(sent))

    # Tampered: a correctly signed body, changed after signing (posted here with urllib).
    signing = subprocess.run([str(app.axhook), "sign", "--key", key, "--event",
                              "contact.contact_updated", "--json"],
                             cwd=ROOT, capture_output=True, timeout=30)
    try:
        signed = json.loads(signing.stdout)
        original = signed["body"]
        refused.append(json.loads(original)["messageId"])
        changed = original.replace('"Ada"', '"Eve"')
        assert changed != original, "the sample has no \"Ada\" to change"
        headers = dict(signed["headers"], **{"Content-Type": "application/json"})
        # The headers sign the original body, which is never sent: the "effects" case checks
        # that its messageId was not processed either.
        status, body = http("POST", app.url, changed.encode(), headers)
        observed = (status, body.get("code") if isinstance(body, dict) else compact(body, 200))
    except (ValueError, KeyError, AssertionError, OSError, urllib.error.URLError) as e:
        observed = ("error", f"{e}: {compact(signing.stdout.decode(errors='replace'), 200)}")
    want = (401, "signature_mismatch")
    record("tampered_body", observed == want, want, observed)

    # Downgrade: version 0, unsigned, while the receiver has a key.
    down_id = f"e2e-unsigned-{secrets.token_hex(6)}"
    refused.append(down_id)
    sent = app.send("--key", key, "--unsigned", "--message-id", down_id, *common)
    want = [(401, "unsigned_rejected")]
    record("downgrade", attempts(sent) == want, want, attempts(sent))

    # Too large: a message that makes the body just over the verifier's 1 MiB.
    big_id = f"e2e-too-large-{secrets.token_hex(6)}"
    refused.append(big_id)
    big = tmp / f"{app.name}-large-message.json"
    big.write_text(json.dumps({"note": "x" * (ONE_MIB + 1024)}))
    sent = app.send("--key", key, "--message", f"@{big}", "--message-id", big_id, *common)
    want = [(413, "body_too_large")]
    record("too_large", attempts(sent) == want, want, attempts(sent))

    # The framework passes a body of exactly the verifier's limit (built and signed here).
    limit_id = f"e2e-at-limit-{secrets.token_hex(6)}"
    observed = post_signed(app, limit_id, ONE_MIB, tmp)
    want = (200, "processed")
    record("at_limit", observed == want, want, observed)

    # The framework's own limit is at least 2 MiB: the verifier, not it, refuses this one.
    near_id = f"e2e-near-2mib-{secrets.token_hex(6)}"
    refused.append(near_id)
    observed = post_signed(app, near_id, 2 * ONE_MIB - 1024, tmp)
    want = (413, "body_too_large")
    record("near_2mib", observed == want, want, observed)

    # The same delivery eight times at once (a fleet of retries racing): one is processed.
    race_id = f"e2e-concurrent-{secrets.token_hex(6)}"
    answers = post_concurrently(app, race_id, 8)
    processed = answers.count((200, "processed"))
    others = [a for a in answers if a not in ((200, "processed"), (200, "duplicate"),
                                              (409, "in_progress"))]
    record("concurrent", processed == 1 and not others,
           "one (200, processed), the others (200, duplicate) or (409, in_progress)",
           sorted(answers, key=str))

    # A handler that fails once: 500 (the claim is released), then aXcelerate's retry succeeds.
    fail_id = f"e2e-fail-once-{secrets.token_hex(6)}"
    sent = app.send("--key", key, "--message", '{"failOnce":true}', "--message-id", fail_id,
                    "--retries", "3", "--backoff", "10ms")
    want = [(500, "handler_failed"), (200, "processed")]
    record("fail_once", attempts(sent) == want, want, attempts(sent))
    effects = app.effects()
    fail_key = f"{CLIENT_ID}:{fail_id}"
    got = ({"processed": effects.get("processed", {}).get(fail_key),
            "failed": effects.get("failed", {}).get(fail_key)} if "error" not in effects
           else effects)
    record("fail_once_effect", got == {"processed": 1, "failed": 1},
           {"processed": 1, "failed": 1}, got)

    # Everything the handler did, exactly once; nothing for what was refused.
    effects = app.effects()
    want = {"processed": {f"{CLIENT_ID}:{valid_id}": 1, f"{CLIENT_ID}:{limit_id}": 1,
                          f"{CLIENT_ID}:{race_id}": 1, fail_key: 1},
            "failed": {fail_key: 1}}
    got = ({"processed": effects.get("processed"), "failed": effects.get("failed")}
           if "error" not in effects else effects)
    leaked = [m for m in refused if m in json.dumps(got)]
    record("effects", got == want and not leaked, want,
           got if not leaked else {"effects": got, "refused but processed": leaked})


# ---------------------------------------------------------------------------------------------
# Report


def print_matrix(results: Results, titles: dict[str, str]):
    for section, heading in (("fixtures", "Fixture conformance (runtime × case)"),
                             ("e2e", "End to end over HTTP (app × case)")):
        columns = results.columns[section]
        if not columns:
            continue
        rows = results.rows[section]
        width = max(len(titles.get(r, r)) for r in rows) if rows else 10
        width = min(width, 64)
        print(f"\n{heading}")
        print(" " * width + " " + " ".join(c for c in columns))
        for row in rows:
            label = titles.get(row, row)
            label = label if len(label) <= width else label[:width - 1] + "…"
            cells = results.cells.get((section, row), {})
            marks = []
            for column in columns:
                cell = cells.get(column)
                mark = "–" if cell is None else ("✓" if cell[0] else "✗")
                marks.append(mark.center(len(column)))
            print(f"{label:<{width}} " + " ".join(marks))


def print_summary(results: Results, skipped: list[str]) -> bool:
    print("\nSummary")
    for section in ("fixtures", "e2e"):
        for column in results.columns[section]:
            cells = [c[column] for (s, _), c in results.cells.items()
                     if s == section and column in c]
            passed = sum(1 for c in cells if c[0])
            mark = "✓" if passed == len(cells) else "✗"
            print(f"  {mark} {column:<18} {passed}/{len(cells)}"
                  f" {'fixture cases' if section == 'fixtures' else 'end-to-end cases'}")
    if skipped:
        print(f"  – not run (--only): {', '.join(skipped)}")
    failures = list(results.failures())
    if failures or results.problems:
        print(f"\nFailures ({len(failures) + len(results.problems)})")
        for problem in results.problems:
            print(f"  ✗ {problem}")
        for section, row, column, (_, expected, observed) in failures:
            print(f"  ✗ {column} · {row}\n      expected {expected}\n      observed {observed}")
        for column, note in results.notes.items():
            print(f"\n  {column}: {note}")
    ok = not failures and not results.problems
    print("\nconformance: " + ("every runtime agrees" if ok else "FAILED"))
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated runtimes and apps to run (development): "
                        + ", ".join([*RUNNERS, *APPS]))
    args = parser.parse_args()
    selected = [*RUNNERS, *APPS]
    if args.only:
        selected = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in selected if n not in RUNNERS and n not in APPS]
        if unknown:
            parser.error(f"unknown runtime or app: {', '.join(unknown)}")
    skipped = [n for n in [*RUNNERS, *APPS] if n not in selected]
    results = Results()
    logs = Path(tempfile.mkdtemp(prefix="axhook-conformance-"))
    print(f"logs: {logs}", file=sys.stderr)

    runtimes = [r for r in RUNNERS if r in selected]
    if runtimes:
        expected = load_fixtures(results)
        for runtime in runtimes:
            run_runner(runtime, expected, results, logs)

    apps = [a for a in APPS if a in selected]
    if apps:
        built = subprocess.run(["cargo", "build", "-q", "-p", "axhook-cli"], cwd=ROOT)
        target = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
        axhook = (target if target.is_absolute() else ROOT / target) / "debug" / "axhook"
        if built.returncode != 0 or not axhook.exists():
            results.problems.append(f"cargo build -p axhook-cli failed ({axhook})")
        else:
            for case, _ in E2E_CASES:
                results.row("e2e", case)
            for name in apps:
                run_app(name, axhook, results, logs, logs)

    print_matrix(results, dict(E2E_CASES))
    ok = print_summary(results, skipped)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
