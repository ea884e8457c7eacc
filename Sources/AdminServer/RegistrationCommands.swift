import AdminProtocol
import RegistryDomain
import RegistryStore

/// Provincial registration (PRA-10), the watch-list of unlicensed operators and illegal brokers
/// (C-3, C-12, C-13), and sending bans (§12.11, C-17).
enum RegistrationCommands {
    static let all: [Command] = [register, withdraw, watch, watchList, ban, liftBan, bans]

    static let register = Command(CommandSpec(
        "registration.add", summary: "record an agency's registration in a province (PRA-10)",
        positionals: [ParameterSpec("agency", .identifier, required: true)],
        fields: [ParameterSpec("province", .identifier, required: true)],
        capability: Capability.agencyWrite.rawValue, flags: [.mutating], shape: .none
    )) { inv, ctx in
        try await set(inv, ctx, state: "REGISTERED")
    }

    static let withdraw = Command(CommandSpec(
        "registration.withdraw", summary: "withdraw an agency's registration in a province",
        positionals: [ParameterSpec("agency", .identifier, required: true)],
        fields: [ParameterSpec("province", .identifier, required: true)],
        capability: Capability.agencyWrite.rawValue, flags: [.mutating, .needsReason], shape: .none
    )) { inv, ctx in
        try await set(inv, ctx, state: "WITHDRAWN")
    }

    static func set(_ inv: Invocation, _ ctx: CommandContext, state: String) async throws -> Reply {
        let agency = inv.positionals[0]
        let province = try RegistryHelpers.province(inv.field("province"))!
        return try await ctx.mutate(inv) { tx in
            try await RegistryHelpers.requireAgency(tx, agency)
            try await tx.setRegistration(agencyID: agency, province: province, state: state, reason: inv.reason ?? "")
            return MutationResult(Reply.final(.ok, Field("agency", agency), Field("province", province), Field("state", state),
                                              Field("rule", "PRA-10")), detail: "\(agency) \(province)",
                                  changes: ["agency:\(agency)"])
        }
    }

    static let watch = Command(CommandSpec(
        "watchlist.add", summary: "publish a warning about an unlicensed operator or illegal broker",
        fields: [ParameterSpec("kind", .oneOf(["operator", "broker"]), required: true), ParameterSpec("name", .text, required: true),
                 ParameterSpec("id_card", .text), ParameterSpec("province", .identifier),
                 ParameterSpec("warning", .text, "public warning text"), ParameterSpec("case_ref", .text),
                 ParameterSpec("published_on", .date)],
        capability: Capability.agencyWrite.rawValue, flags: [.mutating], shape: .none
    )) { inv, ctx in
        let province = try RegistryHelpers.province(inv.field("province"))
        let idCard = inv.field("id_card").map(NameKey.digits)
        let published = try RegistryHelpers.date(inv, "published_on")
        return try await ctx.mutate(inv) { tx in
            var day = published
            if day == nil { day = try await tx.today() }
            let id = try await tx.addWatch(kind: inv.field("kind")!, name: inv.field("name")!.precomposedNFC, idCard: idCard, province: province,
                                           warning: inv.field("warning") ?? "", caseRef: inv.field("case_ref") ?? "", publishedOn: day!)
            return MutationResult(Reply(.created, fields: [Field("id", id)]), detail: id, changes: ["lists"])
        }
    }

    static let watchList = Command(CommandSpec(
        "watchlist.list", summary: "published warnings",
        capability: Capability.agencyRead.rawValue, shape: .table
    )) { _, ctx in
        let rows = try await ctx.read { tx -> [[Field]] in
            var out: [[Field]] = []
            for try await (id, kind, name, province, warning, published) in try await tx.query("""
                SELECT id, kind, name, province, warning, published_on::text FROM registry.watchlist WHERE lifted_on IS NULL ORDER BY id
                """).decode((String, String, String, String?, String, String).self) {
                var row = [Field("id", id), Field("kind", kind), Field("name", name)]
                if let province { row.append(Field("province", province)) }
                row += [Field("published_on", published), Field("warning", warning)]
                out.append(row)
            }
            return out
        }
        return Reply(.ok, data: .table(rows), fields: [Field("rows", String(rows.count))])
    }

    static let ban = Command(CommandSpec(
        "ban.add", summary: "a sending ban on a destination (and sector), with its grandfathering date",
        fields: [ParameterSpec("country", .identifier, required: true), ParameterSpec("sector", .identifier),
                 ParameterSpec("from", .date, required: true), ParameterSpec("until", .date),
                 ParameterSpec("grandfather_before", .date, "workers registered before this date may still depart")],
        capability: Capability.agencyWrite.rawValue, flags: [.mutating, .needsReason], shape: .none
    )) { inv, ctx in
        let country = inv.field("country")!.uppercased()
        guard country.count == 2 else { throw RegistryHelpers.invalid("country", "ISO 3166 alpha-2 code") }
        let ban = SendingBan(destination: DestinationScope(country: country, sector: inv.field("sector")),
                             from: try RegistryHelpers.date(inv, "from")!, until: try RegistryHelpers.date(inv, "until"),
                             grandfatherRegisteredBefore: try RegistryHelpers.date(inv, "grandfather_before"))
        return try await ctx.mutate(inv) { tx in
            let id = try await tx.addBan(ban, reason: inv.reason ?? "")
            return MutationResult(Reply(.created, fields: [Field("id", id), Field("rule", "C-17")]), detail: id, changes: ["lists"])
        }
    }

    static let liftBan = Command(CommandSpec(
        "ban.lift", summary: "lift a sending ban from a date",
        positionals: [ParameterSpec("ban", .identifier, required: true)],
        fields: [ParameterSpec("on", .date, "default today")],
        capability: Capability.agencyWrite.rawValue, flags: [.mutating, .needsReason], shape: .none
    )) { inv, ctx in
        let id = inv.positionals[0]
        let on = try RegistryHelpers.date(inv, "on")
        return try await ctx.mutate(inv) { tx in
            var day = on
            if day == nil { day = try await tx.today() }
            guard try await tx.liftBan(id: id, on: day!) else { throw RegistryHelpers.notFound("ban", id) }
            return MutationResult(Reply.final(.ok, Field("id", id), Field("until", day!.description)), detail: id, changes: ["lists"])
        }
    }

    static let bans = Command(CommandSpec(
        "ban.list", summary: "sending bans, past and present",
        capability: Capability.verify.rawValue, shape: .table
    )) { _, ctx in
        let list = try await ctx.read { tx in try await tx.bans() }
        return Reply(.ok, data: .table(list.map { b in
            var row = [Field("id", b.id), Field("destination", b.ban.destination.description), Field("from", b.ban.from.description)]
            if let u = b.ban.until { row.append(Field("until", u.description)) }
            if let g = b.ban.grandfatherRegisteredBefore { row.append(Field("grandfather_before", g.description)) }
            row.append(Field("reason", b.reason))
            return row
        }), fields: [Field("rows", String(list.count))])
    }
}
