#!/usr/bin/env bash
# The fastify receiver of make conformance (tests/apps/fastify/app.mjs) on 127.0.0.1:$PORT; needs
# `make node-setup` (the axhook addon).
set -euo pipefail
exec node "$(dirname "$0")/app.mjs"
