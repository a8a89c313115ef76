#!/usr/bin/env python3
"""The harness's own test: tests/conformance.py must fail what disagrees.

- Each kind of wrong runner line (a field off, a float for an integer, messageEqual false, a
  wrong code or status, an `error` line, a missing line, a wrong dedupe step) is a ✗, and an
  exact line is a ✓.
- A runner that exits non-zero, prints noise, a line for no case or a case twice fails its
  protocol row; a runner that is missing fails every case.
- A receiver app that accepts everything and processes every copy fails every end-to-end case
  that it should (it answers `processed` to the valid delivery, so that one passes).

`make conformance` runs it before the matrix. Standard library only.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import conformance as c  # noqa: E402


def exact_line(suite: str, case: str, expect) -> dict:
    """The line a correct runner prints for a fixture case."""
    if suite == "dedupe":
        return {"suite": suite, "case": case, "results": list(expect)}
    if expect["ok"]:
        delivery = {f: expect[f] for f in c.DELIVERY_FIELDS}
        return {"suite": suite, "case": case, "ok": True,
                "delivery": dict(delivery, messageEqual=True)}
    return {"suite": suite, "case": case, "ok": False, "code": expect["code"],
            "status": expect["status"]}


class Lines(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.expected = c.load_fixtures(c.Results())
        cls.accepted = next(e for e in cls.expected if e[0] != "dedupe" and e[2]["ok"])
        cls.refused = next(e for e in cls.expected if e[0] != "dedupe" and not e[2]["ok"])
        cls.sequence = next(e for e in cls.expected if e[0] == "dedupe")

    def check(self, entry, line):
        return c.check_line(entry[0], entry[2], line)[0]

    def test_exact_lines_pass(self):
        for entry in self.expected:
            self.assertTrue(self.check(entry, exact_line(*entry)), entry[:2])

    def test_each_delivery_field_is_compared(self):
        for field in [*c.DELIVERY_FIELDS, "messageEqual"]:
            line = exact_line(*self.accepted)
            value = line["delivery"][field]
            line["delivery"][field] = ("other" if isinstance(value, str) or value is None
                                       else not value if isinstance(value, bool) else value + 1)
            self.assertFalse(self.check(self.accepted, line), field)
            del line["delivery"][field]
            self.assertFalse(self.check(self.accepted, line), f"{field} absent")

    def test_types_are_compared(self):
        line = exact_line(*self.accepted)
        line["delivery"]["clientId"] = float(line["delivery"]["clientId"])
        self.assertFalse(self.check(self.accepted, line))
        line = exact_line(*self.refused)
        line["status"] = str(line["status"])
        self.assertFalse(self.check(self.refused, line))

    def test_verdicts_are_compared(self):
        line = exact_line(*self.refused)
        self.assertFalse(self.check(self.refused, dict(line, code="signature_mismatch_")))
        self.assertFalse(self.check(self.refused, dict(line, status=200)))
        self.assertFalse(self.check(self.refused, dict(line, ok=True)))
        self.assertFalse(self.check(self.accepted, dict(exact_line(*self.accepted), ok=False)))

    def test_errors_and_missing_lines_fail(self):
        for entry in (self.accepted, self.refused, self.sequence):
            self.assertFalse(self.check(entry, None))
            self.assertFalse(self.check(entry, {"suite": entry[0], "case": entry[1],
                                                "error": "boom"}))

    def test_dedupe_steps_are_compared(self):
        line = exact_line(*self.sequence)
        line["results"][-1] = "new" if line["results"][-1] != "new" else "duplicate"
        self.assertFalse(self.check(self.sequence, line))
        line["results"] = line["results"][:-1]
        self.assertFalse(self.check(self.sequence, line))


class Runner(unittest.TestCase):
    def run_fake(self, lines, extra: str = "", exit_status: int = 0) -> c.Results:
        results = c.Results()
        expected = c.load_fixtures(results)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out.jsonl"
            out.write_text("".join(json.dumps(line) + "\n" for line in lines) + extra)
            saved = c.RUNNERS["rust"]
            c.RUNNERS["rust"] = ["sh", "-c", f"cat {shlex.quote(str(out))}; exit {exit_status}"]
            try:
                c.run_runner("rust", expected, results, Path(tmp))
            finally:
                c.RUNNERS["rust"] = saved
        return results

    def failed_rows(self, results):
        return {row for _, row, _, _ in results.failures()}

    def test_a_correct_runner_passes(self):
        lines = [exact_line(*e) for e in c.load_fixtures(c.Results())]
        self.assertEqual(self.failed_rows(self.run_fake(lines)), set())

    def test_protocol_breaches_fail(self):
        expected = c.load_fixtures(c.Results())
        lines = [exact_line(*e) for e in expected]
        protocol = "runner: exits 0, prints one JSON line per case and nothing else"
        for extra, status, more in (("noise\n", 0, []), ("", 3, []),
                                    ("", 0, [lines[0]]),
                                    ("", 0, [{"suite": "vectors", "case": "no_such_case",
                                              "ok": True}])):
            failed = self.failed_rows(self.run_fake(lines + more, extra, status))
            self.assertEqual(failed, {protocol}, (extra, status, more))
        failed = self.failed_rows(self.run_fake(lines[1:]))
        self.assertEqual(failed, {f"{expected[0][0]}/{expected[0][1]}"})

    def test_a_missing_runner_fails_every_case(self):
        results = c.Results()
        expected = c.load_fixtures(results)
        saved = c.RUNNER_FILES["rust"]
        c.RUNNER_FILES["rust"] = "tests/runners/no_such_runner.py"
        try:
            c.run_runner("rust", expected, results, Path(tempfile.gettempdir()))
        finally:
            c.RUNNER_FILES["rust"] = saved
        self.assertEqual(len(list(results.failures())), len(expected) + 1)


BROKEN_APP = r'''#!/bin/sh
# Accepts everything, processes every copy: what a receiver without axhook would do.
exec python3 -c '
import json, os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
processed = {}
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def reply(self, status, obj):
        b = json.dumps(obj).encode(); self.send_response(status)
        self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def do_GET(self):
        self.reply(200, {"processed": processed, "failed": {}} if self.path == "/effects" else {})
    def do_POST(self):
        d = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        k = str(d["clientId"]) + ":" + d["messageId"]; processed[k] = processed.get(k, 0) + 1
        self.reply(200, {"code": "processed"})
ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
'
'''


class EndToEnd(unittest.TestCase):
    def test_a_receiver_without_axhook_fails(self):
        target = Path(os.environ.get("CARGO_TARGET_DIR") or c.ROOT / "target")
        axhook = (target if target.is_absolute() else c.ROOT / target) / "debug" / "axhook"
        if not axhook.exists():
            subprocess.run(["cargo", "build", "-q", "-p", "axhook-cli"], cwd=c.ROOT, check=True)
        saved = c.ROOT
        with tempfile.TemporaryDirectory() as tmp:
            app = Path(tmp) / "tests" / "apps" / "broken" / "run.sh"
            app.parent.mkdir(parents=True)
            app.write_text(BROKEN_APP)
            app.chmod(0o755)
            results = c.Results()
            c.ROOT = Path(tmp)
            try:
                c.run_app("broken", axhook, results, Path(tmp), Path(tmp))
            finally:
                c.ROOT = saved
        failed = {row for _, row, _, _ in results.failures()}
        passed = {name for name, _ in c.E2E_CASES} - failed
        self.assertEqual(passed, {"valid", "at_limit"})


if __name__ == "__main__":
    unittest.main(verbosity=1)
