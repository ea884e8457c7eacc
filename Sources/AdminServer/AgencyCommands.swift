import AdminProtocol
import RegistryDomain
import RegistryStore

/// Agencies (Prakas 047): registration, people, branches, lookups.
enum AgencyCommands {
    static let all: [Command] = [register, show, search, person, branch, representative]

    static let representative = Command(CommandSpec(
        "agency.representative", summary: "record the agency's permanent representative in a destination country (PRA-5)",
        positionals: [ParameterSpec("agency", .identifier, required: true)],
        fields: [ParameterSpec("country", .identifier, required: true, "ISO 3166 alpha-2"),
                 ParameterSpec("name", .text, required: true), ParameterSpec("contact", .text)],
        capability: Capability.agencyWrite.rawValue, flags: [.mutating], shape: .none
    )) { inv, ctx in
        let agency = inv.positionals[0]
        let country = inv.field("country")!.uppercased()
        guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw RegistryHelpers.invalid("country", "ISO 3166 alpha-2 code")
        }
        return try await ctx.mutate(inv) { tx in
            try await RegistryHelpers.requireAgency(tx, agency)
            try await tx.query("""
                INSERT INTO registry.overseas_representatives (agency_id, country, name, contact)
                VALUES (\(agency), \(country), \(inv.field("name")!.precomposedNFC), \(inv.field("contact") ?? ""))
                """)
            return MutationResult(Reply(.created, fields: [Field("agency", agency), Field("country", country), Field("rule", "PRA-5")]), detail: agency)
        }
    }

    static let register = Command(CommandSpec(
        "agency.register", summary: "register an agency with its legal names in Latin and Khmer script",
        fields: [ParameterSpec("name_en", .text, required: true, "legal name, Latin script"),
                 ParameterSpec("name_km", .text, required: true, "legal name, Khmer script"),
                 ParameterSpec("registration_no", .identifier, "commercial registration number"),
                 ParameterSpec("address", .text, "head office address"),
                 ParameterSpec("province", .identifier, "head office province code (01-25)"),
                 ParameterSpec("phone", .text), ParameterSpec("association", .oneOf(["ACRA", "MAC", "none"]))],
        capability: Capability.agencyWrite.rawValue, flags: [.mutating], shape: .none
    )) { inv, ctx in
        let province = try RegistryHelpers.province(inv.field("province"))
        return try await ctx.mutate(inv) { tx in
            let id = try await tx.createAgency(nameEN: inv.field("name_en")!.precomposedNFC, nameKM: inv.field("name_km")!.precomposedNFC,
                                               registrationNo: inv.field("registration_no"), address: (inv.field("address") ?? "").precomposedNFC,
                                               province: province, phone: inv.field("phone") ?? "", association: inv.field("association") ?? "none")
            var fields = [Field("id", id)]
            for flag in try await tx.flagReopening(agencyID: id) {
                fields.append(RegistryHelpers.flagField(related: flag.related, via: flag.via))
            }
            return MutationResult(Reply(.created, fields: fields), detail: id, changes: ["agency:\(id)"])
        }
    }

    static let show = Command(CommandSpec(
        "agency.show", summary: "an agency: names, office, people, licence, deposit, registrations, flags",
        positionals: [ParameterSpec("id", .identifier, required: true, "agency id, e.g. A-0012")],
        capability: Capability.agencyRead.rawValue, shape: .record
    )) { inv, ctx in
        let id = inv.positionals[0]
        return try await ctx.read { tx in
            guard let a = try await tx.agency(id: id) else { throw RegistryHelpers.notFound("agency", id) }
            var f = [Field("id", a.id), Field("name_en", a.nameEN), Field("name_km", a.nameKM)]
            if let r = a.registrationNo { f.append(Field("registration_no", r)) }
            if !a.address.isEmpty { f.append(Field("address", a.address)) }
            if let p = a.province { f.append(Field("province", p)) }
            if !a.phone.isEmpty { f.append(Field("phone", a.phone)) }
            f.append(Field("association", a.association))
            for p in try await tx.people(agencyID: id) { f.append(Field(p.role, "\(p.id) \(p.name)")) }
            for try await (kind, province, address) in try await tx.query("""
                SELECT kind, province, address FROM registry.branches WHERE agency_id = \(id) ORDER BY id
                """).decode((String, String, String).self) { f.append(Field(kind, "\(province) \(address)")) }
            for try await (country, name) in try await tx.query("""
                SELECT country, name FROM registry.overseas_representatives WHERE agency_id = \(id) ORDER BY id
                """).decode((String, String).self) { f.append(Field("representative", "\(country) \(name)")) }
            for l in try await tx.licences(agencyID: id) {
                f.append(Field("licence", "\(l.number) \(l.state.rawValue) until \(l.expiresOn)"))
            }
            f.append(Field("deposit_usd", "\(try await tx.depositBalance(agencyID: id))"))
            for r in try await tx.registrationsOf(agencyID: id) { f.append(Field("registration", "\(r.province) \(r.state)")) }
            for flag in try await tx.flags(agencyID: id) { f.append(RegistryHelpers.flagField(kind: flag.kind, related: flag.related, via: flag.via)) }
            return Reply(.ok, data: .record(f))
        }
    }

    static let search = Command(CommandSpec(
        "agency.search", summary: "agencies by name in Latin or Khmer script, best matches first",
        positionals: [ParameterSpec("name", .text, required: true)],
        options: [ParameterSpec("limit", .integer(1...100), "default 10")],
        capability: Capability.agencyRead.rawValue, shape: .table
    )) { inv, ctx in
        let limit = inv.options["limit"].flatMap(Int.init) ?? 10
        let found = try await ctx.read { tx in try await tx.agencyCandidates(name: inv.positionals[0], limit: limit) }
        return Reply(.ok, data: .table(found.map {
            [Field("id", $0.id), Field("name_en", $0.nameEN), Field("name_km", $0.nameKM), Field("score", String(format2($0.score)))]
        }), fields: [Field("rows", String(found.count))])
    }

    static let person = Command(CommandSpec(
        "agency.person", summary: "link an owner, director, staff member or broker (reused across agencies by ID card)",
        positionals: [ParameterSpec("agency", .identifier, required: true)],
        fields: [ParameterSpec("role", .oneOf(["owner", "director", "staff", "broker"]), required: true),
                 ParameterSpec("name", .text, required: true), ParameterSpec("id_card", .text, "national ID card number"),
                 ParameterSpec("since", .date)],
        capability: Capability.agencyWrite.rawValue, flags: [.mutating], shape: .none
    )) { inv, ctx in
        let agency = inv.positionals[0]
        let idCard = inv.field("id_card").map(NameKey.digits)
        if let idCard, !(6...12).contains(idCard.count) { throw RegistryHelpers.invalid("id_card", "6 to 12 digits") }
        let since = try RegistryHelpers.date(inv, "since")
        return try await ctx.mutate(inv) { tx in
            try await RegistryHelpers.requireAgency(tx, agency)
            let person = try await tx.person(name: inv.field("name")!.precomposedNFC, idCard: idCard)
            var day = since
            if day == nil { day = try await tx.today() }
            try await tx.linkPerson(person, to: agency, role: inv.field("role")!, since: day!)
            var fields = [Field("person", person), Field("agency", agency)]
            for flag in try await tx.flagReopening(agencyID: agency) {
                fields.append(RegistryHelpers.flagField(related: flag.related, via: flag.via))
            }
            return MutationResult(Reply(.ok, fields: fields), detail: "\(agency) \(person)", changes: ["agency:\(agency)"])
        }
    }

    static let branch = Command(CommandSpec(
        "agency.branch", summary: "record a branch office or training centre of an agency",
        positionals: [ParameterSpec("agency", .identifier, required: true)],
        fields: [ParameterSpec("kind", .oneOf(["branch", "training_centre"]), required: true),
                 ParameterSpec("province", .identifier, required: true), ParameterSpec("address", .text, required: true)],
        capability: Capability.agencyWrite.rawValue, flags: [.mutating], shape: .none
    )) { inv, ctx in
        let agency = inv.positionals[0]
        let province = try RegistryHelpers.province(inv.field("province"))!
        return try await ctx.mutate(inv) { tx in
            try await RegistryHelpers.requireAgency(tx, agency)
            try await tx.query("""
                INSERT INTO registry.branches (agency_id, kind, province, address, opened_on)
                VALUES (\(agency), \(inv.field("kind")!), \(province), \(inv.field("address")!.precomposedNFC), registry.today())
                """)
            return MutationResult(Reply(.created, fields: [Field("agency", agency), Field("province", province)]), detail: agency)
        }
    }
}

/// A number with two decimals, rounded half away from zero (similarity scores).
func format2(_ x: Double) -> String {
    let scaled = Int((x * 100).rounded())
    if scaled < 0 { return "-" + format2(-x) }
    guard scaled < 1_000_000 else { return String(scaled / 100) + "." + String(scaled % 100 / 10) + String(scaled % 10) }
    // Scores (0.00–1.00) on every candidate line: digits written straight into a small string.
    return String(unsafeUninitializedCapacity: 8) { buffer in
        func digit(_ d: Int) -> UInt8 { UInt8(ascii: "0") + UInt8(d) }
        let whole = scaled / 100
        var n = 0
        if whole >= 1000 { buffer[n] = digit(whole / 1000 % 10); n += 1 }
        if whole >= 100 { buffer[n] = digit(whole / 100 % 10); n += 1 }
        if whole >= 10 { buffer[n] = digit(whole / 10 % 10); n += 1 }
        buffer[n] = digit(whole % 10)
        buffer[n + 1] = UInt8(ascii: ".")
        buffer[n + 2] = digit(scaled % 100 / 10)
        buffer[n + 3] = digit(scaled % 10)
        return n + 4
    }
}
