@testable import AdminServer
import Testing

/// The timer service's sleep: a kick ends it at once and is never lost while nobody waits.
///
/// "At once" is checked as "long before the wait's own end" (2 minutes): these run beside CPU-heavy
/// suites on a two-thread pool, where a resumed task can wait seconds for a thread (it took 4–10 s
/// against a 10 s bound before).
@Suite struct WakeupTests {
    @Test func waitsForTheWholeDurationWithoutASignal() async {
        let wakeup = Wakeup()
        let start = ContinuousClock.now
        await wakeup.wait(for: .milliseconds(200))
        #expect(ContinuousClock.now - start >= .milliseconds(190))
    }

    @Test func aSignalEndsTheWait() async {
        let wakeup = Wakeup()
        let start = ContinuousClock.now
        async let waited: Void = wakeup.wait(for: .seconds(120))
        try? await Task.sleep(for: .milliseconds(100))
        wakeup.signal()
        await waited
        #expect(ContinuousClock.now - start < .seconds(60))
    }

    @Test func aSignalWithNobodyWaitingEndsTheNextWaitOnly() async {
        let wakeup = Wakeup()
        wakeup.signal()
        var start = ContinuousClock.now
        await wakeup.wait(for: .seconds(120))
        #expect(ContinuousClock.now - start < .seconds(60))
        // Used up: the next wait runs its course.
        start = ContinuousClock.now
        await wakeup.wait(for: .milliseconds(200))
        #expect(ContinuousClock.now - start >= .milliseconds(190))
    }

    @Test func cancellingTheWaiterEndsTheWait() async {
        let wakeup = Wakeup()
        let start = ContinuousClock.now
        let waiter = Task { await wakeup.wait(for: .seconds(120)) }
        try? await Task.sleep(for: .milliseconds(100))
        waiter.cancel()
        await waiter.value
        #expect(ContinuousClock.now - start < .seconds(60))
    }
}
