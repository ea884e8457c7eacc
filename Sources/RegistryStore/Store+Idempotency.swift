import PostgresNIO

extension Transaction {
    /// Outcome of claiming an idempotency key.
    public enum IdempotencyClaim: Sendable {
        /// First use: run the command, then `storeIdempotentReply`.
        case fresh
        /// Seen before with the same request: here is its stored reply.
        case replay(String)
        /// Seen before with a different request (or still running elsewhere without a reply).
        case conflict
    }

    /// Claims `key` for this caller. A concurrent request with the same key waits on the unique index
    /// until the first commits, then sees its reply.
    public func claimIdempotency(key: String, command: String, request: String) async throws -> IdempotencyClaim {
        var inserted = false
        for try await _ in try await query("""
            INSERT INTO registry.idempotency (actor, key, command, request_hash)
            VALUES (\(context.actor), \(key), \(command), sha256(convert_to(\(request), 'UTF8')))
            ON CONFLICT DO NOTHING RETURNING 1
            """) { inserted = true }
        if inserted { return .fresh }
        for try await (same, reply) in try await query("""
            SELECT command = \(command) AND request_hash = sha256(convert_to(\(request), 'UTF8')), reply
            FROM registry.idempotency WHERE actor = \(context.actor) AND key = \(key)
            """).decode((Bool, String?).self) {
            guard same, let reply else { return .conflict }
            return .replay(reply)
        }
        return .conflict
    }

    /// Stores the reply of the command that claimed `key`, in its transaction, for replays to return.
    public func storeIdempotentReply(key: String, reply: String) async throws {
        try await query("UPDATE registry.idempotency SET reply = \(reply) WHERE actor = \(context.actor) AND key = \(key)")
    }
}
