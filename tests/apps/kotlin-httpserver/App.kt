// The Kotlin receiver of `make conformance` (tests/conformance.py): the uniffi binding's Receiver
// on the JDK's own com.sun.net.httpserver.HttpServer, POST /webhooks/axcelerate on
// 127.0.0.1:$PORT, verifying with $AXHOOK_KEY (label `current`, defaults otherwise) and
// deduplicating in the core's MemoryStore. HttpServer sets no body limit of its own, so a body
// over 1 MiB is answered 413 by the verifier. Started by run.sh.

import com.google.gson.Gson
import com.google.gson.JsonParser
import java.util.concurrent.Executors

// readme: Kotlin · JDK HttpServer
import axhook.*
import com.sun.net.httpserver.HttpServer
import java.net.InetSocketAddress

val verifier = Verifier(keys = mapOf("current" to System.getenv().getValue("AXHOOK_KEY")))
val receiver = Receiver(verifier, MemoryStore())

val handler = object : DeliveryHandler {
    override fun handle(delivery: Delivery) = record(delivery) // throw → 500 handler_failed, and aXcelerate retries
}

fun HttpServer.webhooks(path: String) = createContext(path) { exchange ->
    exchange.use {
        // The raw bytes as received; HttpServer's Headers is a Map<String, List<String>>.
        val outcome = receiver.receive(it.requestHeaders, it.requestBody.readAllBytes(), handler)
        val answer = """{"code":"${outcome.code}"}""".toByteArray()
        it.responseHeaders.add("Content-Type", "application/json")
        it.sendResponseHeaders(outcome.status.toInt(), answer.size.toLong())
        it.responseBody.write(answer)
    }
}
// readme: end

// The side effects the harness reads back from GET /effects.
private val processed = LinkedHashMap<String, Int>()
private val failed = LinkedHashMap<String, Int>()
private val lock = Any()

/**
 * Counts the delivery once; a {"failOnce": true} message fails the first time its key is seen
 * (→ 500 handler_failed, and aXcelerate retries).
 */
fun record(delivery: Delivery) {
    val key = "${delivery.clientId}:${delivery.messageId}"
    val message = JsonParser.parseString(delivery.messageJson)
    val failOnce = message.isJsonObject && message.asJsonObject.get("failOnce")?.let {
        it.isJsonPrimitive && it.asJsonPrimitive.isBoolean && it.asBoolean
    } == true
    synchronized(lock) {
        if (failOnce && key !in failed) {
            failed[key] = 1
            throw IllegalStateException("failOnce: $key fails this first time")
        }
        processed.merge(key, 1, Int::plus)
    }
}

private fun HttpServer.json(path: String, body: () -> String) = createContext(path) { exchange ->
    exchange.use {
        val answer = body().toByteArray()
        it.responseHeaders.add("Content-Type", "application/json")
        it.sendResponseHeaders(200, answer.size.toLong())
        it.responseBody.write(answer)
    }
}

fun main() {
    val port = System.getenv().getValue("PORT").toInt()
    val server = HttpServer.create(InetSocketAddress("127.0.0.1", port), 0)
    server.webhooks("/webhooks/axcelerate")
    server.json("/effects") {
        synchronized(lock) { Gson().toJson(mapOf("processed" to processed, "failed" to failed)) }
    }
    server.json("/health") { """{"ok":true}""" }
    server.executor = Executors.newFixedThreadPool(8)
    server.start()
    System.err.println("kotlin-httpserver: listening on 127.0.0.1:$port")
}
