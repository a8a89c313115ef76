# One entry point for humans and CI: make demo · make test · make bench · make fixtures · make lint
#
# Each binding (and crate with suites beyond cargo test) adds itself through
# bindings/<name>/make.mk or crates/<name>/make.mk, which may append to:
#   SETUP            targets that install what its tests need (idempotent, quick when done)
#   BINDING_TESTS    targets that `make test` runs
#   BINDING_BENCHES  targets that `make bench` runs
#   RUST_EXCLUDE     `--exclude <crate>` for crates that plain `cargo test` cannot build
SHELL := /bin/bash
CARGO ?= cargo
# The Redis store's tests and benches start their own redis-server on a free loopback port.
SETUP := redis-setup
BINDING_TESTS :=
BINDING_BENCHES :=
RUST_EXCLUDE :=

-include $(sort $(wildcard bindings/*/make.mk crates/*/make.mk)) tests/make.mk

.PHONY: demo test setup redis-setup fuzz lint fmt-check clippy rust-test fixtures fixtures-check bench rust-bench

# The README's first command: a real receiver (axhook serve, SQLite store in a temporary
# folder) on an ephemeral loopback port, fed what aXcelerate and an attacker might send.
demo:
	$(CARGO) run -q -p axhook-cli -- demo

test: setup lint rust-test fixtures-check $(BINDING_TESTS)

setup: $(SETUP)

redis-setup:
	@command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }

lint: fmt-check clippy

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace $(RUST_EXCLUDE) --all-targets --all-features -- -D warnings

rust-test:
	$(CARGO) test --workspace $(RUST_EXCLUDE) --all-features

# Regenerate fixtures/ with the signer (commit the result).
fixtures:
	$(CARGO) run -q -p axhook --example fixtures -- fixtures

# The checked-in fixtures must be exactly what the generator writes.
fixtures-check:
	@tmp=$$(mktemp -d); \
	$(CARGO) run -q -p axhook --example fixtures -- $$tmp && \
	diff -r --exclude=README.md fixtures $$tmp || { echo "fixtures/ differs from 'make fixtures' output"; rm -rf $$tmp; exit 1; }; \
	rm -rf $$tmp

bench: rust-bench $(BINDING_BENCHES)

rust-bench:
	$(CARGO) bench -p axhook --bench verify
	$(CARGO) bench -p axhook --bench timing
	$(CARGO) bench -p axhook-redis --bench stores

# Each fuzz target for FUZZ_SECONDS (cargo-fuzz on the nightly toolchain; fuzz/ is its own
# workspace), corpora seeded from fixtures/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := verify envelope header_values dedupe
fuzz:
	@command -v cargo-fuzz >/dev/null || cargo +nightly install cargo-fuzz
	rustup toolchain list | grep -q nightly || rustup toolchain install nightly --profile minimal
	cd fuzz && python3 seed.py
	cd fuzz && for t in $(FUZZ_TARGETS); do \
		cargo +nightly fuzz run $$t -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 || exit 1; \
	done
