import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// The daemon's access to PostgreSQL: one pool, transactions with a deadline and the caller's context.
public final class Store: Sendable {
    private let fixed: PostgresClient?
    private let pool: DatabasePool?
    public let logger: Logger
    /// Concurrent complaint filings share statements and a commit (see `FilingBatcher`).
    let filingBatcher = FilingBatcher()

    /// The current client (the pool's may be replaced during an outage).
    public var client: PostgresClient { pool?.client ?? fixed! }

    /// A connection of the current client for `body`, counted as work on that client while it runs (a
    /// replaced client stops once its work is done; see `DatabasePool.begin(on:)`).
    public func withConnection<Value: Sendable>(_ body: (PostgresConnection) async throws -> Value) async throws -> Value {
        guard let pool else { return try await fixed!.withConnection(body) }
        let client = pool.client
        return try await client.withConnection { conn in
            pool.begin(on: client)
            defer { pool.end(on: client) }
            return try await body(conn)
        }
    }

    /// A store on one fixed client, never replaced (tools, tests and the daemon's set-up steps).
    public init(client: PostgresClient, logger: Logger) {
        self.fixed = client
        self.pool = nil
        self.logger = logger
    }

    /// A store on a replaceable pool (the daemon's; see `DatabasePool`).
    public init(pool: DatabasePool, logger: Logger) {
        self.fixed = nil
        self.pool = pool
        self.logger = logger
    }

    /// Thrown inside a transaction body to roll back on purpose (`--dry-run`) while keeping the result.
    struct DryRun<Value: Sendable>: Error { let value: Value }

    /// Runs `body` in one transaction with `statement_timeout` set to the command deadline and the actor's
    /// scope set for row-level security. With `dryRun`, everything is rolled back but the result returned.
    /// Database failures are thrown as `StoreError`; an error thrown by `body` itself passes through as is.
    public func transaction<Value: Sendable>(
        _ context: ActorContext, deadlineSeconds: Int = 10, dryRun: Bool = false,
        _ body: @escaping @Sendable (Transaction) async throws -> Value
    ) async throws -> Value {
        try await withLease(deadlineSeconds: deadlineSeconds) { started in
            try await self.run(context, deadlineSeconds: deadlineSeconds, dryRun: dryRun, started: started, body)
        }
    }

    /// One statement in its own implicit transaction (autocommit): a single round trip, for work that a
    /// server-side function does whole (complaint filing, the status lookup). Same lease bound and error
    /// mapping; the statement is held to the command deadline by the session's `statement_timeout`,
    /// which the daemon sets for its pool (a transaction sets its own instead).
    public func autocommit<Value: Sendable>(
        deadlineSeconds: Int = 10, _ body: @escaping @Sendable (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        try await withLease(deadlineSeconds: deadlineSeconds) { started in
            do {
                return try await self.withConnection { conn in
                    guard started.start() else { throw StoreError.unavailable }
                    return try await body(conn)
                }
            } catch let error as StoreError {
                throw error
            } catch let error as PSQLError {
                throw StoreError.from(error)
            }
        }
    }

    /// Waiting for a pooled connection is bounded here: while PostgreSQL is down the pool keeps
    /// reconnecting with backoff and a request would wait for ever. Once the work runs, the server's
    /// statement_timeout bounds it instead (cancelling a running transaction would blur whether it
    /// committed): the work starts or the wait expires, never both (`StartFlag`).
    ///
    /// The bound is a watch of the shared `LeaseWatchdog`. (It was a sleeping child task racing the work
    /// in a task group: a sleep goes through Dispatch's timer thread, and with the extra tasks that was a
    /// large share of the daemon's CPU per complaint filing, measured with perf; then one timer on an
    /// event loop per request, which woke that loop twice per request.)
    private func withLease<Value: Sendable>(
        deadlineSeconds: Int, _ work: @escaping @Sendable (StartFlag) async throws -> Value
    ) async throws -> Value {
        let started = StartFlag()
        let task = Task { try await work(started) }
        let watch = LeaseWatchdog.shared.watch(until: .now() + .seconds(Int64(min(max(1, deadlineSeconds), Self.maxLeaseWaitSeconds)))) {
            if started.expire() { task.cancel() }
        }
        defer { LeaseWatchdog.shared.unwatch(watch) }
        do {
            let value = try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
            pool?.markSuccess()
            return value
        } catch {
            // Failed before it had a connection: the pool refused or gave up (its circuit breaker, a
            // replaced pool stopping, a lost server), whatever the error says. Read as a success, such a
            // failure reset the outage clock and stopped the pool's replacement.
            if started.expired || !started.hasStarted || StoreError.from(error) == .unavailable {
                pool?.markFailure()
                throw StoreError.unavailable
            }
            pool?.markSuccess()
            throw error
        }
    }

    /// Longest wait for a pooled connection before `451` (the database is down or saturated).
    public static let maxLeaseWaitSeconds = 2

    /// Whether the work got its connection in time: exactly one of `start()` and `expire()` succeeds.
    final class StartFlag: Sendable {
        private enum State { case waiting, started, expired }
        private let state = NIOLockedValueBox(State.waiting)

        /// The work has its connection; false when the wait expired first (the work must not run).
        func start() -> Bool {
            state.withLockedValue { s in
                guard s == .waiting else { return s == .started }
                s = .started
                return true
            }
        }

        /// The wait is over; false when the work already started (it runs to its end).
        func expire() -> Bool {
            state.withLockedValue { s in
                guard s == .waiting else { return false }
                s = .expired
                return true
            }
        }

        var expired: Bool { state.withLockedValue { $0 == .expired } }
        /// The work got its connection (the database was reached).
        var hasStarted: Bool { state.withLockedValue { $0 == .started } }
    }

    private func run<Value: Sendable>(
        _ context: ActorContext, deadlineSeconds: Int, dryRun: Bool, started: StartFlag,
        _ body: @Sendable (Transaction) async throws -> Value
    ) async throws -> Value {
        do {
            // BEGIN … COMMIT here rather than PostgresClient.withTransaction, whose ROLLBACK after a
            // failure goes to the connection even when PostgreSQL has closed it (and then never returns,
            // see `queryIfOpen`). A session PostgreSQL ended has rolled back with it.
            return try await withConnection { conn in
                guard started.start() else { throw StoreError.unavailable }
                try await conn.queryIfOpen("BEGIN", logger: self.logger)
                do {
                    let timeout = "\(deadlineSeconds * 1000)"
                    try await conn.queryIfOpen("""
                        SELECT set_config('statement_timeout', \(timeout), true),
                               set_config('registry.actor', \(context.actor), true),
                               set_config('registry.provinces', \(context.provinces.joined(separator: ",")), true),
                               set_config('registry.communes', \(context.communes.joined(separator: ",")), true),
                               set_config('registry.scope', \(context.scope), true)
                        """, logger: self.logger)
                    let value = try await body(Transaction(connection: conn, logger: self.logger, context: context))
                    if dryRun { throw DryRun(value: value) }
                    try await conn.queryIfOpen("COMMIT", logger: self.logger)
                    return value
                } catch {
                    if !conn.isClosed { _ = try? await conn.queryIfOpen("ROLLBACK", logger: self.logger) }
                    throw InTransaction(error: error)
                }
            }
        } catch let inside as InTransaction {
            if let dry = inside.error as? DryRun<Value> { return dry.value }
            // The work's own refusals pass as they are; database failures in the protocol's terms.
            if inside.error is PSQLError || inside.error is StoreError || inside.error is CancellationError {
                throw StoreError.from(inside.error)
            }
            throw inside.error
        } catch {
            throw StoreError.from(error)
        }
    }

    /// An error raised after BEGIN (by the work, the commit or the connection), told apart from the
    /// lease's and BEGIN's own failures.
    private struct InTransaction: Error { let error: any Error }

    /// Writes one audit entry in its own transaction (refusals, which have no effect to share a transaction with).
    public func audit(_ context: ActorContext, _ entry: AuditEntry) async throws {
        try await transaction(context) { tx in try await tx.audit(entry) }
    }
}
