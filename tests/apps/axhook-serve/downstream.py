"""The handler behind `axhook serve` in tests/apps/axhook-serve, and the front on $PORT.

Two listeners in one process (python3 standard library only):
- 127.0.0.1:$HANDLER_PORT  POST /delivery: what `axhook serve --forward` calls for each new,
  verified delivery (the raw body, with X-Axhook-Client-Id, X-Axhook-Message-Id, … headers).
  A message {"failOnce": true} fails (500) the first time its key is seen; otherwise the key's
  processed count goes up and the answer is 204.
- 127.0.0.1:$PORT  what the conformance harness talks to: POST /webhooks/axcelerate is relayed
  to serve on 127.0.0.1:$SERVE_PORT (method, path, headers and body as received, serve's status,
  headers and body back unchanged); GET /effects reports the counts; GET /health answers 200
  once serve's /healthz does.
"""

import http.client
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ["PORT"])
SERVE_PORT = int(os.environ["SERVE_PORT"])
HANDLER_PORT = int(os.environ["HANDLER_PORT"])
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-connection", "proxy-authorization", "proxy-authenticate"}

lock = threading.Lock()
processed: dict[str, int] = {}
failed: dict[str, int] = {}


class Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def answer(self, status: int, body: bytes, headers=(("Content-Type", "application/json"),)):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Handler(Quiet):
    def do_POST(self):
        message = json.loads(self.body()).get("message")
        key = f"{self.headers['X-Axhook-Client-Id']}:{self.headers['X-Axhook-Message-Id']}"
        with lock:
            if isinstance(message, dict) and message.get("failOnce") is True and key not in failed:
                failed[key] = 1
                self.answer(500, b'{"error": "failOnce: the first attempt fails"}')
                return
            processed[key] = processed.get(key, 0) + 1
        self.answer(204, b"", ())


class Front(Quiet):
    def do_GET(self):
        if self.path == "/effects":
            with lock:
                body = json.dumps({"processed": processed, "failed": failed}).encode()
            self.answer(200, body)
        elif self.path == "/health":
            try:
                conn = http.client.HTTPConnection("127.0.0.1", SERVE_PORT, timeout=2)
                conn.request("GET", "/healthz")
                healthy = conn.getresponse().status == 200
                conn.close()
            except OSError:
                healthy = False
            self.answer(200 if healthy else 503, b'{"ready": %s}' % (b"true" if healthy else b"false"))
        else:
            self.answer(404, b'{"code": "not_found"}')

    def do_POST(self):
        body = self.body()
        conn = http.client.HTTPConnection("127.0.0.1", SERVE_PORT, timeout=60)
        conn.putrequest("POST", self.path, skip_host=True, skip_accept_encoding=True)
        for name, value in self.headers.items():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        answer = response.read()
        headers = [(n, v) for n, v in response.getheaders()
                   if n.lower() not in HOP_BY_HOP and n.lower() != "content-length"]
        conn.close()
        self.answer(response.status, answer, headers)


def main():
    handler = ThreadingHTTPServer(("127.0.0.1", HANDLER_PORT), Handler)
    threading.Thread(target=handler.serve_forever, daemon=True).start()
    ThreadingHTTPServer(("127.0.0.1", PORT), Front).serve_forever()


if __name__ == "__main__":
    main()
