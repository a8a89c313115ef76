// Every case of fixtures/vectors.json, fixtures/hostile.json and fixtures/dedupe.json, with the
// codes and statuses the Rust core gives.
package axhook.test

import axhook.MemoryStore
import axhook.StoreException
import axhook.Ticket
import axhook.VerificationException
import axhook.Verifier
import com.google.gson.JsonElement
import com.google.gson.JsonObject
import com.google.gson.JsonParser
import java.io.File
import java.time.Duration
import java.time.Instant
import java.util.Base64

private fun JsonObject.opt(name: String): JsonElement? = get(name)?.takeUnless { it.isJsonNull }

private fun seconds(value: JsonElement): Duration =
    Duration.ofMillis(Math.round(value.asDouble * 1000.0))

/** The fixture's `verifier` object as the Kotlin constructor's arguments. */
fun verifierFrom(config: JsonObject): Verifier = Verifier(
    keys = config.opt("keys")?.asJsonObject?.entrySet()?.associate { it.key to it.value.asString } ?: emptyMap(),
    clientKeys = config.opt("clientKeys")?.asJsonObject?.entrySet()?.associate { (id, keys) ->
        id.toULong() to keys.asJsonObject.entrySet().associate { it.key to it.value.asString }
    },
    allowedClientIds = config.opt("allowedClientIds")?.asJsonArray?.map { it.asLong.toULong() },
    allowUnsigned = config.opt("allowUnsigned")?.asBoolean ?: false,
    maxAge = config.opt("maxAgeSeconds")?.let(::seconds),
    maxFutureSkew = config.opt("maxFutureSkewSeconds")?.let(::seconds),
    maxBodyBytes = config.opt("maxBodyBytes")?.asLong?.toULong(),
)

/** Every key of a fixture's `verifier` object (global and per client), trimmed, if not tiny. */
fun keysOf(config: JsonObject): List<String> {
    val global = config.opt("keys")?.asJsonObject?.entrySet()?.map { it.value.asString } ?: emptyList()
    val perClient = config.opt("clientKeys")?.asJsonObject?.entrySet()?.flatMap { (_, keys) ->
        keys.asJsonObject.entrySet().map { it.value.asString }
    } ?: emptyList()
    return (global + perClient).map { it.trim() }.filter { it.length >= 6 }
}

fun expectNoSecret(what: String, secrets: List<String>, text: String) {
    for (secret in secrets) expectTrue("$what shows a key: <${text.take(300)}>", !text.contains(secret))
}

/** `[[name, value], …]` as a header map; a repeated name keeps every value. */
fun headersFrom(pairs: Iterable<JsonElement>): Map<String, List<String>> {
    val map = LinkedHashMap<String, MutableList<String>>()
    for (pair in pairs) {
        val (name, value) = pair.asJsonArray.map { it.asString }
        map.getOrPut(name) { mutableListOf() }.add(value)
    }
    return map
}

/**
 * A case's raw body: `body` as UTF-8, else `bodyBase64`, else `bodyGenerated` (prefix +
 * repeat × count + suffix, for the bodies too large to store: 10 MiB, 100,000-deep nesting).
 */
fun bodyOf(case: JsonObject): ByteArray {
    case.opt("body")?.let { return it.asString.toByteArray(Charsets.UTF_8) }
    case.opt("bodyBase64")?.let { return Base64.getDecoder().decode(it.asString) }
    val g = case.opt("bodyGenerated")?.asJsonObject ?: throw Mismatch("no body, bodyBase64 or bodyGenerated")
    val prefix = g["prefix"].asString.toByteArray(Charsets.UTF_8)
    val repeat = g["repeat"].asString.toByteArray(Charsets.UTF_8)
    val count = g["count"].asInt
    val suffix = g["suffix"].asString.toByteArray(Charsets.UTF_8)
    val body = ByteArray(prefix.size + repeat.size * count + suffix.size)
    prefix.copyInto(body)
    for (i in 0 until count) repeat.copyInto(body, prefix.size + i * repeat.size)
    suffix.copyInto(body, prefix.size + repeat.size * count)
    return body
}

/** Runs every case of `file` (vectors.json or hostile.json: the same schema). */
fun runVectors(file: File): Int {
    val root = JsonParser.parseString(file.readText()).asJsonObject
    val fileNow = Instant.parse(root["now"].asString)
    val cases = root["cases"].asJsonArray.map { it.asJsonObject }
    for (case in cases) {
        Suite.check("${file.name} ${case["name"].asString}") { runVector(case, fileNow) }
    }
    return cases.size
}

private fun runVector(case: JsonObject, fileNow: Instant) {
    val verifier = verifierFrom(case["verifier"].asJsonObject)
    val headers = headersFrom(case["headers"].asJsonArray)
    val body = bodyOf(case)
    val now = case.opt("now")?.let { Instant.parse(it.asString) } ?: fileNow
    val expect = case["expect"].asJsonObject
    // Secrets: neither the verifier, nor a refusal, nor a delivery ever prints a configured key.
    val secrets = keysOf(case["verifier"].asJsonObject)
    expectNoSecret("Verifier.toString", secrets, verifier.toString())
    if (!expect["ok"].asBoolean) {
        try {
            val delivery = verifier.verify(headers, body, now)
            throw Mismatch("accepted (${delivery.eventType}), expected ${expect["code"].asString}")
        } catch (e: VerificationException) {
            expectEqual("code", expect["code"].asString, e.code())
            expectEqual("status", expect["status"].asInt, e.status().toInt())
            expectNoSecret("VerificationException.toString", secrets, e.toString())
        }
        return
    }
    val d = verifier.verify(headers, body, now)
    expectNoSecret("Delivery.toString", secrets, d.toString())
    expectEqual("type", expect["type"].asString, d.eventType)
    expectEqual("namespace", expect["namespace"].asString, d.namespace)
    expectEqual("event", expect["event"].asString, d.event)
    expectEqual("clientId", expect["clientId"].asLong.toULong(), d.clientId)
    expectEqual("messageId", expect["messageId"].asString, d.messageId)
    expectEqual("timestampMillis", expect["timestampMillis"].asLong, d.timestamp.toEpochMilli())
    expectEqual("keyLabel", expect.opt("keyLabel")?.asString, d.keyLabel)
    expectEqual("signed", expect["signed"].asBoolean, d.signed)
    expectEqual("dedupeKey", "${d.clientId}:${d.messageId}", d.dedupeKey)
    // The message is the body's own `message` value: compare with Gson's parse of the body.
    val message = JsonParser.parseString(String(body, Charsets.UTF_8)).asJsonObject["message"]
    expectEqual("message", message, JsonParser.parseString(d.messageJson))
}

fun runDedupe(file: File): Int {
    val root = JsonParser.parseString(file.readText()).asJsonObject
    val start = Instant.parse(root["start"].asString)
    val sequences = root["sequences"].asJsonArray.map { it.asJsonObject }
    for (seq in sequences) {
        Suite.check("dedupe.json ${seq["name"].asString}") { runSequence(seq, start) }
    }
    return sequences.size
}

private fun runSequence(seq: JsonObject, start: Instant) {
    val limits = seq["store"].asJsonObject
    val store = MemoryStore(
        lease = Duration.ofSeconds(limits["leaseSeconds"].asLong),
        retention = Duration.ofSeconds(limits["retentionSeconds"].asLong),
    )
    val tickets = HashMap<String, Ticket>()
    for ((i, element) in seq["steps"].asJsonArray.withIndex()) {
        val step = element.asJsonObject
        val at = start.plusSeconds(step["at"].asLong)
        val expected = step["expect"].asString
        val what = "step $i (${step["op"].asString})"
        when (step["op"].asString) {
            "claim" -> {
                val key = step["key"].asString
                expectEqual("$what key", "${step["clientId"].asLong}:${step["messageId"].asString}", key)
                val claim = store.claim(key, at)
                expectEqual(what, expected, claim.code())
                if (claim is axhook.Claim.New) tickets[step["ticket"].asString] = claim.ticket
            }
            "complete", "release" -> {
                val ticket = tickets[step["ticket"].asString] ?: throw Mismatch("$what: unknown ticket")
                val got = try {
                    if (step["op"].asString == "complete") store.complete(ticket, at) else store.release(ticket)
                    "ok"
                } catch (e: StoreException) {
                    e.code()
                }
                expectEqual(what, expected, got)
            }
            else -> throw Mismatch("$what: unknown op")
        }
    }
}
