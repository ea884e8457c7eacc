import AdminProtocol
import RegistryDomain
import RegistryStore

/// Reading a victim's identity: only with `victim.read`, only in scope, only with a reason, and every
/// read leaves an audit entry written by the database gate in the same transaction (fail closed).
enum VictimCommands {
    static let all: [Command] = [read]

    static let read = Command(CommandSpec(
        "victim.read", summary: "names and contact details of a case's complainants; audited with the reason",
        positionals: [ParameterSpec("case", .identifier, required: true)],
        capability: Capability.victimRead.rawValue, flags: [.needsReason], shape: .table
    )) { inv, ctx in
        let id = inv.positionals[0]
        let reason = inv.reason ?? ""
        let rows = try await ctx.read { tx in try await tx.readIdentities(id, reason: reason) }
        let table = rows.map { r in
            [Field("n", String(r.n)), Field("name", r.name), Field("id_card", r.idCard), Field("phone", r.phone), Field("address", r.address)]
        }
        return Reply(.ok, data: .table(table), fields: [Field("rows", String(table.count)), Field("audited", "true")])
    }
}
