# bindings/wasm: the npm package axhook-wasm (wasm-bindgen) for browsers and edge runtimes.
# Included by the root Makefile; paths are relative to the repository root.
#
#   make wasm-setup  the wasm32 target, the pinned wasm-bindgen CLI (cargo install, only when
#                    missing), Debian's chromium (only when missing), npm install, the build
#   make wasm-test   Node (nodejs output) and headless Chromium (web output): every fixture
#                    (fixtures/hostile.json included), the fetch handler, the Worker example,
#                    hostile inputs, keys never shown
#   make wasm-bench  .wasm size, then verify + parse of 1 KiB against WebCrypto and
#                    standardwebhooks in Node and Chromium
WASM_DIR := bindings/wasm
# The CLI must be exactly the wasm-bindgen crate version pinned in the crate's Cargo.toml.
WASM_BINDGEN_VERSION := $(shell sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' $(WASM_DIR)/Cargo.toml)
WASM_STAMP := $(WASM_DIR)/dist/.built
# Rebuilt when any of these changes; otherwise `make wasm-setup` builds nothing.
WASM_SOURCES := Cargo.lock $(WASM_DIR)/Cargo.toml $(WASM_DIR)/package.json \
	$(wildcard $(WASM_DIR)/src/*.rs $(WASM_DIR)/js/* $(WASM_DIR)/scripts/*.js) \
	crates/axhook/Cargo.toml $(wildcard crates/axhook/src/*.rs)

.PHONY: wasm-setup wasm-tools wasm-build wasm-test wasm-bench

wasm-tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@[ "$$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $(WASM_BINDGEN_VERSION)" ] || \
		$(CARGO) install wasm-bindgen-cli --version =$(WASM_BINDGEN_VERSION)
	@[ -x /usr/bin/chromium ] || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

# npm workspaces install at the root; again only when a package.json changed.
WASM_NPM_STAMP := node_modules/.axhook-wasm-installed
$(WASM_NPM_STAMP): package.json $(WASM_DIR)/package.json $(wildcard package-lock.json)
	npm install --no-audit --no-fund
	touch $@

$(WASM_STAMP): $(WASM_SOURCES) | wasm-tools $(WASM_NPM_STAMP)
	npm run build --workspace $(WASM_DIR)
	touch $@

wasm-build: wasm-tools $(WASM_NPM_STAMP) $(WASM_STAMP)

wasm-setup: wasm-build

wasm-test: wasm-build
	cd $(WASM_DIR) && node --test test/*.test.js

wasm-bench: wasm-build
	cd $(WASM_DIR) && node bench/run.js

SETUP += wasm-setup
BINDING_TESTS += wasm-test
BINDING_BENCHES += wasm-bench
