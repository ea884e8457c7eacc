import AdminProtocol
import LineGrammar
import RegistryDomain
import RegistryStore

/// Hotline verification: "is this agency or broker legal, may it recruit in my province, for Thailand?"
/// The first data line is the verdict to read out; the facts behind it follow. Never complaint details,
/// never personal data.
///
/// "Now" is answered from the in-memory `VerifyIndex` on the event loop; `on=DATE` (and the time before
/// the index has loaded) from the database's recorded history. Both paths share the rendering below.
enum VerifyCommand {
    static let all: [Command] = [verify, stats]

    static let spec = CommandSpec(
        "verify", summary: "may this agency, licence number or recruiter (ID card) recruit? one verdict, then the facts",
        help: "The query is a licence number (L-2015-0042-7; Khmer digits are fine), a recruiter's ID-card number,\nor an agency name in Latin or Khmer script (misspellings tolerated; ambiguous names list candidates).",
        positionals: [ParameterSpec("query", .text, required: true, "licence number, ID-card number or agency name")],
        fields: [ParameterSpec("province", .identifier, "caller's province code 01-25"),
                 ParameterSpec("destination", .identifier, "country code, optionally /sector: TH, MY/domestic_work"),
                 ParameterSpec("sector", .identifier, "sector, if not given with the destination"),
                 ParameterSpec("on", .date, "answer as of this date, from the recorded history")],
        capability: Capability.verify.rawValue, shape: .record)

    struct Asked {
        var query: String
        var province: String?
        var destination: DestinationScope?
        var on: CivilDate?
    }

    static func asked(_ inv: Invocation) throws -> Asked {
        var destination = try inv.field("destination").map { try RegistryHelpers.scope($0, field: "destination") }
        if let sector = inv.field("sector") { destination?.sector = sector.lowercased() }
        return Asked(query: inv.positionals[0], province: try RegistryHelpers.province(inv.field("province")),
                     destination: destination, on: try RegistryHelpers.date(inv, "on"))
    }

    /// The reply to a lookup: `fields` begin with the verdict (`answer`, `render`), which the final
    /// line repeats.
    static func reply(_ verdict: Verdict, _ fields: [Field], _ ctx: CommandContext) -> Reply {
        ctx.services.verifyCounter.count(verdict)
        return Reply(.ok, data: .record(fields), fields: [verdictField(verdict)])
    }

    /// A verdict and its facts, the verdict field first: the reply's data lines as they go out (built
    /// once, not copied again behind a verdict line).
    static func answer(_ verdict: Verdict, _ facts: [Field]) -> (Verdict, [Field]) {
        var f = [verdictField(verdict)]
        f += facts
        return (verdict, f)
    }

    static func verdictField(_ verdict: Verdict) -> Field {
        verdictFields[verdict] ?? Field("verdict", verdict.rawValue)
    }

    // Fields every lookup shows, rendered once (a reply is rendered on every lookup).
    static let verdictFields = Dictionary(uniqueKeysWithValues: Verdict.allCases.map { ($0, Field.prepared("verdict", $0.rawValue)) })
    static let ruleFields = Dictionary(uniqueKeysWithValues: Verdict.allCases.map { ($0, Field.prepared("rule", $0.rule)) })
    static let registeredFields = (yes: Field.prepared("registered_in_province", "yes"), no: Field.prepared("registered_in_province", "no"))

    static let verify = Command(spec, inline: { inv, ctx in
        // The hot path: no database, no task hop.
        guard let index = ctx.services.verifyIndex, let a = try? asked(inv), a.on == nil,
              let (verdict, fields) = index.lookup(query: a.query, province: a.province, destination: a.destination)
        else { return nil }
        return reply(verdict, fields, ctx)
    }) { inv, ctx in
        let a = try asked(inv)
        let (verdict, fields) = try await ctx.read { tx in try await lookup(tx, a) }
        return reply(verdict, fields, ctx)
    }

    // MARK: - Shared answers

    static let invalidNumber: (Verdict, [Field]) =
        answer(.invalidLicenceNumber, [Field("rule", "SD-3"), Field("msg", "check digit wrong: mistyped or invented licence number")])
    static let unknownRecruiter: (Verdict, [Field]) =
        answer(.notLicensed, [Field("recruiter", "not registered with any licensed agency"), Field("rule", "SD-3")])
    static let noNameMatch: (Verdict, [Field]) =
        answer(.notLicensed, [Field("match", "none"), Field("rule", "SD-3"), Field("msg", "no licensed agency by that name")])
    static let unknownAgency: (Verdict, [Field]) = answer(.unknown, [])

    static func unknownLicence(_ number: String) -> (Verdict, [Field]) {
        answer(.notLicensed, [Field("licence", number), Field("rule", "SD-3"), Field("msg", "no such licence")])
    }

    static func watchlisted(id: String, name: String?, warning: String?) -> (Verdict, [Field]) {
        var f = [Field("watchlist", id)]
        if let name { f.append(Field("name", name)) }
        f.append(Field("rule", "SD-3"))
        if let warning, !warning.isEmpty { f.append(Field("warning", warning)) }
        return answer(.watchlisted, f)
    }

    /// An ID-card number: digits (Latin or Khmer) with optional spaces or dashes, six or more.
    /// One pass, and a name (the common case) is turned away at its first letter.
    static func idCard(_ query: String) -> String? {
        var digits: [UInt8] = []
        for scalar in query.unicodeScalars {
            switch scalar.value {
            case 0x30...0x39: digits.append(UInt8(scalar.value))
            case 0x17E0...0x17E9: digits.append(UInt8(scalar.value - 0x17E0 + 0x30))
            case 0x20, 0x2D: continue
            default: return nil
            }
        }
        return digits.count >= 6 ? String(decoding: digits, as: UTF8.self) : nil
    }

    /// A name match: `label` is the agency as a candidate line shows it (`candidateLabel`), `prefix` the
    /// candidate line's text form up to the score when kept ahead (`candidatePrefix`).
    typealias Match = (label: String, score: Double, exact: Bool, prefix: [UInt8]?)

    /// "B-4711 Bench 4711 Manpower Co., Ltd. / ក្រុមហ៊ុន បេញ 4711": the hotline index keeps it per agency.
    static func candidateLabel(id: String, nameEN: String, nameKM: String) -> String {
        "\(id) \(nameEN) / \(nameKM)"
    }

    /// The text form of a candidate line up to its score, `candidate="B-4711 … 4711 (`, when the line
    /// needs only quotes around it (nil when its label needs escapes: such a line is rendered whole).
    /// The hotline index keeps it per agency, so a lookup appends the label's bytes without scanning
    /// them for quoting.
    static func candidatePrefix(label: String) -> [UInt8]? {
        // The score's digits, point and parentheses never change the form: one sample score decides.
        guard Quoter.form(candidate((label, 0, false, nil))) == .quoted else { return nil }
        return candidateOpening + Array(label.utf8) + Array(" (".utf8)
    }

    /// A candidate line as a field, its text form completed from the kept prefix when there is one.
    static func candidateField(_ m: Match) -> Field {
        guard let prefix = m.prefix else { return Field("candidate", candidate(m)) }
        var text = prefix
        text.reserveCapacity(prefix.count + 8)
        text += format2(m.score).utf8
        text += [0x29, 0x22]  // )"
        // No value string: the text is what goes out; JSON and comparisons read the value back from it.
        return Field("candidate", text: text)
    }

    static let candidateOpening = Array("candidate=\"".utf8)

    /// "label (0.77)", in one allocation (concatenating made one per piece, on every ambiguous lookup).
    static func candidate(_ m: Match) -> String {
        var v = ""
        v.reserveCapacity(m.label.utf8.count + 8)
        v += m.label
        v += " ("
        v += format2(m.score)
        v += ")"
        return v
    }

    static let matchExact = Field.prepared("match", "exact"), matchSimilar = Field.prepared("match", "similar")

    /// How the name matched, and the candidates when the best match is not clear-cut.
    static func matchFields(best: Match, others: some Collection<Match>) -> [Field] {
        var f: [Field] = []
        f.reserveCapacity(best.exact ? 2 : 7)  // one allocation: growing from the literal made a second
        f.append(best.exact ? matchExact : matchSimilar)
        f.append(Field("score", format2(best.score)))
        guard !best.exact else { return f }
        var shown = 0
        for c in others where best.score - c.score < 0.2 {
            if shown == 0 { f.append(candidateField(best)) }
            f.append(candidateField(c))
            shown += 1
            if shown == 4 { break }
        }
        return f
    }

    struct LicenceFacts {
        var number: String
        var state: LicenceState
        var validUntil: String?
        var since: String
        var until: String?
    }

    /// The facts about the agency and its licence that do not depend on the question.
    static func agencyFields(agency: (id: String, nameEN: String, nameKM: String), licence: LicenceFacts?, scope: [DestinationScope]) -> [Field] {
        var f = [Field("agency", agency.id), Field("name_en", agency.nameEN), Field("name_km", agency.nameKM)]
        if let l = licence {
            f += [Field("licence", l.number), Field("licence_state", l.state.rawValue), Field("state_since", l.since)]
            if let until = l.validUntil { f.append(Field("valid_until", until)) }
            if l.state == .recruitmentSuspended, let until = l.until { f.append(Field("suspended_until", until)) }
            if !scope.isEmpty { f.append(Field("scope", scope.map(\.description).sorted().joined(separator: ","))) }
        }
        return f
    }

    /// The verdict and its facts, from whichever path gathered them: the verdict field, `base` from
    /// `agencyFields`, then what the question adds.
    static func render(base: [Field], licenceState: LicenceState?, scope: Set<DestinationScope>,
                       provinces: Set<String>, bans: [SendingBan], province: String?, destination: DestinationScope?,
                       day: CivilDate, on: CivilDate?, extra: [Field]) -> (Verdict, [Field]) {
        let facts = VerificationFacts(licenceState: licenceState, scope: scope, registeredProvinces: provinces,
                                      province: province, destination: destination, bans: bans, on: day)
        let verdict = facts.verdict
        var f: [Field] = []
        f.reserveCapacity(1 + base.count + extra.count + 6)
        f.append(verdictField(verdict))
        f += base
        if let province {
            f.append(Field("province", province))
            f.append(provinces.contains(province) ? registeredFields.yes : registeredFields.no)
        }
        if let destination { f.append(Field("destination", destination.description)) }
        if verdict == .bannedDestination, let destination, let ban = bans.first(where: { $0.blocksNewRecruitment(for: destination, on: day) }) {
            f.append(Field("ban_since", ban.from.description))
        }
        if on != nil { f.append(Field("as_of", day.description)) }
        f.append(ruleFields[verdict] ?? Field("rule", verdict.rule))
        f += extra
        return (verdict, f)
    }

    // MARK: - Database path (history, or before the index is loaded)

    static func lookup(_ tx: Transaction, _ a: Asked) async throws -> (Verdict, [Field]) {
        var day: CivilDate
        if let on = a.on { day = on } else { day = try await tx.today() }
        var extra: [Field] = []
        let agencyID: String
        switch LicenceNumber.parse(a.query) {
        case .badCheckDigit:
            return invalidNumber
        case .valid(let number):
            guard let licence = try await tx.licence(number: number.description) else { return unknownLicence(number.description) }
            agencyID = licence.agencyID
        case .notALicenceNumber:
            if let card = idCard(a.query) {
                let found = try await tx.recruiter(idCard: card, on: day)
                if let watch = found.watch { return watchlisted(id: watch, name: nil, warning: nil) }
                guard let (agency, role) = found.agencies.first else { return unknownRecruiter }
                agencyID = agency
                extra.append(Field("recruiter_role", role))
            } else {
                let candidates = try await tx.agencyCandidates(name: a.query, limit: 6)
                let watches = try await tx.watchlistMatches(name: a.query, on: day)
                let best = candidates.first
                if let w = watches.first, w.score >= 0.5, !(best?.exact ?? false), w.score >= (best?.score ?? 0) {
                    return watchlisted(id: w.id, name: w.name, warning: w.warning)
                }
                guard let best else { return noNameMatch }
                agencyID = best.id
                extra += matchFields(best: (candidateLabel(id: best.id, nameEN: best.nameEN, nameKM: best.nameKM), best.score, best.exact, nil),
                                     others: candidates.dropFirst().map { (candidateLabel(id: $0.id, nameEN: $0.nameEN, nameKM: $0.nameKM), $0.score, $0.exact, nil) })
            }
        }
        guard let agency = try await tx.agency(id: agencyID) else { return unknownAgency }
        let licence = try await tx.licenceAsOf(agencyID: agencyID, day: a.on)
        var scope: [DestinationScope] = []
        if let licence { scope = try await tx.scope(licence: licence.number, asOf: a.on) }
        let provinces = try await tx.registeredProvinces(agencyID: agencyID, asOf: a.on)
        let bans = try await tx.bans().map { $0.ban }
        let facts = licence.map { LicenceFacts(number: $0.number, state: $0.state, validUntil: $0.validUntil, since: $0.since, until: $0.until) }
        return render(base: agencyFields(agency: (agency.id, agency.nameEN, agency.nameKM), licence: facts, scope: scope),
                      licenceState: licence?.state, scope: Set(scope), provinces: provinces,
                      bans: bans, province: a.province, destination: a.destination, day: day, on: a.on, extra: extra)
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
