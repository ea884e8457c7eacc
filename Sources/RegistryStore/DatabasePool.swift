import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle

/// The daemon's PostgreSQL pool, replaceable while the database is unreachable.
///
/// Why: PostgresNIO's pool retries a lost server with exponential backoff capped at a minute, so after
/// an outage of a few minutes the daemon could wait up to a minute more before serving again. While
/// requests keep failing, `DatabasePoolService` swaps in a fresh client every couple of seconds; the
/// fresh one opens its connections at once, so service resumes within seconds of the database's return.
public final class DatabasePool: Sendable {
    struct State {
        var client: PostgresClient
        var failingSince: ContinuousClock.Instant?
        var replaced: ContinuousClock.Instant = .now
        var retired: [PostgresClient] = []
    }

    private let make: @Sendable () -> PostgresClient
    private let state: NIOLockedValueBox<State>
    /// How long requests must have been failing before the client is replaced, and how often.
    public let replaceAfter: Duration

    /// `make` builds a client with the daemon's configuration (called again for each replacement).
    public init(replaceAfter: Duration = .seconds(2), make: @escaping @Sendable () -> PostgresClient) {
        self.make = make
        self.replaceAfter = replaceAfter
        state = NIOLockedValueBox(State(client: make()))
    }

    /// The client requests should use now.
    public var client: PostgresClient { state.withLockedValue { $0.client } }

    func markFailure() {
        state.withLockedValue { s in if s.failingSince == nil { s.failingSince = .now } }
    }

    func markSuccess() {
        state.withLockedValue { $0.failingSince = nil }
    }

    /// A fresh client when requests have failed for `replaceAfter` and the last swap is that old too.
    func replacementIfFailing() -> (new: PostgresClient, old: PostgresClient)? {
        state.withLockedValue { s in
            guard let since = s.failingSince, since.duration(to: .now) >= replaceAfter, s.replaced.duration(to: .now) >= replaceAfter else {
                return nil
            }
            let old = s.client
            s.client = make()
            s.replaced = .now
            return (s.client, old)
        }
    }
}

/// Runs the pool's current client and replaces it while the database is unreachable.
public struct DatabasePoolService: Service {
    let pool: DatabasePool
    let logger: Logger

    public init(pool: DatabasePool, logger: Logger) {
        self.pool = pool
        self.logger = logger
    }

    public func run() async throws {
        var running = Task { await pool.client.run() }
        defer { running.cancel() }
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(250)) }
            if let (new, _) = pool.replacementIfFailing() {
                logger.warning("database unreachable; starting a fresh connection pool")
                let previous = running
                running = Task { await new.run() }
                // In-flight work on the old pool ends with its connections; then it stops.
                Task {
                    try? await Task.sleep(for: .seconds(5))
                    previous.cancel()
                }
            }
        }
        running.cancel()
        await running.value
    }
}
