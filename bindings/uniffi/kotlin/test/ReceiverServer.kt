// A real aXcelerate webhook endpoint on the JDK's own com.sun.net.httpserver.HttpServer,
// fed over 127.0.0.1 with deliveries made by the signer: valid, duplicate, tampered, and more.
package axhook.test

import axhook.Delivery
import axhook.DeliveryHandler
import axhook.DeliverySpec
import axhook.HandlerException
import axhook.MemoryStore
import axhook.Outgoing
import axhook.Receiver
import axhook.Verifier
import axhook.signedDelivery
import axhook.unsignedDelivery
import com.sun.net.httpserver.HttpServer
import java.net.InetSocketAddress
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.time.Instant
import java.util.concurrent.Callable
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit

// --- The receiver, as an application would write it (the README shows this part). ---

/** Serves `POST /webhooks/axcelerate`: every answer is the outcome's status and code. */
fun webhookServer(receiver: Receiver, handler: DeliveryHandler): HttpServer {
    val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
    server.createContext("/webhooks/axcelerate") { exchange ->
        exchange.use {
            // The raw bytes, exactly as received: never a re-serialised JSON value.
            val body = it.requestBody.readAllBytes()
            // HttpServer's Headers is a Map<String, List<String>>: repeated headers stay visible.
            val outcome = receiver.receive(it.requestHeaders, body, handler)
            val answer = """{"code":"${outcome.code}"}""".toByteArray()
            it.responseHeaders.add("Content-Type", "application/json")
            it.sendResponseHeaders(outcome.status.toInt(), answer.size.toLong())
            it.responseBody.write(answer)
        }
    }
    server.executor = Executors.newFixedThreadPool(4)
    server.start()
    return server
}

// --- The test around it. ---

private const val KEY = "ax-private-key-kotlin"

/** Records deliveries; fails those whose contact id is in `failOnce` the first time. */
private class RecordingHandler(private val slow: Boolean = false) : DeliveryHandler {
    val handled = ConcurrentLinkedQueue<String>()
    val failOnce = ConcurrentLinkedQueue<String>()

    override fun handle(delivery: Delivery) {
        if (failOnce.remove(delivery.messageId)) {
            throw HandlerException.Failed("database unavailable")
        }
        if (slow) Thread.sleep(300)
        handled.add(delivery.messageId)
    }
}

private data class Answer(val status: Int, val code: String)

private val client: HttpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

private fun post(server: HttpServer, body: ByteArray, headers: List<Pair<String, String>>): Answer {
    val request = HttpRequest.newBuilder(URI("http://127.0.0.1:${server.address.port}/webhooks/axcelerate"))
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .header("Content-Type", "application/json")
    for ((name, value) in headers) request.header(name, value)
    val response = client.send(request.build(), HttpResponse.BodyHandlers.ofString())
    val code = Regex(""""code":"([a-z_]+)"""").find(response.body())?.groupValues?.get(1) ?: "?"
    return Answer(response.statusCode(), code)
}

private fun post(server: HttpServer, sent: Outgoing, body: ByteArray = sent.body): Answer =
    post(server, body, sent.headers.flatMap { (name, values) -> values.map { name to it } })

private fun fresh(type: String = "contact.contact_updated", at: Instant? = null): Outgoing =
    signedDelivery(DeliverySpec(eventType = type, timestamp = at), KEY)

fun runHttpReceiver() {
    val verifier = Verifier(keys = mapOf("current" to KEY))
    val handler = RecordingHandler()
    val server = webhookServer(Receiver(verifier, MemoryStore()), handler)
    try {
        val sent = fresh()
        Suite.check("http: a valid delivery is processed") {
            expectEqual("answer", Answer(200, "processed"), post(server, sent))
            expectEqual("handled", listOf(sent.messageId), handler.handled.toList())
        }
        Suite.check("http: its retry is a duplicate, not handled again") {
            expectEqual("answer", Answer(200, "duplicate"), post(server, sent))
            expectEqual("handled", 1, handler.handled.size)
        }
        Suite.check("http: a tampered body is refused") {
            val tampered = sent.body.copyOf().also { it[10] = (it[10].toInt() xor 1).toByte() }
            expectEqual("answer", Answer(401, "signature_mismatch"), post(server, fresh(), tampered))
        }
        Suite.check("http: an unsigned delivery is a downgrade") {
            val unsigned = unsignedDelivery(DeliverySpec(eventType = "contact.contact_created"))
            expectEqual("answer", Answer(401, "unsigned_rejected"), post(server, unsigned))
        }
        Suite.check("http: no signature headers") {
            expectEqual("answer", Answer(401, "missing_signature_version"), post(server, fresh().body, emptyList()))
        }
        Suite.check("http: a repeated signature header") {
            val d = fresh()
            val sig = d.headers.getValue("Ax-Signature").single()
            val headers = listOf("Ax-Signature-Version" to "1", "Ax-Signature" to sig, "ax-signature" to sig)
            expectEqual("answer", Answer(400, "duplicate_header"), post(server, d.body, headers))
        }
        Suite.check("http: a stale replay is refused") {
            val old = fresh(at = Instant.now().minus(Duration.ofDays(15)))
            expectEqual("answer", Answer(401, "timestamp_too_old"), post(server, old))
        }
        Suite.check("http: a failed handler releases the claim; the retry is processed") {
            val d = fresh("student.workshop_enrolment_created")
            handler.failOnce.add(d.messageId)
            expectEqual("first", Answer(500, "handler_failed"), post(server, d))
            expectEqual("retry", Answer(200, "processed"), post(server, d))
            expectTrue("handled once", handler.handled.count { it == d.messageId } == 1)
        }
    } finally {
        server.stop(0)
        (server.executor as? java.util.concurrent.ExecutorService)?.shutdownNow()
    }

    // Concurrent retries of one delivery: exactly one runs the handler.
    val slow = RecordingHandler(slow = true)
    val busy = webhookServer(Receiver(verifier, MemoryStore()), slow)
    val pool = Executors.newFixedThreadPool(4)
    try {
        Suite.check("http: concurrent copies are processed once") {
            val d = fresh("course.workshop_created")
            val answers = pool.invokeAll(List(4) { Callable { post(busy, d) } }).map { it.get(20, TimeUnit.SECONDS) }
            expectEqual("processed", 1, answers.count { it == Answer(200, "processed") })
            expectTrue(
                "the others are in_progress (409) or duplicate (200): $answers",
                answers.all { it in setOf(Answer(200, "processed"), Answer(409, "in_progress"), Answer(200, "duplicate")) },
            )
            expectEqual("handled", listOf(d.messageId), slow.handled.toList())
        }
    } finally {
        pool.shutdownNow()
        busy.stop(0)
        (busy.executor as? java.util.concurrent.ExecutorService)?.shutdownNow()
    }
}
