# bindings/node: the `axhook` npm package (napi-rs crate `axhook-node` + lib/). Included by the
# root Makefile; see its header for SETUP, BINDING_TESTS and BINDING_BENCHES.
#
#   make node-setup   npm install at the root (only when a package.json or the lock changed),
#                     then `napi build --release` of the addon (quick when nothing changed)
#   make node-test    node --test over bindings/node/test
#   make node-bench   verify + parse against node:crypto, octokit and standardwebhooks
#   make node-soak    verify + receive in a loop for SOAK_SECONDS (default 600) with flat RSS
#                     (issue 9's leak check; not part of `make test`)

NODE_INSTALLED := node_modules/.axhook-node-installed

.PHONY: node-setup node-build node-test node-bench node-soak

$(NODE_INSTALLED): package.json $(wildcard package-lock.json) $(wildcard bindings/*/package.json)
	npm install --no-audit --no-fund
	@touch $@

node-build: $(NODE_INSTALLED)
	npm run build -w bindings/node

node-setup: node-build

node-test: node-setup
	cd bindings/node && node --test test/*.test.mjs

node-bench: node-setup
	cd bindings/node && node bench/verify.mjs

SOAK_SECONDS ?= 600
node-soak: node-setup
	cd bindings/node && SOAK_SECONDS=$(SOAK_SECONDS) node --expose-gc bench/soak.mjs

SETUP += node-setup
BINDING_TESTS += node-test
BINDING_BENCHES += node-bench
