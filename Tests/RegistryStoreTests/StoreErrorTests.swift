@testable import RegistryStore
import Testing

/// Failures of the pool itself read as an unreachable database (retryable, and the pool is replaced).
@Suite struct StoreErrorTests {
    /// Stands for PostgresNIO's `_ConnectionPoolModule.ConnectionPoolError` (its circuit breaker after a
    /// long outage), which reaches callers unwrapped and is recognised by its type's name.
    struct ConnectionPoolError: Error {}
    struct SomethingElse: Error {}

    @Test func poolRefusalsAreUnavailable() {
        #expect(StoreError.from(ConnectionPoolError()) == .unavailable)
        #expect(StoreError.from(CancellationError()) == .unavailable)
        #expect(StoreError.from(SomethingElse()) == .internalError("SomethingElse"))
    }
}
