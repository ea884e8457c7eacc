import Logging
import PostgresNIO
@testable import RegistryStore
import Testing

/// How the store reads failures of the pool it leases from.
@Suite struct StoreTests {
    /// A request still waiting for a connection when its pool stops (a pool replaced during an outage
    /// is stopped once idle) fails as retryable and counts as a failure of the database, so the outage
    /// clock keeps running and the pool keeps being replaced.
    @Test func aRequestWaitingOnAStoppedPoolIsUnavailableAndCountsAsAFailure() async throws {
        let nowhere = try DatabaseEndpoint(url: "postgresql://registry_app@/registry?host=/nonexistent-registryd-test")
        let logger = Logger(label: "test")
        let pool = DatabasePool(replaceAfter: .zero) {
            PostgresClient(configuration: nowhere.clientConfiguration(maximumConnections: 1), backgroundLogger: logger)
        }
        let store = Store(pool: pool, logger: logger)
        let client = pool.client
        let running = Task { await client.run() }
        let attempt = Task {
            try await store.autocommit { conn in _ = try await conn.query("SELECT 1", logger: logger) }
        }
        try await Task.sleep(for: .milliseconds(300))
        running.cancel()
        await #expect(throws: StoreError.unavailable) { try await attempt.value }
        #expect(pool.replacementIfFailing() != nil)
    }
}
