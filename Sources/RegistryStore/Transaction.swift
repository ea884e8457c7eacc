import Logging
import PostgresNIO

/// An open transaction on a leased connection, with the caller's context set for row-level security.
public struct Transaction: @unchecked Sendable {
    // PostgresConnection is Sendable; the struct is only used inside the transaction closure.
    public let connection: PostgresConnection
    public let logger: Logger
    public let context: ActorContext

    /// Runs a query (interpolated values are bound parameters, never spliced into SQL).
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> QueryRows {
        try await connection.queryIfOpen(query, logger: logger)
    }

    /// Appends an audit entry in this transaction, so it commits or rolls back with the effect.
    public func audit(_ entry: AuditEntry) async throws {
        try await query("""
            INSERT INTO registry.audit_log (actor, listener, peer_uid, command, arguments, code, status, detail,
                                            seq, at, prev_hash, hash)
            VALUES (\(context.actor), \(context.listener), \(context.peerUID), \(entry.command), \(entry.arguments),
                    \(entry.code), \(entry.status), \(entry.detail), 0, now(), ''::bytea, ''::bytea)
            """)
    }

    /// The audit entry and the idempotency key's stored reply in one statement (one round trip less on
    /// every keyed mutation, such as a complaint filing).
    public func audit(_ entry: AuditEntry, storingReply reply: String, forKey key: String) async throws {
        try await query("""
            WITH entry AS (
                INSERT INTO registry.audit_log (actor, listener, peer_uid, command, arguments, code, status, detail,
                                                seq, at, prev_hash, hash)
                VALUES (\(context.actor), \(context.listener), \(context.peerUID), \(entry.command), \(entry.arguments),
                        \(entry.code), \(entry.status), \(entry.detail), 0, now(), ''::bytea, ''::bytea)
                RETURNING 1
            )
            UPDATE registry.idempotency SET reply = \(reply) WHERE actor = \(context.actor) AND key = \(key) AND EXISTS (SELECT 1 FROM entry)
            """)
    }
}
