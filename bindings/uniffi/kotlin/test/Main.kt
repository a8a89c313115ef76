// The Kotlin suite of axhook's uniffi bindings: a tiny runner (no test framework is available
// from the machine's package sources), run by `make uniffi-test` with the fixtures folder.
package axhook.test

import java.io.File
import kotlin.system.exitProcess

/** Counts checks; a failed one prints its name and why. */
object Suite {
    var passed = 0
    var failed = 0

    fun check(name: String, block: () -> Unit) {
        val start = System.nanoTime()
        try {
            block()
            passed++
        } catch (e: Throwable) {
            failed++
            println("FAIL $name: $e")
        }
        val seconds = (System.nanoTime() - start) / 1e9
        if (seconds > 2) System.err.println("slow: $name (%.1f s)".format(seconds))
    }
}

class Mismatch(message: String) : AssertionError(message)

fun <T> expectEqual(what: String, expected: T, actual: T) {
    if (expected != actual) throw Mismatch("$what: expected <$expected>, got <$actual>")
}

fun expectTrue(what: String, condition: Boolean) {
    if (!condition) throw Mismatch(what)
}

fun main(args: Array<String>) {
    val fixtures = File(args.firstOrNull() ?: "fixtures")
    val vectors = runVectors(File(fixtures, "vectors.json"))
    val hostile = runVectors(File(fixtures, "hostile.json"))
    val sequences = runDedupe(File(fixtures, "dedupe.json"))
    println("fixtures: $vectors vectors, $hostile hostile, $sequences dedupe sequences")
    runApiChecks()
    runHostileApiChecks()
    runHttpReceiver()
    println("${Suite.passed} passed, ${Suite.failed} failed")
    exitProcess(if (Suite.failed == 0 && Suite.passed > 0) 0 else 1)
}
