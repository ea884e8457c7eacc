import Logging
import PostgresNIO

/// The daemon's access to PostgreSQL: one pool, transactions with a deadline and the caller's context.
public final class Store: Sendable {
    public let client: PostgresClient
    public let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Thrown inside a transaction body to roll back on purpose (`--dry-run`) while keeping the result.
    struct DryRun<Value: Sendable>: Error { let value: Value }

    /// Runs `body` in one transaction with `statement_timeout` set to the command deadline and the actor's
    /// scope set for row-level security. With `dryRun`, everything is rolled back but the result returned.
    /// Database failures are thrown as `StoreError`; an error thrown by `body` itself passes through as is.
    public func transaction<Value: Sendable>(
        _ context: ActorContext, deadlineSeconds: Int = 10, dryRun: Bool = false,
        _ body: @Sendable (Transaction) async throws -> Value
    ) async throws -> Value {
        do {
            return try await client.withTransaction(logger: logger) { conn in
                let timeout = "\(deadlineSeconds * 1000)"
                try await conn.query("""
                    SELECT set_config('statement_timeout', \(timeout), true),
                           set_config('registry.actor', \(context.actor), true),
                           set_config('registry.provinces', \(context.provinces.joined(separator: ",")), true),
                           set_config('registry.communes', \(context.communes.joined(separator: ",")), true),
                           set_config('registry.scope', \(context.scope), true)
                    """, logger: logger)
                let value = try await body(Transaction(connection: conn, logger: logger, context: context))
                if dryRun { throw DryRun(value: value) }
                return value
            }
        } catch let error as PostgresTransactionError {
            if let dry = error.closureError as? DryRun<Value> { return dry.value }
            if let own = error.closureError, !(own is PSQLError), !(own is StoreError) { throw own }
            throw StoreError.from(error)
        } catch {
            throw StoreError.from(error)
        }
    }

    /// Writes one audit entry in its own transaction (refusals, which have no effect to share a transaction with).
    public func audit(_ context: ActorContext, _ entry: AuditEntry) async throws {
        try await transaction(context) { tx in try await tx.audit(entry) }
    }
}
