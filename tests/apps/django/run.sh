#!/usr/bin/env bash
# The Django receiver of make conformance (tests/apps/django/app.py) on 127.0.0.1:$PORT, served by
# runserver (threaded, no autoreloader); needs `make python-setup` (the axhook package in its venv).
set -euo pipefail
PYTHONPATH=tests/apps/python-shared exec bindings/python/.venv/bin/python tests/apps/django/app.py
