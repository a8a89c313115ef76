#!/usr/bin/env bash
# axhook-wasm's fetch handler (tests/apps/wasm-fetch-node/route.mjs) on node:http
# (server.mjs), 127.0.0.1:$PORT; needs `make wasm-setup` (the nodejs output in dist/).
set -euo pipefail
exec node "$(dirname "$0")/server.mjs"
