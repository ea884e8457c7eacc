import AdminProtocol
import RegistryDomain

/// Auditors' view of the hash-chained audit trail.
enum AuditCommands {
    static let all: [Command] = [tail, verify]

    static let tail = Command(CommandSpec(
        "audit.tail", summary: "recent audit entries, newest first",
        options: [ParameterSpec("limit", .integer(1...1000), "default 20"),
                  ParameterSpec("before", .integer(1...Int.max), "entries before this sequence number")],
        capability: Capability.auditRead.rawValue, shape: .table
    )) { inv, ctx in
        let limit = inv.options["limit"].flatMap(Int.init) ?? 20
        let before = inv.options["before"].flatMap(Int64.init)
        let records = try await ctx.read { tx in try await tx.auditTail(limit: limit, before: before) }
        let rows = records.map { r -> [Field] in
            var row = [Field("seq", String(r.seq)), Field("at", r.at), Field("actor", r.actor), Field("listener", r.listener)]
            if let uid = r.peerUID { row.append(Field("uid", String(uid))) }
            row += [Field("command", r.command), Field("args", r.arguments), Field("result", "\(r.code) \(r.status)")]
            if !r.detail.isEmpty { row.append(Field("detail", r.detail)) }
            return row
        }
        var fields = [Field("rows", String(rows.count))]
        if records.count == limit, let last = records.last { fields.append(Field("next", String(last.seq))) }
        return Reply(.ok, data: .table(rows), fields: fields)
    }

    static let verify = Command(CommandSpec(
        "audit.verify", summary: "walk the hash chain; report the first broken link",
        capability: Capability.auditRead.rawValue, shape: .none
    )) { _, ctx in
        let result = try await ctx.services.store.auditVerify(ctx.actor, chunk: ctx.services.auditVerifyChunk)
        if let bad = result.firstBad {
            return Reply.final(.invalidState, Field("checked", String(result.checked)), Field("first_bad", String(bad)),
                               Field("state", "broken"), msg: "audit chain broken at entry \(bad)")
        }
        return Reply.final(.ok, Field("checked", String(result.checked)), Field("chain", "intact"))
    }
}
