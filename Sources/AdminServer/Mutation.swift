import AdminProtocol
import RegistryStore

/// The result of a mutating handler's transaction body: the reply and the audit detail (ids, never
/// personal data).
public struct MutationResult: Sendable {
    public var reply: Reply
    public var detail: String

    public init(_ reply: Reply, detail: String = "") {
        self.reply = reply
        self.detail = detail
    }
}

extension CommandContext {
    /// Runs a mutating command's effect and its audit entry in one transaction: both commit or neither.
    /// With `--dry-run` everything is rolled back and the reply says `dry_run=true`.
    func mutate(_ invocation: Invocation, _ body: @escaping @Sendable (Transaction) async throws -> MutationResult) async throws -> Reply {
        let arguments = invocation.redactedWords.dropFirst().joined(separator: " ")
        let result = try await services.store.transaction(actor, dryRun: invocation.dryRun) { tx in
            let result = try await body(tx)
            try await tx.audit(AuditEntry(command: invocation.command, arguments: arguments, code: result.reply.code.code,
                                          status: result.reply.code.status, detail: result.detail))
            return result
        }
        var reply = result.reply
        if invocation.dryRun { reply.fields.insert(Field("dry_run", "true"), at: 0) }
        return reply
    }

    /// Runs a read-only query in a transaction scoped to the caller.
    func read<Value: Sendable>(_ body: @escaping @Sendable (Transaction) async throws -> Value) async throws -> Value {
        try await services.store.transaction(actor, body)
    }
}
