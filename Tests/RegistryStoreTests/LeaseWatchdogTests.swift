import NIOConcurrencyHelpers
import NIOCore
@testable import RegistryStore
import Testing

/// The shared bound on waits for a pooled connection.
@Suite struct LeaseWatchdogTests {
    /// A watch past its deadline expires once, within about a period; one ended first never does.
    @Test func expiresWhatIsDueAndNothingEnded() async throws {
        let watchdog = LeaseWatchdog(period: .milliseconds(20))
        let expired = NIOLockedValueBox<[String]>([])
        _ = watchdog.watch(until: .now() + .milliseconds(50)) { expired.withLockedValue { $0.append("due") } }
        let ended = watchdog.watch(until: .now() + .milliseconds(50)) { expired.withLockedValue { $0.append("ended") } }
        _ = watchdog.watch(until: .now() + .seconds(60)) { expired.withLockedValue { $0.append("later") } }
        watchdog.unwatch(ended)
        try await Task.sleep(for: .milliseconds(300))
        #expect(expired.withLockedValue { $0 } == ["due"])
        #expect(watchdog.watching == 1)
    }

    /// With nothing watched it stops ticking, and a new watch starts it again.
    @Test func ticksOnlyWhileWatching() async throws {
        let watchdog = LeaseWatchdog(period: .milliseconds(20))
        let first = NIOLockedValueBox(0)
        _ = watchdog.watch(until: .now()) { first.withLockedValue { $0 += 1 } }
        try await Task.sleep(for: .milliseconds(200))
        #expect(first.withLockedValue { $0 } == 1 && watchdog.watching == 0 && !watchdog.isTicking)
        let second = NIOLockedValueBox(0)
        _ = watchdog.watch(until: .now() + .milliseconds(30)) { second.withLockedValue { $0 += 1 } }
        try await Task.sleep(for: .milliseconds(300))
        #expect(second.withLockedValue { $0 } == 1 && watchdog.watching == 0 && !watchdog.isTicking)
    }
}
