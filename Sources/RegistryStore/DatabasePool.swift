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
        /// Work running per client (by identity), counted by `begin(on:)` and `end(on:)`.
        var inFlight: [ObjectIdentifier: Int] = [:]
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

    /// Work on a connection already leased from `client` begins (`Store.withConnection` pairs it with
    /// `end(on:)`): counted as in flight on that client, so that a replaced client is stopped once
    /// nothing runs on it any more (`DatabasePoolService`). Waiting for a lease does not count: a request
    /// waiting on a replaced client fails as retryable when that client stops (the caller's retry, or
    /// the hotline index's resubscription, goes to the current one).
    /// (Counted, a subscription waiting on a pool replaced during an outage kept that pool, which then
    /// reconnected in full when the database came back.)
    func begin(on client: PostgresClient) {
        state.withLockedValue { $0.inFlight[ObjectIdentifier(client), default: 0] += 1 }
    }

    /// The work counted by `begin(on:)` is over.
    func end(on client: PostgresClient) {
        state.withLockedValue { s in
            let id = ObjectIdentifier(client)
            s.inFlight[id, default: 1] -= 1
            if s.inFlight[id] == 0 { s.inFlight[id] = nil }
        }
    }

    /// Work running on `client` now.
    func inFlight(on client: PostgresClient) -> Int {
        state.withLockedValue { $0.inFlight[ObjectIdentifier(client)] ?? 0 }
    }

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
        // Replaced clients, kept while work that started on them runs. Every connection of a client is
        // opened at start and reopened after a loss (`DatabaseEndpoint`), so a replaced client kept for a
        // fixed grace reconnected in full when the database came back: one daemon held three pools' worth
        // of sessions (48) for seconds, against a server whose limit is usually 100.
        var retired: [(client: PostgresClient, task: Task<Void, Never>, since: ContinuousClock.Instant)] = []
        defer {
            running.cancel()
            for r in retired { r.task.cancel() }
        }
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(250)) }
            if let (new, old) = pool.replacementIfFailing() {
                logger.warning("database unreachable; starting a fresh connection pool")
                retired.append((old, running, .now))
                running = Task { await new.run() }
            }
            retired.removeAll { r in
                guard pool.inFlight(on: r.client) == 0 || r.since.duration(to: .now) > Self.retiredGrace else { return false }
                r.task.cancel()
                return true
            }
        }
        running.cancel()
        await running.value
    }

    /// Longest a replaced client is kept for work still running on it (longer than a command's default
    /// deadline; the hotline index's subscription holds its connection until it is lost).
    static let retiredGrace: Duration = .seconds(15)
}
