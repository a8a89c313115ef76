#!/usr/bin/env bash
# `axhook serve` as the receiver (tests/apps/axhook-serve): it verifies, deduplicates in its
# memory store and forwards each new delivery to a handler, here the small downstream in
# downstream.py. serve answers every POST (and GET /healthz) on its own port, so downstream.py
# also fronts $PORT: POST /webhooks/axcelerate is relayed byte for byte to serve and serve's
# answer comes back unchanged; /effects and /health are answered there.
set -euo pipefail
cargo build -q -p axhook-cli
export PATH="${CARGO_TARGET_DIR:-$PWD/target}/debug:$PATH"
# Two free loopback ports, held together while picked so that they differ.
read -r SERVE_PORT HANDLER_PORT < <(python3 -c '
import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')
export SERVE_PORT HANDLER_PORT

# readme: CLI · axhook serve
# Verify, deduplicate, then POST each new delivery to your handler (a 2xx marks it processed;
# anything else answers 500 handler_failed so that aXcelerate retries).
axhook serve --key-env current=AXHOOK_KEY --store memory --listen "127.0.0.1:$SERVE_PORT" \
    --forward "http://127.0.0.1:$HANDLER_PORT/delivery" &
# readme: end

exec python3 tests/apps/axhook-serve/downstream.py
