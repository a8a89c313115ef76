// Every case of fixtures/vectors.json and fixtures/dedupe.json, with the codes and statuses
// the Rust core gives.
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

/** `[[name, value], …]` as a header map; a repeated name keeps every value. */
fun headersFrom(pairs: Iterable<JsonElement>): Map<String, List<String>> {
    val map = LinkedHashMap<String, MutableList<String>>()
    for (pair in pairs) {
        val (name, value) = pair.asJsonArray.map { it.asString }
        map.getOrPut(name) { mutableListOf() }.add(value)
    }
    return map
}

fun runVectors(file: File): Int {
    val root = JsonParser.parseString(file.readText()).asJsonObject
    val fileNow = Instant.parse(root["now"].asString)
    val cases = root["cases"].asJsonArray.map { it.asJsonObject }
    for (case in cases) {
        Suite.check("vectors.json ${case["name"].asString}") { runVector(case, fileNow) }
    }
    return cases.size
}

private fun runVector(case: JsonObject, fileNow: Instant) {
    val verifier = verifierFrom(case["verifier"].asJsonObject)
    val headers = headersFrom(case["headers"].asJsonArray)
    val body = case.opt("body")?.asString?.toByteArray(Charsets.UTF_8)
        ?: Base64.getDecoder().decode(case["bodyBase64"].asString)
    val now = case.opt("now")?.let { Instant.parse(it.asString) } ?: fileNow
    val expect = case["expect"].asJsonObject
    if (!expect["ok"].asBoolean) {
        try {
            val delivery = verifier.verify(headers, body, now)
            throw Mismatch("accepted (${delivery.eventType}), expected ${expect["code"].asString}")
        } catch (e: VerificationException) {
            expectEqual("code", expect["code"].asString, e.code())
            expectEqual("status", expect["status"].asInt, e.status().toInt())
        }
        return
    }
    val d = verifier.verify(headers, body, now)
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
