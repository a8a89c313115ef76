#!/usr/bin/env bash
# The axum receiver (tests/apps/axum, crate axhook-e2e-axum) on 127.0.0.1:$PORT.
set -euo pipefail
cargo build -q -p axhook-e2e-axum
exec "${CARGO_TARGET_DIR:-target}/debug/axhook-e2e-axum"
