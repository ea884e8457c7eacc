import AdminProtocol
import RegistryDomain
import RegistryStore

/// Hotline verification: "is this agency or broker legal, may it recruit in my province, for Thailand?"
/// The first data line is the verdict to read out; the facts behind it follow. Never complaint details,
/// never personal data.
enum VerifyCommand {
    static let all: [Command] = [verify, stats]

    static let verify = Command(CommandSpec(
        "verify", summary: "may this agency, licence number or recruiter (ID card) recruit? one verdict, then the facts",
        help: "The query is a licence number (L-2015-0042-7; Khmer digits are fine), a recruiter's ID-card number,\nor an agency name in Latin or Khmer script (misspellings tolerated; ambiguous names list candidates).",
        positionals: [ParameterSpec("query", .text, required: true, "licence number, ID-card number or agency name")],
        fields: [ParameterSpec("province", .identifier, "caller's province code 01-25"),
                 ParameterSpec("destination", .identifier, "country code, optionally /sector: TH, MY/domestic_work"),
                 ParameterSpec("sector", .identifier, "sector, if not given with the destination"),
                 ParameterSpec("on", .date, "answer as of this date, from the recorded history")],
        capability: Capability.verify.rawValue, shape: .record
    )) { inv, ctx in
        let query = inv.positionals[0]
        let province = try RegistryHelpers.province(inv.field("province"))
        var destination = try inv.field("destination").map { try RegistryHelpers.scopes($0)[0] }
        if let sector = inv.field("sector") { destination?.sector = sector.lowercased() }
        let on = try RegistryHelpers.date(inv, "on")
        let asked = destination
        let (verdict, fields) = try await ctx.read { tx in
            try await lookup(tx, query: query, province: province, destination: asked, on: on)
        }
        ctx.services.verifyCounter.count(verdict)
        return Reply(.ok, data: .record([Field("verdict", verdict.rawValue)] + fields), fields: [Field("verdict", verdict.rawValue)])
    }

    static func lookup(_ tx: Transaction, query: String, province: String?, destination: DestinationScope?,
                       on: CivilDate?) async throws -> (Verdict, [Field]) {
        var day: CivilDate
        if let on { day = on } else { day = try await tx.today() }
        var extra: [Field] = []
        let agencyID: String
        switch LicenceNumber.parse(query) {
        case .badCheckDigit:
            return (.invalidLicenceNumber, [Field("rule", "SD-3"), Field("msg", "check digit wrong: mistyped or invented licence number")])
        case .valid(let number):
            guard let licence = try await tx.licence(number: number.description) else {
                return (.notLicensed, [Field("licence", number.description), Field("rule", "SD-3"), Field("msg", "no such licence")])
            }
            agencyID = licence.agencyID
        case .notALicenceNumber:
            let digits = NameKey.digits(query)
            let nonDigits = query.unicodeScalars.filter { !($0 == " " || $0 == "-") }.count - digits.count
            if digits.count >= 6, nonDigits == 0 {
                let found = try await tx.recruiter(idCard: digits, on: day)
                if let watch = found.watch {
                    return (.watchlisted, [Field("watchlist", watch), Field("rule", "SD-3")])
                }
                guard let (agency, role) = found.agencies.first else {
                    return (.notLicensed, [Field("recruiter", "not registered with any licensed agency"), Field("rule", "SD-3")])
                }
                agencyID = agency
                extra.append(Field("recruiter_role", role))
            } else {
                let candidates = try await tx.agencyCandidates(name: query, limit: 6)
                let watches = try await tx.watchlistMatches(name: query, on: day)
                let best = candidates.first
                if let w = watches.first, w.score >= 0.5, !(best?.exact ?? false), w.score >= (best?.score ?? 0) {
                    var f = [Field("watchlist", w.id), Field("name", w.name), Field("rule", "SD-3")]
                    if !w.warning.isEmpty { f.append(Field("warning", w.warning)) }
                    return (.watchlisted, f)
                }
                guard let best else {
                    return (.notLicensed, [Field("match", "none"), Field("rule", "SD-3"), Field("msg", "no licensed agency by that name")])
                }
                agencyID = best.id
                extra.append(Field("match", best.exact ? "exact" : "similar"))
                extra.append(Field("score", format2(best.score)))
                let close = candidates.dropFirst().filter { best.score - $0.score < 0.2 && !best.exact }
                for c in ([best] + close).prefix(close.isEmpty ? 0 : 5) {
                    extra.append(Field("candidate", "\(c.id) \(c.nameEN) / \(c.nameKM) (\(format2(c.score)))"))
                }
            }
        }
        return try await facts(tx, agencyID: agencyID, province: province, destination: destination, on: on, day: day, extra: extra)
    }

    static func facts(_ tx: Transaction, agencyID: String, province: String?, destination: DestinationScope?, on: CivilDate?,
                      day: CivilDate, extra: [Field]) async throws -> (Verdict, [Field]) {
        guard let agency = try await tx.agency(id: agencyID) else { return (.unknown, []) }
        let licence = try await tx.licenceAsOf(agencyID: agencyID, day: on)
        var scope: [DestinationScope] = []
        if let licence { scope = try await tx.scope(licence: licence.number, asOf: on) }
        let provinces = try await tx.registeredProvinces(agencyID: agencyID, asOf: on)
        let bans = try await tx.bans().map { $0.ban }
        let facts = VerificationFacts(licenceState: licence?.state, scope: Set(scope), registeredProvinces: provinces,
                                      province: province, destination: destination, bans: bans, on: day)
        let verdict = facts.verdict
        var f = [Field("agency", agency.id), Field("name_en", agency.nameEN), Field("name_km", agency.nameKM)]
        if let l = licence {
            f += [Field("licence", l.number), Field("licence_state", l.state.rawValue), Field("state_since", l.since)]
            if let until = l.validUntil { f.append(Field("valid_until", until)) }
            if l.state == .recruitmentSuspended, let until = l.until { f.append(Field("suspended_until", until)) }
            if !scope.isEmpty { f.append(Field("scope", scope.map(\.description).joined(separator: ","))) }
        }
        if let province { f.append(Field("province", province)); f.append(Field("registered_in_province", provinces.contains(province) ? "yes" : "no")) }
        if let destination { f.append(Field("destination", destination.description)) }
        if verdict == .bannedDestination, let destination,
           let ban = bans.first(where: { $0.blocksNewRecruitment(for: destination, on: day) }) {
            f.append(Field("ban_since", ban.from.description))
        }
        if on != nil { f.append(Field("as_of", day.description)) }
        f.append(Field("rule", verdict.rule))
        return (verdict, f + extra)
    }

    static let stats = Command(CommandSpec(
        "stats.verify", summary: "hotline lookups counted per day and verdict",
        fields: [ParameterSpec("from", .date), ParameterSpec("to", .date)],
        capability: Capability.agencyRead.rawValue, shape: .table
    )) { inv, ctx in
        let from = try RegistryHelpers.date(inv, "from")?.description ?? "2000-01-01"
        let to = try RegistryHelpers.date(inv, "to")?.description ?? "2999-12-31"
        let rows = try await ctx.read { tx -> [[Field]] in
            var out: [[Field]] = []
            for try await (day, verdict, n) in try await tx.query("""
                SELECT day::text, verdict, count FROM registry.verify_stats WHERE day BETWEEN \(from)::date AND \(to)::date ORDER BY day, verdict
                """).decode((String, String, Int64).self) { out.append([Field("day", day), Field("verdict", verdict), Field("count", String(n))]) }
            return out
        }
        let pending = ctx.services.verifyCounter.pending.values.reduce(0, +)
        return Reply(.ok, data: .table(rows), fields: [Field("rows", String(rows.count)), Field("unflushed", String(pending))])
    }
}
