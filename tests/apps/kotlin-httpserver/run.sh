#!/usr/bin/env bash
# The Kotlin JDK HttpServer receiver (tests/apps/kotlin-httpserver/App.kt) on 127.0.0.1:$PORT;
# needs `make uniffi-setup` (JNA and Gson from Debian, kotlinc from npm). Builds the uniffi
# library, compiles the generated bindings and App.kt into a jar cached in the cargo target dir
# (again only when either source changes: kotlinc takes about a minute), then execs java.
set -euo pipefail

target=${CARGO_TARGET_DIR:-target}
case $target in /*) ;; *) target=$PWD/$target ;; esac
out=$target/debug
kotlin=bindings/uniffi/kotlin/node_modules/kotlin-compiler
classpath=/usr/share/java/jna.jar:/usr/share/java/gson.jar
sources=(bindings/uniffi/generated/kotlin/axhook/axhook.kt tests/apps/kotlin-httpserver/App.kt)
jar=$out/axhook-e2e-kotlin-httpserver.jar

cargo build -q -p axhook-uniffi
stamp=$(cat "${sources[@]}" | sha256sum | cut -d' ' -f1)
if [[ ! -f $jar || "$(cat "$jar.sha256" 2>/dev/null)" != "$stamp" ]]; then
    echo "kotlin-httpserver: compiling $jar (kotlinc)" >&2
    tmp=$out/axhook-e2e-kotlin-httpserver.$$.jar
    "$kotlin/bin/kotlinc" -nowarn -cp "$classpath" -d "$tmp" "${sources[@]}"
    mv -f "$tmp" "$jar"
    echo "$stamp" >"$jar.sha256"
fi

exec java -Djna.library.path="$out" -cp "$jar:$kotlin/lib/kotlin-stdlib.jar:$classpath" AppKt
