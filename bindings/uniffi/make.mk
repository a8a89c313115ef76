# bindings/uniffi: Kotlin and Swift through uniffi. Included by the root Makefile.
#
#   make uniffi        build the library and regenerate bindings/uniffi/generated/{kotlin,swift}
#                      (checked in: commit the result)
#   make uniffi-setup  JNA and Gson from Debian, kotlinc from npm, each only if missing
#   make uniffi-test   build, check that the checked-in sources are what the library
#                      generates, then compile and run the Kotlin suite (fixtures with the
#                      hostile corpus, a JVM HTTP receiver on 127.0.0.1, hostile input at every
#                      exported function, redaction)
#
# Swift is generated but not compiled: no Swift toolchain exists on these machines.

UNIFFI_DIR := bindings/uniffi
UNIFFI_OUT := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)/debug
UNIFFI_LIB := $(UNIFFI_OUT)/libaxhook_uniffi.$(if $(filter Darwin,$(shell uname -s)),dylib,so)
UNIFFI_BINDGEN := $(UNIFFI_OUT)/uniffi-bindgen
UNIFFI_GENERATED := $(UNIFFI_DIR)/generated
UNIFFI_KOTLIN := $(UNIFFI_DIR)/kotlin
UNIFFI_KOTLINC := $(UNIFFI_KOTLIN)/node_modules/kotlin-compiler/bin/kotlinc
UNIFFI_STDLIB := $(UNIFFI_KOTLIN)/node_modules/kotlin-compiler/lib/kotlin-stdlib.jar
UNIFFI_CLASSPATH := /usr/share/java/jna.jar:/usr/share/java/gson.jar
UNIFFI_TEST_JAR := $(UNIFFI_OUT)/axhook-uniffi-kotlin-tests.jar

.PHONY: uniffi uniffi-setup uniffi-test uniffi-build uniffi-check uniffi-readme-check

uniffi-build:
	$(CARGO) build -q -p axhook-uniffi

uniffi: uniffi-build
	rm -rf $(UNIFFI_GENERATED)
	$(UNIFFI_BINDGEN) generate --no-format -l kotlin -o $(UNIFFI_GENERATED)/kotlin $(UNIFFI_LIB) >/dev/null
	$(UNIFFI_BINDGEN) generate --no-format -l swift -o $(UNIFFI_GENERATED)/swift $(UNIFFI_LIB) >/dev/null
	@echo "generated $(UNIFFI_GENERATED)/kotlin and $(UNIFFI_GENERATED)/swift"

# The checked-in sources must be exactly what the built library generates.
uniffi-check: uniffi-build
	@tmp=$$(mktemp -d); \
	trap 'rm -rf $$tmp' EXIT; \
	$(UNIFFI_BINDGEN) generate --no-format -l kotlin -o $$tmp/kotlin $(UNIFFI_LIB) >/dev/null && \
	$(UNIFFI_BINDGEN) generate --no-format -l swift -o $$tmp/swift $(UNIFFI_LIB) >/dev/null && \
	diff -r $(UNIFFI_GENERATED) $$tmp >/dev/null || { \
		echo "$(UNIFFI_GENERATED) differs from what the library generates: run 'make uniffi' and commit"; \
		diff -r $(UNIFFI_GENERATED) $$tmp | head -20; exit 1; }

uniffi-setup:
	@test -f /usr/share/java/jna.jar -a -f /usr/share/java/gson.jar || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjna-java libgoogle-gson-java; }
	@test -x $(UNIFFI_KOTLINC) || npm ci --prefix $(UNIFFI_KOTLIN) --no-audit --no-fund --loglevel=error

# Compiled once per change of the generated sources or the tests (kotlinc is slow to start).
$(UNIFFI_TEST_JAR): $(UNIFFI_GENERATED)/kotlin/axhook/axhook.kt $(wildcard $(UNIFFI_KOTLIN)/test/*.kt)
	@mkdir -p $(dir $@)
	$(UNIFFI_KOTLINC) -nowarn -cp $(UNIFFI_CLASSPATH) -d $@ $^

# The README's endpoint is the one the suite runs.
uniffi-readme-check:
	@diff <(sed -n '/^fun webhookServer/,/^}/p' $(UNIFFI_KOTLIN)/test/ReceiverServer.kt) \
		<(sed -n '/^fun webhookServer/,/^}/p' $(UNIFFI_DIR)/README.md) >/dev/null || { \
		echo "$(UNIFFI_DIR)/README.md: webhookServer differs from kotlin/test/ReceiverServer.kt"; exit 1; }

uniffi-test: uniffi-check uniffi-readme-check $(UNIFFI_TEST_JAR)
	java -Djna.library.path=$(UNIFFI_OUT) -cp $(UNIFFI_TEST_JAR):$(UNIFFI_STDLIB):$(UNIFFI_CLASSPATH) \
		axhook.test.MainKt fixtures

SETUP += uniffi-setup
BINDING_TESTS += uniffi-test
