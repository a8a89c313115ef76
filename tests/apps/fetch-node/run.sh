#!/usr/bin/env bash
# A Next.js-style route handler (tests/apps/fetch-node/route.mjs, the axhook package's fetch
# handler) on node:http (server.mjs), 127.0.0.1:$PORT; needs `make node-setup` (the addon).
set -euo pipefail
exec node "$(dirname "$0")/server.mjs"
