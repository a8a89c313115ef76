#!/usr/bin/env bash
# The Kotlin fixture runner of make conformance: tests/runners/kotlin/Runner.kt against the uniffi
# binding (bindings/uniffi). Usage: tests/runners/kotlin_runner.sh <fixtures-dir>
#
# Builds what it needs itself, from the repository root: the cargo library (`cargo build -q -p
# axhook-uniffi`) and, with kotlinc from bindings/uniffi/kotlin/node_modules (`make
# uniffi-setup`), a jar of the generated bindings and the runner, cached in the cargo target
# dir and compiled again only when either source changes (kotlinc takes about a minute).
# Standard output carries the runner's JSON lines only; builds log to standard error.
set -euo pipefail

fixtures=$(cd "${1:-fixtures}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

target=${CARGO_TARGET_DIR:-target}
case $target in /*) ;; *) target=$root/$target ;; esac
out=$target/debug
kotlin=bindings/uniffi/kotlin/node_modules/kotlin-compiler
classpath=/usr/share/java/jna.jar:/usr/share/java/gson.jar
sources=(bindings/uniffi/generated/kotlin/axhook/axhook.kt tests/runners/kotlin/Runner.kt)
jar=$out/axhook-kotlin-runner.jar

cargo build -q -p axhook-uniffi >&2
stamp=$(cat "${sources[@]}" | sha256sum | cut -d' ' -f1)
if [[ ! -f $jar || "$(cat "$jar.sha256" 2>/dev/null)" != "$stamp" ]]; then
    echo "kotlin_runner: compiling $jar (kotlinc)" >&2
    tmp=$out/axhook-kotlin-runner.$$.jar
    "$kotlin/bin/kotlinc" -nowarn -cp "$classpath" -d "$tmp" "${sources[@]}" >&2
    mv -f "$tmp" "$jar"
    echo "$stamp" >"$jar.sha256"
fi

exec java -Djna.library.path="$out" -cp "$jar:$kotlin/lib/kotlin-stdlib.jar:$classpath" \
    axhook.runner.RunnerKt "$fixtures"
