#!/usr/bin/env bash
# The FastAPI receiver of make conformance (tests/apps/fastapi/app.py) on 127.0.0.1:$PORT, served
# by uvicorn; needs `make python-setup` (the axhook package and uvicorn in its venv).
set -euo pipefail
PYTHONPATH=tests/apps/python-shared exec bindings/python/.venv/bin/python tests/apps/fastapi/app.py
