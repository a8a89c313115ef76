// The binding's own surface: redaction, exceptions, defaults, the signer and the handler's errors.
package axhook.test

import axhook.ConfigException
import axhook.Delivery
import axhook.DeliveryHandler
import axhook.DeliverySpec
import axhook.MemoryStore
import axhook.Receiver
import axhook.Signer
import axhook.SignerException
import axhook.VerificationException
import axhook.Verifier
import axhook.eventTypeMatches
import axhook.knownEventTypes
import axhook.signedDelivery
import axhook.signedHeaders
import axhook.unsignedDelivery
import java.time.Duration
import java.time.Instant

private const val SECRET = "s3cret-key-never-shown"

private inline fun <reified E : Throwable> expectThrows(what: String, block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw Mismatch("$what: expected ${E::class.simpleName}, got $e")
    }
    throw Mismatch("$what: expected ${E::class.simpleName}, nothing thrown")
}

fun runApiChecks() {
    Suite.check("api: Verifier.toString shows labels and limits, never a key") {
        val verifier = Verifier(
            keys = mapOf("current" to SECRET, "previous" to "$SECRET-old"),
            clientKeys = mapOf(42UL to mapOf("acme" to "$SECRET-acme")),
        )
        val text = verifier.toString()
        expectTrue("no secret in <$text>", !text.contains(SECRET))
        expectTrue("redacted in <$text>", text.contains("REDACTED") && text.contains("current"))
    }
    Suite.check("api: Signer.toString never shows its key") {
        val text = Signer(SECRET).toString()
        expectTrue("no secret in <$text>", !text.contains(SECRET) && text.contains("REDACTED"))
    }
    Suite.check("api: Receiver and MemoryStore toString never show a key") {
        val text = Receiver(Verifier(keys = mapOf("current" to SECRET)), MemoryStore()).toString()
        expectTrue("no secret in <$text>", !text.contains(SECRET))
    }
    Suite.check("api: a verifier without keys that refuses unsigned is a ConfigException") {
        val e = expectThrows<ConfigException>("Verifier()") { Verifier() }
        expectEqual("code", "invalid_config", e.code())
        expectTrue("message <$e>", e.toString().contains("unsigned"))
    }
    Suite.check("api: an empty key is a ConfigException naming the label only") {
        val e = expectThrows<ConfigException>("empty key") { Verifier(keys = mapOf("current" to "")) }
        expectTrue("message <$e>", e.toString().contains("current"))
    }
    Suite.check("api: defaults and limits round-trip") {
        val v = Verifier(keys = mapOf("k" to "k1"), maxAge = Duration.ofDays(2), maxBodyBytes = 10UL)
        expectEqual("maxAge", Duration.ofDays(2), v.maxAge())
        expectEqual("maxFutureSkew", Duration.ofMinutes(5), v.maxFutureSkew())
        expectEqual("maxBodyBytes", 10UL, v.maxBodyBytes())
    }
    Suite.check("api: the signer matches HMAC-SHA256's known answer") {
        val sig = Signer("key").sign("The quick brown fox jumps over the lazy dog".toByteArray())
        expectEqual("signature", "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8", sig)
    }
    Suite.check("api: a signed delivery verifies against the wall clock") {
        val sent = signedDelivery(DeliverySpec(eventType = "contact.contact_merged", clientId = 42UL), "k1")
        val d = Verifier(keys = mapOf("current" to "k1")).verify(sent.headers, sent.body)
        expectEqual("messageId", sent.messageId, d.messageId)
        expectEqual("clientId", 42UL, d.clientId)
        expectEqual("keyLabel", "current", d.keyLabel)
        expectTrue("recent", Duration.between(d.timestamp, Instant.now()).abs() < Duration.ofMinutes(1))
        expectTrue("message", d.messageJson.contains("mergedContactIds"))
    }
    Suite.check("api: a custom message and an unsigned delivery") {
        val sent = unsignedDelivery(DeliverySpec(eventType = "a.b.c", messageJson = """{"x":[1,2]}"""))
        val d = Verifier(allowUnsigned = true).verify(sent.headers, sent.body)
        expectEqual("fields", listOf("a", "b.c", """{"x":[1,2]}"""), listOf(d.namespace, d.event, d.messageJson))
        expectEqual("unsigned", Pair(false, null as String?), Pair(d.signed, d.keyLabel))
    }
    Suite.check("api: an invalid message is a SignerException") {
        expectThrows<SignerException.InvalidMessageJson>("messageJson") {
            signedDelivery(DeliverySpec(eventType = "a.b", messageJson = "{nope"), "k")
        }
    }
    Suite.check("api: repeated values under one name are a duplicate header") {
        val body = signedDelivery(DeliverySpec(eventType = "a.b"), "k1").body
        val sig = signedHeaders(body, "k1").getValue("Ax-Signature").single()
        val headers = mapOf("ax-signature-version" to listOf("1"), "AX-SIGNATURE" to listOf(sig, sig))
        val e = expectThrows<VerificationException>("verify") { Verifier(keys = mapOf("k" to "k1")).verify(headers, body) }
        expectEqual("code/status", Pair("duplicate_header", 400), Pair(e.code(), e.status().toInt()))
    }
    Suite.check("api: a refusal says why without the expected signature") {
        val sent = signedDelivery(DeliverySpec(eventType = "a.b"), "k1")
        val e = expectThrows<VerificationException>("verify") { Verifier(keys = mapOf("k" to SECRET)).verify(sent.headers, sent.body) }
        val expected = Signer(SECRET).sign(sent.body)
        expectTrue("message <$e>", e.toString().contains("does not match") && !e.toString().contains(expected))
    }
    Suite.check("api: a handler's exception fails the delivery with its first line") {
        val receiver = Receiver(Verifier(keys = mapOf("k" to "k1")), MemoryStore())
        val sent = signedDelivery(DeliverySpec(eventType = "a.b"), "k1")
        val boom = object : DeliveryHandler {
            override fun handle(delivery: Delivery) = throw IllegalStateException("boom")
        }
        val outcome = receiver.receive(sent.headers, sent.body, boom)
        expectEqual("code/status", Pair("handler_failed", 500), Pair(outcome.code, outcome.status.toInt()))
        expectTrue("message <${outcome.message}>", outcome.message.contains("boom") && !outcome.message.contains("\n"))
        expectEqual("delivery", sent.messageId, outcome.delivery?.messageId)
        val ok = object : DeliveryHandler {
            override fun handle(delivery: Delivery) {}
        }
        expectEqual("retry", "processed", receiver.receive(sent.headers, sent.body, ok).code)
    }
    Suite.check("api: event types") {
        expectTrue("catalogue", "contact.contact_updated" in knownEventTypes())
        expectTrue("pattern", eventTypeMatches("contact.contact_merged", "contact.*"))
        expectTrue("pattern", !eventTypeMatches("student.x", "contact.*"))
    }
}
