# Python binding (issue 3): the pyo3 crate in bindings/python and the `axhook` package, built by
# maturin from the root pyproject.toml and installed with `pip install .` into a venv of its
# own (git-ignored). Included by the root Makefile; paths are relative to the repository root.
PY_DIR := bindings/python
PY_VENV := $(PY_DIR)/.venv
PY := $(PY_VENV)/bin/python
# Rebuilt when any of these changes; otherwise `make python-setup` does nothing.
PY_SOURCES := pyproject.toml Cargo.lock $(PY_DIR)/Cargo.toml $(PY_DIR)/README.md \
	$(wildcard $(PY_DIR)/src/*.rs $(PY_DIR)/axhook/*.py $(PY_DIR)/axhook/*.pyi) \
	crates/axhook/Cargo.toml $(wildcard crates/axhook/src/*.rs)

.PHONY: python-setup python-test python-bench python-soak

python-setup: $(PY_VENV)/.installed

$(PY_VENV)/.requirements: $(PY_DIR)/requirements-dev.txt
	test -x $(PY) || python3 -m venv $(PY_VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r $(PY_DIR)/requirements-dev.txt
	touch $@

# What a user runs: `pip install .` at the root (maturin from the venv, so no isolated build).
$(PY_VENV)/.installed: $(PY_VENV)/.requirements $(PY_SOURCES)
	PATH="$(abspath $(PY_VENV))/bin:$$PATH" $(PY) -m pip install -q --no-build-isolation \
		--force-reinstall --no-deps .
	touch $@

python-test: python-setup
	cd $(PY_DIR) && .venv/bin/pytest -p no:cacheprovider tests

python-bench: python-setup
	$(PY) $(PY_DIR)/bench/bench.py

# Issue 9's memory soak: verify + receive for SOAK_SECONDS, RSS sampled every 10 s after a 30 s
# warm-up; fails if RSS grew more than 5 % (or 8 MiB). Not part of `make test` or `make bench`.
SOAK_SECONDS ?= 600
python-soak: python-setup
	SOAK_SECONDS=$(SOAK_SECONDS) $(PY) $(PY_DIR)/bench/soak.py

SETUP += python-setup
BINDING_TESTS += python-test
BINDING_BENCHES += python-bench
