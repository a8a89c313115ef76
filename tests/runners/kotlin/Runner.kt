// The Kotlin fixture runner of `make conformance` (tests/conformance.py), run by
// tests/runners/kotlin_runner.sh: every case of vectors.json and hostile.json through the uniffi
// binding's Verifier, every sequence of dedupe.json against a fresh MemoryStore, one JSON object
// per line on standard output (what the binding observed, not a verdict). A case that cannot be
// run is an {"error"} line; the runner goes on. Exits 2 when a fixture file cannot be read.
package axhook.runner

import axhook.Claim
import axhook.MemoryStore
import axhook.StoreException
import axhook.Ticket
import axhook.VerificationException
import axhook.Verifier
import com.google.gson.JsonArray
import com.google.gson.JsonElement
import com.google.gson.JsonNull
import com.google.gson.JsonObject
import com.google.gson.JsonParser
import com.google.gson.JsonPrimitive
import java.io.File
import java.io.PrintStream
import java.time.Duration
import java.time.Instant
import java.util.Base64
import kotlin.system.exitProcess

private fun JsonObject.opt(name: String): JsonElement? = get(name)?.takeUnless { it.isJsonNull }

private fun seconds(value: JsonElement): Duration = Duration.ofMillis(Math.round(value.asDouble * 1000.0))

private fun verifierFrom(config: JsonObject): Verifier = Verifier(
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

/** `[[name, value], …]` as the binding's header map; a repeated name keeps every value. */
private fun headersFrom(pairs: JsonArray): Map<String, List<String>> {
    val map = LinkedHashMap<String, MutableList<String>>()
    for (pair in pairs) {
        val (name, value) = pair.asJsonArray.map { it.asString }
        map.getOrPut(name) { mutableListOf() }.add(value)
    }
    return map
}

/** `body` as UTF-8, else `bodyBase64`, else `bodyGenerated` (prefix + repeat × count + suffix). */
private fun bodyOf(case: JsonObject): ByteArray {
    case.opt("body")?.let { return it.asString.toByteArray(Charsets.UTF_8) }
    case.opt("bodyBase64")?.let { return Base64.getDecoder().decode(it.asString) }
    val g = case.opt("bodyGenerated")?.asJsonObject ?: error("no body, bodyBase64 or bodyGenerated")
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

private fun verifyCase(case: JsonObject, fileNow: Instant): JsonObject {
    val verifier = verifierFrom(case["verifier"].asJsonObject)
    val headers = headersFrom(case["headers"].asJsonArray)
    val body = bodyOf(case)
    val now = case.opt("now")?.let { Instant.parse(it.asString) } ?: fileNow
    val line = JsonObject()
    try {
        val d = verifier.verify(headers, body, now)
        // The runner's own parse of the body's `message` (Gson), compared as parsed values.
        val expected = JsonParser.parseString(String(body, Charsets.UTF_8)).asJsonObject["message"]
            ?: error("the accepted body has no message")
        val delivery = JsonObject()
        delivery.addProperty("type", d.eventType)
        delivery.addProperty("namespace", d.namespace)
        delivery.addProperty("event", d.event)
        delivery.add("clientId", JsonPrimitive(d.clientId.toLong()))
        delivery.addProperty("messageId", d.messageId)
        delivery.addProperty("timestampMillis", d.timestamp.toEpochMilli())
        delivery.add("keyLabel", d.keyLabel?.let(::JsonPrimitive) ?: JsonNull.INSTANCE)
        delivery.addProperty("signed", d.signed)
        delivery.addProperty("messageEqual", expected == JsonParser.parseString(d.messageJson))
        line.addProperty("ok", true)
        line.add("delivery", delivery)
    } catch (e: VerificationException) {
        line.addProperty("ok", false)
        line.addProperty("code", e.code())
        line.addProperty("status", e.status().toInt())
    }
    return line
}

private fun dedupeSequence(seq: JsonObject, start: Instant): JsonObject {
    val limits = seq["store"].asJsonObject
    val store = MemoryStore(
        lease = Duration.ofSeconds(limits["leaseSeconds"].asLong),
        retention = Duration.ofSeconds(limits["retentionSeconds"].asLong),
    )
    val tickets = HashMap<String, Ticket>()
    val results = JsonArray()
    for (element in seq["steps"].asJsonArray) {
        val step = element.asJsonObject
        val at = start.plusSeconds(step["at"].asLong)
        val op = step["op"].asString
        val result = when (op) {
            "claim" -> try {
                val claim = store.claim("${step["clientId"].asLong}:${step["messageId"].asString}", at)
                if (claim is Claim.New) tickets[step["ticket"].asString] = claim.ticket
                claim.code()
            } catch (e: StoreException) {
                e.code()
            }
            "complete", "release" -> {
                val name = step["ticket"].asString
                val ticket = tickets[name] ?: error("$op of unknown ticket $name")
                try {
                    if (op == "complete") store.complete(ticket, at) else store.release(ticket)
                    "ok"
                } catch (e: StoreException) {
                    e.code()
                }
            }
            else -> error("unknown op $op")
        }
        results.add(result)
    }
    return JsonObject().apply { add("results", results) }
}

private fun emit(out: PrintStream, suite: String, name: String, run: () -> JsonObject) {
    val line = JsonObject()
    line.addProperty("suite", suite)
    line.addProperty("case", name)
    try {
        for ((key, value) in run().entrySet()) line.add(key, value)
    } catch (e: Throwable) {
        line.addProperty("error", e.toString().lineSequence().first().take(500))
    }
    out.println(line.toString())
}

fun main(args: Array<String>) {
    val dir = File(args.firstOrNull() ?: "fixtures")
    // Standard output carries the JSON lines only: whatever else prints goes to standard error.
    val out = PrintStream(java.io.FileOutputStream(java.io.FileDescriptor.out), false, "UTF-8")
    System.setOut(System.err)
    var status = 0
    fun load(name: String): JsonObject? = try {
        JsonParser.parseString(File(dir, "$name.json").readText()).asJsonObject
    } catch (e: Exception) {
        System.err.println("$name.json: $e")
        status = 2
        null
    }
    for (suite in listOf("vectors", "hostile")) {
        val file = load(suite) ?: continue
        val fileNow = Instant.parse(file["now"].asString)
        for (element in file["cases"].asJsonArray) {
            val case = element.asJsonObject
            emit(out, suite, case.opt("name")?.asString ?: "?") { verifyCase(case, fileNow) }
        }
    }
    load("dedupe")?.let { file ->
        val start = Instant.parse(file["start"].asString)
        for (element in file["sequences"].asJsonArray) {
            val seq = element.asJsonObject
            emit(out, "dedupe", seq.opt("name")?.asString ?: "?") { dedupeSequence(seq, start) }
        }
    }
    out.flush()
    exitProcess(status)
}
