# One entry point for humans and CI: make demo · make test · make bench · make fixtures · make lint
SHELL := /bin/bash
CARGO ?= cargo
FIXTURES_TMP := $(shell mktemp -d -u /tmp/axhook-fixtures.XXXXXX)

.PHONY: demo test lint fmt-check clippy rust-test fixtures fixtures-check bench

demo:
	$(CARGO) run -q -p axhook --example demo

test: lint rust-test fixtures-check

lint: fmt-check clippy

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets --all-features -- -D warnings

rust-test:
	$(CARGO) test --workspace --all-features

# Regenerate fixtures/ with the signer (commit the result).
fixtures:
	$(CARGO) run -q -p axhook --example fixtures -- fixtures

# The checked-in fixtures must be exactly what the generator writes.
fixtures-check:
	$(CARGO) run -q -p axhook --example fixtures -- $(FIXTURES_TMP)
	diff -r --exclude=README.md fixtures $(FIXTURES_TMP) || { echo "fixtures/ differs from 'make fixtures' output"; exit 1; }
	rm -rf $(FIXTURES_TMP)

bench:
	$(CARGO) bench -p axhook --bench verify
