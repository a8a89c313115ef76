// Hostile input at every exported function: each call ends in a value or a typed exception with
// a stable code, never a Rust panic crossing the FFI (uniffi turns one into InternalException)
// and never a crash of the JVM. Also: no key in any toString(), records and exceptions included.
package axhook.test

import axhook.Claim
import axhook.ConfigException
import axhook.Delivery
import axhook.DeliveryHandler
import axhook.DeliverySpec
import axhook.HandlerException
import axhook.InternalException
import axhook.MemoryStore
import axhook.Outcome
import axhook.Receiver
import axhook.Signer
import axhook.SignerException
import axhook.StoreException
import axhook.Ticket
import axhook.VerificationException
import axhook.Verifier
import axhook.eventTypeMatches
import axhook.knownEventTypes
import axhook.signedDelivery
import axhook.signedHeaders
import axhook.unsignedDelivery
import axhook.unsignedHeaders
import java.nio.charset.CharacterCodingException
import java.time.Duration
import java.time.Instant
import kotlin.random.Random

/** Every verification code and its status (fixtures/README.md). */
private val VERIFY_STATUS = mapOf(
    "missing_signature_version" to 401, "unsupported_signature_version" to 401,
    "unsigned_rejected" to 401, "missing_signature" to 401, "malformed_signature" to 401,
    "signature_mismatch" to 401, "no_key_for_client" to 401, "duplicate_header" to 400,
    "body_too_large" to 413, "malformed_json" to 400, "missing_field" to 400,
    "invalid_field" to 400, "client_not_allowed" to 403, "timestamp_too_old" to 401,
    "timestamp_in_future" to 401,
)

/** Every outcome code of a Receiver and its status. */
private val OUTCOME_STATUS = VERIFY_STATUS + mapOf(
    "processed" to 200, "duplicate" to 200, "in_progress" to 409, "handler_failed" to 500,
    "store_unavailable" to 503, "lease_lost" to 200,
)

private const val KEY = "hostile-key-5d1e"

private val nowish: Instant = Instant.now()

private val strings: List<String> = listOf(
    "", "\u0000", "a\u0000b", "\r\n", " \t", "Ax-Signature\r\nX-Injected: 1", "é漢🙂\uFFFF\uFEFF",
    ".", "..", "*", "a.*", "%s%n", "x".repeat(1 shl 20),
)

private val bodies: List<ByteArray> = listOf(
    ByteArray(0),
    "{}".toByteArray(),
    byteArrayOf(0xEF.toByte(), 0xBB.toByte(), 0xBF.toByte(), '{'.code.toByte(), '}'.code.toByte()),
    byteArrayOf(0xC3.toByte(), 0x28, 0xFF.toByte(), 0x00),
    Random(7).nextBytes(65_536),
    "[".repeat(100_000).toByteArray(),
    "{\"a\":".repeat(100_000).toByteArray(),
    """{"type":"a.b","message":{"x":1e999},"clientId":1,"messageId":"m","timestamp":"2024-01-01T00:00:00Z"}""".toByteArray(),
    """{"type":"a.b","message":"\ud800","clientId":-0,"messageId":"m","timestamp":"2024-01-01T00:00:00Z"}""".toByteArray(),
    // Over the 1 MiB limit (the 10 MiB bodies are hostile.json's and the check below): the
    // debug build's HMAC is slow, and these grids sign each body several times.
    ByteArray(2 shl 20) { 'a'.code.toByte() },
)

private val instants: List<Instant?> = listOf(
    null, Instant.MIN, Instant.MAX, Instant.EPOCH, Instant.ofEpochSecond(-1, 5), nowish,
)

private fun headerSets(body: ByteArray): List<Map<String, List<String>>> = listOf(
    emptyMap(),
    mapOf("Ax-Signature-Version" to emptyList(), "Ax-Signature" to emptyList()),
    mapOf("" to listOf(""), "\u0000" to listOf("\u0000")),
    mapOf("Ax-Signature-Version" to listOf("1\u0000"), "Ax-Signature" to listOf(Signer(KEY).sign(body) + "\r\n")),
    mapOf("Ax-Signature-Version" to listOf("1"), "Ax-Signature" to listOf("é".repeat(64))),
    mapOf("Ax-Signature-Version" to listOf("1"), "Ax-Signature" to listOf("0".repeat(1 shl 20))),
    mapOf("Ax-Signature-Version" to listOf("0", "1"), "ax-signature" to listOf("", "")),
    (0 until 10_000).associate { "X-H$it" to listOf("v$it") } + signedHeaders(body, KEY),
    signedHeaders(body, KEY),
    unsignedHeaders(),
)

/** What an exported call ended in: a value, or the class and code of what it threw. */
private sealed class Result {
    data class Value(val value: Any?) : Result()
    data class Threw(val kind: String, val code: String, val text: String) : Result()
}

/**
 * Runs one call. A typed exception of the binding must carry a known code (and, for a refusal,
 * the status of that code); an InternalException is a panic that crossed the FFI: a failure.
 * Any other Throwable is reported by class, for the caller to accept or not.
 */
private fun call(what: String, block: () -> Any?): Result = try {
    Result.Value(block())
} catch (e: VerificationException) {
    val status = VERIFY_STATUS[e.code()] ?: throw Mismatch("$what: unknown code ${e.code()}")
    expectEqual("$what: status of ${e.code()}", status, e.status().toInt())
    expectTrue("$what: toString names no key", !e.toString().contains(KEY))
    Result.Threw("VerificationException", e.code(), e.toString())
} catch (e: ConfigException) {
    expectEqual("$what: ConfigException code", "invalid_config", e.code())
    expectTrue("$what: toString names no key", !e.toString().contains(KEY))
    Result.Threw("ConfigException", e.code(), e.toString())
} catch (e: StoreException) {
    expectTrue("$what: StoreException code ${e.code()}", e.code() in setOf("lease_lost", "store_unavailable"))
    Result.Threw("StoreException", e.code(), e.toString())
} catch (e: SignerException.InvalidMessageJson) {
    Result.Threw("SignerException", "invalid_message_json", e.toString())
} catch (e: InternalException) {
    throw Mismatch("$what: a Rust panic crossed the FFI: ${e.message?.take(300)}")
} catch (e: Mismatch) {
    throw e
} catch (e: Throwable) {
    Result.Threw(e.javaClass.simpleName, "", e.toString())
}

/** The call returned a value or threw one of the binding's own typed exceptions. */
private fun expectTyped(what: String, result: Result) {
    if (result is Result.Threw) {
        expectTrue(
            "$what: ${result.kind} is not one of the binding's typed exceptions: ${result.text.take(300)}",
            result.kind in setOf("VerificationException", "ConfigException", "StoreException", "SignerException"),
        )
    }
}

private fun expectOutcome(what: String, outcome: Outcome) {
    val status = OUTCOME_STATUS[outcome.code] ?: throw Mismatch("$what: unknown outcome code ${outcome.code}")
    expectEqual("$what: status of ${outcome.code}", status, outcome.status.toInt())
    expectTrue("$what: message names no key", !outcome.message.contains(KEY))
}

private val okHandler = object : DeliveryHandler {
    override fun handle(delivery: Delivery) {}
}

fun runHostileApiChecks() {
    val verifier = Verifier(keys = mapOf("current" to KEY), allowUnsigned = false)

    Suite.check("ffi: Verifier(...) with hostile configurations") {
        val configs: List<Pair<String, () -> Verifier>> = listOf(
            "hostile labels and keys" to { Verifier(keys = strings.withIndex().associate { (i, s) -> "$i$s" to "k$s" }) },
            "an empty label" to { Verifier(keys = mapOf("" to KEY)) },
            "an empty key" to { Verifier(keys = mapOf("current" to "")) },
            "a NUL key" to { Verifier(keys = mapOf("current" to "\u0000")) },
            "a 1 MiB key" to { Verifier(keys = mapOf("current" to "k".repeat(1 shl 20))) },
            "a huge maxAge" to { Verifier(keys = mapOf("c" to KEY), maxAge = Duration.ofSeconds(Long.MAX_VALUE, 999_999_999)) },
            "a huge maxFutureSkew" to { Verifier(keys = mapOf("c" to KEY), maxFutureSkew = Duration.ofSeconds(Long.MAX_VALUE)) },
            "zero limits" to { Verifier(keys = mapOf("c" to KEY), maxAge = Duration.ZERO, maxFutureSkew = Duration.ZERO, maxBodyBytes = 0UL) },
            "the largest body limit" to { Verifier(keys = mapOf("c" to KEY), maxBodyBytes = ULong.MAX_VALUE) },
            "no allowed clientId" to { Verifier(keys = mapOf("c" to KEY), allowedClientIds = emptyList()) },
            "the largest clientIds" to { Verifier(allowUnsigned = true, allowedClientIds = listOf(ULong.MAX_VALUE, 0UL)) },
            "an empty client key map" to { Verifier(clientKeys = mapOf(ULong.MAX_VALUE to emptyMap())) },
            "an empty client key" to { Verifier(clientKeys = mapOf(1UL to mapOf("acme" to ""))) },
            "no key, unsigned refused" to { Verifier() },
        )
        val seen = HashMap<String, String>()
        for ((name, make) in configs) {
            val result = call("Verifier($name)") { make() }
            expectTyped("Verifier($name)", result)
            seen[name] = if (result is Result.Threw) result.code else "built"
            if (result is Result.Value) {
                val v = result.value as Verifier
                expectTyped("verify with $name", call("verify with $name") { v.verify(signedHeaders(bodies[1], KEY), bodies[1]) })
                call("limits of $name") { Triple(v.maxAge(), v.maxFutureSkew(), v.maxBodyBytes()) }
            }
        }
        expectEqual("empty key", "invalid_config", seen["an empty key"])
        expectEqual("empty client key", "invalid_config", seen["an empty client key"])
        expectEqual("no key", "invalid_config", seen["no key, unsigned refused"])
    }

    Suite.check("ffi: a negative duration is refused by the generated Kotlin before the FFI") {
        val result = call("negative maxAge") { Verifier(keys = mapOf("c" to KEY), maxAge = Duration.ofSeconds(-1)) }
        expectEqual("kind", "IllegalArgumentException", (result as? Result.Threw)?.kind)
        val store = call("negative lease") { MemoryStore(lease = Duration.ofMillis(-1)) }
        expectEqual("kind", "IllegalArgumentException", (store as? Result.Threw)?.kind)
    }

    Suite.check("ffi: a String that is not valid UTF-16 is refused by the generated Kotlin before the FFI") {
        // A lone surrogate cannot be encoded as UTF-8: uniffi's Kotlin refuses it with a
        // CharacterCodingException. HttpServer never produces one (it decodes header bytes as
        // ISO-8859-1); only a caller's own String can.
        for ((name, block) in listOf<Pair<String, () -> Any?>>(
            "header value" to { verifier.verify(mapOf("Ax-Signature-Version" to listOf("1\uD800")), bodies[1]) },
            "key" to { Verifier(keys = mapOf("c" to "\uDC00")) },
            "signer key" to { Signer("\uD800") },
            "claim key" to { MemoryStore().claim("1:\uD800") },
        )) {
            val result = call(name) { block() }
            expectTrue("$name: <$result>", result is Result.Threw && result.kind.endsWith("Exception"))
            val threw = result as Result.Threw
            expectTrue("$name: CharacterCodingException, got ${threw.kind}",
                threw.kind == "MalformedInputException" || threw.kind == CharacterCodingException::class.simpleName)
        }
    }

    Suite.check("ffi: verify() with hostile headers, bodies and clocks ends in a code") {
        var calls = 0
        for (body in bodies) {
            for (headers in headerSets(body)) {
                for (now in listOf(null, Instant.MIN, Instant.MAX)) {
                    val what = "verify(${headers.keys.take(2)}, ${body.size} bytes, $now)"
                    val result = call(what) { verifier.verify(headers, body, now) }
                    expectTyped(what, result)
                    calls++
                }
            }
        }
        expectEqual("calls", bodies.size * 10 * 3, calls)
    }

    Suite.check("ffi: verify() codes of chosen hostile inputs") {
        fun code(headers: Map<String, List<String>>, body: ByteArray, now: Instant? = null) =
            (call("verify") { verifier.verify(headers, body, now) } as? Result.Threw)?.code
        val big = ByteArray(10 shl 20) { '['.code.toByte() }
        expectEqual("10 MiB", "body_too_large", code(signedHeaders(big, KEY), big))
        val deep = bodies[5]
        expectEqual("100,000 deep", "malformed_json", code(signedHeaders(deep, KEY), deep))
        expectEqual("NUL version", "unsupported_signature_version",
            code(mapOf("Ax-Signature-Version" to listOf("1\u0000"), "Ax-Signature" to listOf("0".repeat(64))), bodies[1]))
        expectEqual("a non-hex signature", "malformed_signature",
            code(mapOf("Ax-Signature-Version" to listOf("1"), "Ax-Signature" to listOf("é".repeat(64))), bodies[1]))
        expectEqual("no values", "missing_signature_version",
            code(mapOf("Ax-Signature-Version" to emptyList()), bodies[1]))
        val sent = signedDelivery(DeliverySpec(eventType = "a.b", timestamp = nowish), KEY)
        expectEqual("Instant.MAX", "timestamp_too_old", code(sent.headers, sent.body, Instant.MAX))
        expectEqual("Instant.MIN", "timestamp_in_future", code(sent.headers, sent.body, Instant.MIN))
    }

    Suite.check("ffi: Signer, signedHeaders, unsignedHeaders with hostile keys and bodies") {
        for (key in strings) {
            for (body in listOf(bodies[0], bodies[4])) {
                val sig = call("sign") { Signer(key).sign(body) }
                expectTrue("a signature", sig is Result.Value && (sig.value as String).matches(Regex("[0-9a-f]{64}")))
                val headers = call("signedHeaders") { signedHeaders(body, key) }
                expectTrue("headers", headers is Result.Value)
            }
        }
        val big = bodies.last()
        expectEqual("a large body", Signer(KEY).sign(big), signedHeaders(big, KEY).getValue("Ax-Signature").single())
        expectEqual("unsigned", listOf("0"), unsignedHeaders()["Ax-Signature-Version"])
    }

    Suite.check("ffi: signedDelivery and unsignedDelivery with hostile specs") {
        val messages = listOf(null, "", "[".repeat(100_000), "1e999", "NaN", "\"\\ud800\"", """{"a":1,"a":2}""", "{}")
        var built = 0
        var refused = 0
        for (type in strings) {
            for (message in messages) {
                for (id in listOf(null, "\u0000")) {
                    val spec = DeliverySpec(
                        eventType = type, messageJson = message, clientId = ULong.MAX_VALUE,
                        messageId = id, timestamp = if (id == null) Instant.MAX else Instant.MIN,
                    )
                    for ((name, block) in listOf<Pair<String, () -> axhook.Outgoing>>(
                        "signed" to { signedDelivery(spec, type) }, "unsigned" to { unsignedDelivery(spec) },
                    )) {
                        val result = call("$name delivery") { block() }
                        expectTyped("$name delivery", result)
                        if (result is Result.Value) {
                            built++
                            val out = result.value as axhook.Outgoing
                            expectTyped("verify it", call("verify it") { verifier.verify(out.headers, out.body) })
                        } else {
                            refused++
                        }
                    }
                }
            }
        }
        expectTrue("some built ($built) and some refused ($refused)", built > 0 && refused > 0)
    }

    Suite.check("ffi: MemoryStore with hostile limits, keys, clocks and forged tickets") {
        val stores = listOf(
            call("zero limits") { MemoryStore(Duration.ZERO, Duration.ZERO, 0UL) },
            call("capacity 1") { MemoryStore(capacity = 1UL) },
            call("huge limits") { MemoryStore(Duration.ofSeconds(Long.MAX_VALUE), Duration.ofSeconds(Long.MAX_VALUE), ULong.MAX_VALUE) },
            call("defaults") { MemoryStore() },
        )
        for (made in stores) {
            expectTyped("MemoryStore()", made)
            val store = (made as? Result.Value)?.value as? MemoryStore ?: continue
            for (key in strings) {
                for (now in instants) {
                    val claim = call("claim") { store.claim(key, now) }
                    expectTyped("claim", claim)
                    val ticket = ((claim as? Result.Value)?.value as? Claim.New)?.ticket
                    if (ticket != null) {
                        expectTyped("complete", call("complete") { store.complete(ticket, now) })
                        expectTyped("complete twice", call("complete twice") { store.complete(ticket, now) })
                    }
                }
                for (forged in listOf(Ticket(key, ""), Ticket(key, key), Ticket("", "1"))) {
                    val completed = call("forged complete") { store.complete(forged, null) }
                    expectEqual("forged complete", "lease_lost", (completed as? Result.Threw)?.code)
                    val released = call("forged release") { store.release(forged) }
                    expectEqual("forged release", "lease_lost", (released as? Result.Threw)?.code)
                }
            }
            call("len") { store.len() to store.isEmpty() }
        }
        for (claim in listOf(Claim.New(Ticket("\u0000", "x".repeat(1 shl 20))), Claim.Duplicate, Claim.InProgress)) {
            val code = call("Claim.code") { claim.code() }
            expectTrue("Claim.code <$code>", code is Result.Value && code.value in setOf("new", "duplicate", "in_progress"))
        }
    }

    Suite.check("ffi: Receiver.receive with hostile input never throws") {
        val receiver = Receiver(verifier, MemoryStore())
        for (body in bodies) {
            for (headers in headerSets(body)) {
                for (now in listOf(null, Instant.MIN, Instant.MAX)) {
                    val result = call("receive") { receiver.receive(headers, body, okHandler, now) }
                    expectTrue("receive returned an Outcome: $result", result is Result.Value)
                    expectOutcome("receive", (result as Result.Value).value as Outcome)
                }
            }
        }
    }

    Suite.check("ffi: eventTypeMatches and knownEventTypes with hostile strings") {
        for (a in strings) for (b in strings) expectTyped("matches", call("matches") { eventTypeMatches(a, b) })
        expectTrue("catalogue", knownEventTypes().isNotEmpty())
    }

    Suite.check("ffi: a destroyed object throws IllegalStateException, not a crash") {
        val v = Verifier(keys = mapOf("c" to KEY))
        v.close()
        val result = call("verify after close") { v.verify(signedHeaders(bodies[1], KEY), bodies[1]) }
        expectEqual("kind", "IllegalStateException", (result as? Result.Threw)?.kind)
    }

    runHandlerFailureChecks()
    runSecretChecks()
}

/** Every way a handler can fail answers 500 handler_failed and releases the claim. */
private fun runHandlerFailureChecks() {
    val failures: List<Pair<String, () -> Nothing>> = listOf(
        "HandlerException.Failed" to { throw HandlerException.Failed("database unavailable") },
        "a RuntimeException" to { throw IllegalStateException("boom") },
        "a checked Exception" to { throw java.io.IOException("disk full") },
        "a NumberFormatException" to { "x".toInt(); error("unreachable") },
    )
    // Not listed: a java.lang.Error (AssertionError, TODO()'s NotImplementedError,
    // StackOverflowError, ExceptionInInitializerError). uniffi's generated Kotlin catches
    // kotlin.Exception only; JNA swallows the Error (logging it on stderr) and the callback
    // returns as a success, so the delivery is answered 200 processed. See README.md.
    for ((name, fail) in failures) {
        Suite.check("ffi: a handler throwing $name answers 500 handler_failed, then the retry is processed") {
            val receiver = Receiver(Verifier(keys = mapOf("current" to KEY)), MemoryStore())
            val sent = signedDelivery(DeliverySpec(eventType = "a.b"), KEY)
            val failing = object : DeliveryHandler {
                override fun handle(delivery: Delivery) = fail()
            }
            val first = receiver.receive(sent.headers, sent.body, failing)
            expectEqual("first", Pair("handler_failed", 500), Pair(first.code, first.status.toInt()))
            val retry = receiver.receive(sent.headers, sent.body, okHandler)
            expectEqual("retry", Pair("processed", 200), Pair(retry.code, retry.status.toInt()))
        }
    }
}

/** No key in the toString() of any object or record that saw one. */
private fun runSecretChecks() {
    val secret = "s3cret-\u0000-never-shown"
    Suite.check("secrets: records (Outgoing, Delivery, Outcome, Ticket, DeliverySpec) never print a key") {
        val verifier = Verifier(keys = mapOf("current" to secret), clientKeys = mapOf(7UL to mapOf("acme" to "$secret-7")))
        val spec = DeliverySpec(eventType = "contact.contact_updated", clientId = 7UL)
        val sent = signedDelivery(spec, "$secret-7")
        val delivery = verifier.verify(sent.headers, sent.body)
        val store = MemoryStore()
        val outcome = Receiver(verifier, store).receive(sent.headers, sent.body, okHandler)
        val claim = store.claim(delivery.dedupeKey)
        val texts = listOf(sent, delivery, outcome, claim, spec, verifier, store, Signer(secret)).map { it.toString() }
        for (text in texts) {
            expectTrue("no key in <${text.take(300)}>", !text.contains("s3cret"))
        }
        expectEqual("outcome", "processed", outcome.code)
    }
    Suite.check("secrets: the verifier's toString shows the global labels and no key") {
        val keys = (1..5).associate { "label$it" to "$secret-$it" }
        val text = Verifier(keys = keys, clientKeys = mapOf(9UL to mapOf("client-label" to "$secret-9"))).toString()
        expectTrue("no key in <$text>", !text.contains("s3cret"))
        for (label in keys.keys) expectTrue("$label in <$text>", text.contains(label))
    }
    Suite.check("secrets: no exception's toString or message shows a key") {
        val texts = mutableListOf<String?>()
        val sent = signedDelivery(DeliverySpec(eventType = "a.b"), "other-key")
        for (keys in listOf(mapOf("current" to secret), mapOf("current" to " $secret\n"))) {
            try {
                Verifier(keys = keys).verify(sent.headers, sent.body)
            } catch (e: VerificationException) {
                texts += listOf(e.toString(), e.message, e.code())
            }
        }
        for (config in listOf<() -> Unit>(
            { Verifier(keys = mapOf("label" to "")) },
            { Verifier(clientKeys = mapOf(1UL to mapOf("label" to ""), 2UL to mapOf("other" to secret))) },
        )) {
            try {
                config()
            } catch (e: ConfigException) {
                texts += listOf(e.toString(), e.message)
            }
        }
        expectEqual("exception texts seen", 10, texts.size)
        for (text in texts) expectTrue("no key in <$text>", text == null || !text.contains("s3cret"))
    }
}
