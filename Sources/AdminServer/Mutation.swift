import AdminProtocol
import RegistryStore

/// The result of a mutating handler's transaction body: the reply and the audit detail (ids, never
/// personal data).
public struct MutationResult: Sendable {
    public var reply: Reply
    public var detail: String
    /// What the hotline index must reload: `agency:<id>`, `lists`, `clock`.
    public var changes: [String]

    public init(_ reply: Reply, detail: String = "", changes: [String] = []) {
        self.reply = reply
        self.detail = detail
        self.changes = changes
    }
}

extension CommandContext {
    /// Runs a mutating command's effect and its audit entry in one transaction: both commit or neither.
    /// With `--dry-run` everything is rolled back and the reply says `dry_run=true`.
    ///
    /// With `--idempotency-key=K`, the first execution's reply is stored with the effect; a retry with the
    /// same key and the same request gets that reply again (`replayed=true`) and changes nothing; the same
    /// key with a different request is refused with `552 CONFLICT reason=idempotency_key_reused`.
    func mutate(_ invocation: Invocation, _ body: @escaping @Sendable (Transaction) async throws -> MutationResult) async throws -> Reply {
        let arguments = invocation.redactedWords.dropFirst().joined(separator: " ")
        let key = invocation.idempotencyKey
        let request = Self.canonicalRequest(invocation)
        let outcome = try await services.store.transaction(actor, dryRun: invocation.dryRun) { tx -> (Reply, [String]) in
            if let key {
                switch try await tx.claimIdempotency(key: key, command: invocation.command, request: request) {
                case .fresh: break
                case .replay(let stored):
                    guard var reply = ReplyCodec.decode(stored) else { throw StoreError.internalError("stored reply unreadable") }
                    reply.fields.append(Field("replayed", "true"))
                    return (reply, [])
                case .conflict:
                    throw ReplyError(Reply.final(.conflict, Field("reason", "idempotency_key_reused"),
                                                 msg: "this idempotency key was used for a different request"))
                }
            }
            let result = try await body(tx)
            let entry = AuditEntry(command: invocation.command, arguments: arguments, code: result.reply.code.code,
                                   status: result.reply.code.status, detail: result.detail)
            if let key {
                try await tx.audit(entry, storingReply: ReplyCodec.encode(result.reply), forKey: key)
            } else {
                try await tx.audit(entry)
            }
            for change in result.changes { try await tx.notifyChange(change) }
            return (result.reply, result.changes)
        }
        // Read-your-writes for the hotline index of this daemon; the others hear the NOTIFY.
        if !invocation.dryRun, let index = services.verifyIndex {
            for change in outcome.1 { try? await index.apply(change, from: services.store) }
        }
        var out = outcome.0
        if invocation.dryRun { out.fields.insert(Field("dry_run", "true"), at: 0) }
        return out
    }

    /// The whole request, sensitive values included, in one canonical string: only its hash is stored.
    static func canonicalRequest(_ inv: Invocation) -> String {
        var parts = [inv.command] + inv.positionals
        parts += inv.fields.map { "\($0.key)=\($0.value)" }
        parts += inv.options.sorted { $0.key < $1.key }.map { "--\($0.key)=\($0.value)" }
        if let reason = inv.reason { parts.append("--reason=" + reason) }
        if let payload = inv.payload { parts.append("<<" + payload) }
        return parts.joined(separator: "\u{1F}")
    }

    /// Runs a read-only query in a transaction scoped to the caller.
    func read<Value: Sendable>(_ body: @escaping @Sendable (Transaction) async throws -> Value) async throws -> Value {
        try await services.store.transaction(actor, body)
    }
}
