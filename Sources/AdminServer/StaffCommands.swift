import AdminProtocol
import RegistryDomain
import RegistryStore

/// Staff accounts: the uid → account → roles and scope mapping behind every session.
enum StaffCommands {
    static let all: [Command] = [add, list, show, update, disable, enable]

    private static let scopeFields = [
        ParameterSpec("provinces", .list, "province codes, e.g. 12,14 (empty: all)"),
        ParameterSpec("communes", .list, "6-digit commune codes"),
    ]

    static let add = Command(CommandSpec(
        "staff.add", summary: "create a staff account for a Unix uid with roles and scope",
        fields: [ParameterSpec("name", .text, required: true, "full name, Khmer or Latin script"),
                 ParameterSpec("uid", .integer(0...2_147_483_647), "Unix uid the account logs in as"),
                 ParameterSpec("roles", .list, required: true, "comma-separated: " + Role.allCases.map(\.rawValue).joined(separator: ","))]
            + scopeFields,
        capability: Capability.staffAdmin.rawValue, flags: [.mutating], shape: .record
    )) { inv, ctx in
        let roles = try parseRoles(inv.field("roles")!)
        let name = inv.field("name")!.precomposedNFC
        return try await ctx.mutate(inv) { tx in
            let account = try await tx.createStaff(uid: inv.field("uid").flatMap(Int.init), name: name, roles: roles,
                                                   provinces: list(inv.field("provinces")), communes: list(inv.field("communes")))
            return MutationResult(Reply(.created, data: .record(fields(account)), fields: [Field("id", account.id)]), detail: account.id)
        }
    }

    static let list = Command(CommandSpec(
        "staff.list", summary: "staff accounts in id order",
        options: [ParameterSpec("limit", .integer(1...1000), "default 100"), ParameterSpec("after", .identifier, "cursor")],
        capability: Capability.staffAdmin.rawValue, shape: .table
    )) { inv, ctx in
        let limit = inv.options["limit"].flatMap(Int.init) ?? 100
        let accounts = try await ctx.read { tx in try await tx.allStaff(limit: limit, after: inv.options["after"]) }
        var finals = [Field("rows", String(accounts.count))]
        if accounts.count == limit, let last = accounts.last { finals.append(Field("next", last.id)) }
        return Reply(.ok, data: .table(accounts.map(fields)), fields: finals)
    }

    static let show = Command(CommandSpec(
        "staff.show", summary: "one staff account",
        positionals: [ParameterSpec("id", .identifier, required: true, "account id, e.g. S-0001")],
        capability: Capability.staffAdmin.rawValue, shape: .record
    )) { inv, ctx in
        let id = inv.positionals[0]
        guard let account = try await ctx.read({ tx in try await tx.staff(id: id) }) else { throw RegistryHelpers.notFound("staff", id) }
        return Reply(.ok, data: .record(fields(account)))
    }

    static let update = Command(CommandSpec(
        "staff.update", summary: "change an account's name, uid, roles or scope",
        positionals: [ParameterSpec("id", .identifier, required: true)],
        fields: [ParameterSpec("name", .text), ParameterSpec("uid", .integer(0...2_147_483_647)), ParameterSpec("roles", .list)] + scopeFields,
        capability: Capability.staffAdmin.rawValue, flags: [.mutating], shape: .record
    )) { inv, ctx in
        let id = inv.positionals[0]
        let roles = try inv.field("roles").map(parseRoles)
        return try await ctx.mutate(inv) { tx in
            guard var account = try await tx.staff(id: id) else { throw RegistryHelpers.notFound("staff", id) }
            if let name = inv.field("name") { account.name = name.precomposedNFC }
            if let uid = inv.field("uid") { account.uid = Int(uid) }
            if let roles { account.roles = roles }
            if let p = inv.field("provinces") { account.provinces = list(p) }
            if let c = inv.field("communes") { account.communes = list(c) }
            let before = try await tx.countStaff(role: Role.admin.rawValue)
            guard let updated = try await tx.updateStaff(account) else { throw RegistryHelpers.notFound("staff", id) }
            try await keepAnAdmin(tx, before: before)
            return MutationResult(Reply(.ok, data: .record(fields(updated))), detail: id)
        }
    }

    static let disable = Command(CommandSpec(
        "staff.disable", summary: "disable an account (accounts are never deleted: the audit trail names them)",
        positionals: [ParameterSpec("id", .identifier, required: true)],
        capability: Capability.staffAdmin.rawValue, flags: [.mutating, .needsReason], shape: .none
    )) { inv, ctx in
        try await setEnabled(inv, ctx, false)
    }

    static let enable = Command(CommandSpec(
        "staff.enable", summary: "enable a disabled account",
        positionals: [ParameterSpec("id", .identifier, required: true)],
        capability: Capability.staffAdmin.rawValue, flags: [.mutating], shape: .none
    )) { inv, ctx in
        try await setEnabled(inv, ctx, true)
    }

    private static func setEnabled(_ inv: Invocation, _ ctx: CommandContext, _ enabled: Bool) async throws -> Reply {
        let id = inv.positionals[0]
        return try await ctx.mutate(inv) { tx in
            guard var account = try await tx.staff(id: id) else { throw RegistryHelpers.notFound("staff", id) }
            account.enabled = enabled
            let before = try await tx.countStaff(role: Role.admin.rawValue)
            _ = try await tx.updateStaff(account)
            try await keepAnAdmin(tx, before: before)
            return MutationResult(Reply.final(.ok, Field("id", id), Field("enabled", String(enabled))), detail: id)
        }
    }

    /// Refuses a change that leaves no enabled admin: nobody could manage accounts any more.
    private static func keepAnAdmin(_ tx: Transaction, before: Int) async throws {
        if before > 0, try await tx.countStaff(role: Role.admin.rawValue) == 0 {
            throw ReplyError(Reply.final(.refused, Field("rule", "last_admin"), msg: "this would leave no enabled admin"))
        }
    }

    static func parseRoles(_ text: String) throws -> [String] {
        let roles = list(text)
        guard !roles.isEmpty else { throw ReplyError(Reply.final(.invalidValue, Field("field", "roles"), msg: "at least one role")) }
        for role in roles where Role(rawValue: role) == nil {
            throw ReplyError(Reply.final(.invalidValue, Field("field", "roles"), Field("value", Reply.echo(role)),
                                         msg: "roles: " + Role.allCases.map(\.rawValue).joined(separator: ",")))
        }
        return roles
    }

    static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map(String.init)
    }

    static func fields(_ a: StaffAccount) -> [Field] {
        var out = [Field("id", a.id)]
        if let uid = a.uid { out.append(Field("uid", String(uid))) }
        out += [Field("name", a.name), Field("roles", a.roles.joined(separator: ","))]
        if !a.provinces.isEmpty { out.append(Field("provinces", a.provinces.joined(separator: ","))) }
        if !a.communes.isEmpty { out.append(Field("communes", a.communes.joined(separator: ","))) }
        out.append(Field("enabled", String(a.enabled)))
        if a.development { out.append(Field("development", "true")) }
        return out
    }
}

extension String {
    /// NFC, as the database's `IS NFC NORMALIZED` checks require.
    var precomposedNFC: String { NFC.normalize(self) }
}
