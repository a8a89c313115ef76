#!/usr/bin/env bash
# The Flask receiver of make conformance (tests/apps/flask/app.py) on 127.0.0.1:$PORT, served by
# Werkzeug's threaded server; needs `make python-setup` (the axhook package in its venv).
set -euo pipefail
PYTHONPATH=tests/apps/python-shared exec bindings/python/.venv/bin/python tests/apps/flask/app.py
