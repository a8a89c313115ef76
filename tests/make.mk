# tests/: one delivery, every runtime (issue 10). Included by the root Makefile; see its header
# for SETUP and BINDING_TESTS.
#
#   make conformance         README.md's receiver table must match the apps' `readme:` regions;
#                            the harness's self-test (it fails what disagrees), then
#                            tests/conformance.py: every fixture case in every runtime
#                            (rust, python, node, wasm-node, wasm-chromium, kotlin) and every
#                            end-to-end case against every app in tests/apps/ (see tests/README.md)
#   make conformance-readme  regenerate README.md's receiver table from tests/apps/
#
# CONFORMANCE_ONLY=rust,axum limits the run to some runtimes and apps (development only: a
# runtime or app left out is reported as not run).

CONFORMANCE_ONLY ?=

.PHONY: conformance conformance-readme conformance-readme-check

conformance-readme:
	python3 tests/readme.py --write

conformance-readme-check:
	python3 tests/readme.py --check

conformance: python-setup node-setup wasm-setup uniffi-setup uniffi-build conformance-readme-check
	$(CARGO) build -q -p axhook-cli
	python3 tests/conformance_selftest.py
	python3 tests/conformance.py $(if $(CONFORMANCE_ONLY),--only $(CONFORMANCE_ONLY))

BINDING_TESTS += conformance
