# crates/axhook-cli: the `axhook` command (issue 8). Included by the root Makefile; see its
# header for SETUP, BINDING_TESTS and BINDING_BENCHES. Its cargo tests (every command as a real
# process on 127.0.0.1, the demo) run in `make test` with the rest of the workspace.
#
#   make cli-setup   Debian's chromium when /usr/bin/chromium is missing; npm ci in
#                    crates/axhook-cli/js (playwright-core, express; not the root workspaces)
#   make cli-test    the activity page in headless Chromium, showing deliveries just sent
#   make cli-bench   verified 1 KiB deliveries/s into `axhook serve --store memory` against
#                    Express receivers (node:crypto by hand; the axhook middleware when built)

CLI_JS := crates/axhook-cli/js
CLI_JS_INSTALLED := $(CLI_JS)/node_modules/.installed
CLI_TARGET_DIR = $(or $(CARGO_TARGET_DIR),target)

.PHONY: cli-setup cli-test cli-bench

$(CLI_JS_INSTALLED): $(CLI_JS)/package.json $(CLI_JS)/package-lock.json
	cd $(CLI_JS) && npm ci --no-audit --no-fund --silent
	@touch $@

cli-setup: $(CLI_JS_INSTALLED)
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

cli-test: cli-setup
	$(CARGO) build -q -p axhook-cli
	cd $(CLI_JS) && AXHOOK_BIN=$(abspath $(CLI_TARGET_DIR))/debug/axhook node --test activity.test.mjs

# The Node receivers use the axhook package when `make node-setup` has built it.
cli-bench: cli-setup
	$(CARGO) bench -p axhook-cli --bench serve

SETUP += cli-setup
BINDING_TESTS += cli-test
BINDING_BENCHES += cli-bench
