import AdminProtocol
import RegistryDomain
import RegistryStore

/// Complaint intake and reading (Prakas 249, legal-rules §5 and §12.6): filing with an idempotency
/// key, the public status by tracking reference, and the scoped views of a case. Identities of
/// complainants never appear here; they are read with `victim.read`.
enum ComplaintCommands {
    static let all: [Command] = [file, status, show, list, history, complainants]

    static let levels = ["L0", "L1", "L2"]

    static let file = Command(CommandSpec(
        "complaint.file", summary: "file a complaint (one or many complainants); requires --idempotency-key; replies with a tracking reference",
        help: """
        The heredoc holds one `complainant` line per person (or `count=N` for a group with the same attributes),
        optional `evidence` lines, then a blank line and the narrative. See README "Complaints" for the format.
        First action is due within complaint.first_action_days of receipt (CMP-4); deadlines escalate L0 → L1 → L2 → L3.
        """,
        fields: [ParameterSpec("channel", .oneOf(ComplaintChannel.allCases.map(\.rawValue)), required: true, "how it reached us (CMP-3)"),
                 ParameterSpec("level", .oneOf(levels), "intake level: L0 commune, L1 province/MRC, L2 ministry/embassy (default by caller)"),
                 ParameterSpec("province", .identifier, "handling province 01-25 (default from the commune or the caller's scope)"),
                 ParameterSpec("commune", .identifier, "handling commune, 6 digits (commune intake)"),
                 ParameterSpec("respondent", .text, required: true, "agency id, licence number, watch-list id, or unknown"),
                 ParameterSpec("branch", .integer(1...Int(Int32.max)), "branch or training centre of the agency"),
                 ParameterSpec("broker", .identifier, "ID-card number of the broker or staff member involved"),
                 ParameterSpec("respondent_note", .text, "what the complainants call the respondent, if not registered"),
                 ParameterSpec("categories", .list, required: true, ComplaintCategory.allCases.map(\.rawValue).joined(separator: ",")),
                 ParameterSpec("destination", .identifier, "country code, optionally /sector"),
                 ParameterSpec("filed_by", .oneOf(["worker", "family", "representative", "ngo", "official"]), "who brought it (CMP-1); default official"),
                 ParameterSpec("received", .date, "day of receipt (default today); deadlines run from it")],
        payload: ParameterSpec("complainants", .text, required: true, "complainant and evidence lines, blank line, narrative"),
        capability: Capability.complaintFile.rawValue, flags: [.mutating], shape: .record
    )) { inv, ctx in
        guard inv.idempotencyKey != nil else {
            throw ReplyError(Reply.final(.badArguments, Field("arg", "--idempotency-key"),
                                         msg: "filing needs --idempotency-key so that a retry never files twice"))
        }
        let intake = try Intake(inv, ctx)
        return try await file(inv, ctx, intake)
    }

    /// What a filing says, checked once.
    struct Intake: Sendable {
        var payload: ComplaintPayload
        var channel: String
        var filedBy: String
        var respondentText: String
        var respondentNote: String
        var categories: [String]
        var destination: DestinationScope?
        var province: String
        var commune: String?
        var level: ComplaintLevel
        var received: CivilDate?
        var reference: String

        init(_ inv: Invocation, _ ctx: CommandContext) throws {
            payload = try ComplaintPayload.parse(inv.payload ?? "")
            categories = try (inv.field("categories") ?? "").split(separator: ",").map { c -> String in
                guard ComplaintCategory(rawValue: String(c)) != nil else {
                    throw RegistryHelpers.invalid("categories", "one or more of \(ComplaintCategory.allCases.map(\.rawValue).joined(separator: ","))")
                }
                return String(c)
            }
            guard !categories.isEmpty else { throw RegistryHelpers.invalid("categories", "at least one category") }
            destination = try inv.field("destination").map { try RegistryHelpers.scope($0, field: "destination") }
            (province, commune) = try office(inv, ctx)
            level = ComplaintLevel(rawValue: inv.field("level") ?? (commune != nil ? "L0" : ctx.actor.provinces.isEmpty ? "L2" : "L1")) ?? .l0
            received = try RegistryHelpers.date(inv, "received")
            channel = inv.field("channel")!
            filedBy = inv.field("filed_by") ?? "official"
            respondentText = inv.field("respondent") ?? "unknown"
            respondentNote = inv.field("respondent_note") ?? ""
            reference = TrackingReference.make()
        }

        func receivedOn(today: CivilDate) throws -> CivilDate {
            let day = received ?? today
            guard day <= today else { throw RegistryHelpers.invalid("received", "cannot be in the future") }
            return day
        }

        func filing(respondent: Respondent, receivedOn: CivilDate) -> ComplaintFiling {
            ComplaintFiling(channel: channel, intakeLevel: level, filedBy: filedBy, province: province, commune: commune,
                            respondentKind: respondent.kind, respondentAgency: respondent.agency, respondentRef: respondent.ref,
                            respondentNote: respondentNote, categories: categories, destination: destination?.country,
                            sector: destination?.sector, narrative: payload.narrative, receivedOn: receivedOn,
                            complainants: payload.complainants, evidence: payload.evidence)
        }

        var eventDetail: String { "complainants=\(payload.complainants.count)" }

        func auditDetail(id: String) -> String { "\(id) level=\(level.rawValue) complainants=\(payload.complainants.count)" }

        /// The filing's reply: case number, reference, state, people, and each deadline.
        func reply(id: String, respondent: Respondent, receivedOn: CivilDate, plan: ComplaintMachine.Plan) -> Reply {
            var fields = [Field("id", id), Field("reference", reference), Field("state", ComplaintState.received.rawValue),
                          Field("level", level.rawValue), Field("received", receivedOn.description),
                          Field("complainants", String(payload.complainants.count)),
                          Field("female", String(payload.complainants.filter { $0.sex == "F" }.count))]
            if let agency = respondent.agency { fields.append(Field("respondent_agency", agency)) }
            for (timer, due) in plan.arm.sorted(by: { ($0.value, $0.key.rawValue) < ($1.value, $1.key.rawValue) }) {
                fields.append(Field("due_" + timer.shortName, due.description))
            }
            return Reply(.created, data: .record(fields), fields: [Field("id", id), Field("reference", reference)])
        }
    }

    /// Files through `registry.file_complaints` (sql/0007): scope, idempotency claim, case, people,
    /// deadlines, event, audit entry and stored reply in one statement, sharing its commit with the
    /// filings that arrive at the same time; a dry run runs it alone in a transaction that is rolled back. Today and the respondent come from the hotline index when it
    /// can tell (the common case: no database round trip before the filing), else from the database.
    static func file(_ inv: Invocation, _ ctx: CommandContext, _ intake: Intake) async throws -> Reply {
        guard let key = inv.idempotencyKey else { throw StoreError.internalError("filing without a key") }
        let index = ctx.services.verifyIndex
        let looksUp = inv.field("branch") != nil || inv.field("broker") != nil
        var today = index?.today
        var respondent = looksUp ? nil : index.flatMap { indexedRespondent(intake.respondentText, $0) }
        if today == nil || respondent == nil {
            let text = intake.respondentText
            let (day, found) = try await ctx.read { tx in
                (try await tx.today(), try await resolveRespondent(tx, text, branch: inv.field("branch"), broker: inv.field("broker")))
            }
            today = day
            respondent = found
        }
        guard let today, let respondent else { throw StoreError.internalError("no day or respondent") }
        let receivedOn = try intake.receivedOn(today: today)
        let filing = intake.filing(respondent: respondent, receivedOn: receivedOn)
        let machineCase = ComplaintMachine.Case(state: .received, level: intake.level, receivedOn: receivedOn,
                                                respondentIsAgency: respondent.agency != nil,
                                                openComplainants: filing.complainants.count, unpaidComplainants: 0)
        guard case .success(let plan) = ComplaintMachine.apply(.file, to: machineCase, today: today,
                                                               ComplaintMachine.Deadlines(rulebook: ctx.services.rulebook),
                                                               calendar: ctx.services.calendar) else {
            throw StoreError.internalError("filing refused by the machine")
        }
        // The database puts the case number where the reply and the audit detail say {id}.
        let reply = intake.reply(id: "{id}", respondent: respondent, receivedOn: receivedOn, plan: plan)
        let arms = plan.arm.sorted { ($0.value, $0.key.rawValue) < ($1.value, $1.key.rawValue) }
        let call = FilingRequest(
            context: ctx.actor, key: key, command: inv.command, request: CommandContext.canonicalRequest(inv), reference: intake.reference,
            filing: filing, timers: arms.map { (kind: $0.key.rawValue, fires: $0.value.adding(days: 1), rule: $0.key.rule) },
            eventDetail: intake.eventDetail, auditArguments: inv.redactedWords.dropFirst().joined(separator: " "),
            auditDetail: intake.auditDetail(id: "{id}"), reply: ReplyCodec.encode(reply))
        let outcome = inv.dryRun
            ? try await ctx.services.store.transaction(ctx.actor, dryRun: true) { tx in try await tx.file(call) }
            : try await ctx.services.store.file(call)
        var out: Reply
        switch outcome {
        case .filed(let id):
            // The reply the database stored for replays, built again here rather than decoded back.
            out = intake.reply(id: id, respondent: respondent, receivedOn: receivedOn, plan: plan)
        case .replay(let stored):
            guard let decoded = ReplyCodec.decode(stored) else { throw StoreError.internalError("stored reply unreadable") }
            out = decoded
            out.fields.append(Field("replayed", "true"))
        case .conflict:
            throw ReplyError(Reply.final(.conflict, Field("reason", "idempotency_key_reused"),
                                         msg: "this idempotency key was used for a different request"))
        }
        if inv.dryRun { out.fields.insert(Field("dry_run", "true"), at: 0) }
        return out
    }

    /// The respondent as the hotline index knows it: `unknown`, a watch-list id, a licence number or an
    /// agency id. Nil when the index cannot tell (the database decides then, and may say not found).
    static func indexedRespondent(_ text: String, _ index: VerifyIndex) -> Respondent? {
        if text.lowercased() == "unknown" { return Respondent(kind: "unknown") }
        if text.hasPrefix("W-") { return Respondent(kind: "unlicensed", ref: text) }
        if case .valid(let number) = LicenceNumber.parse(text) {
            return index.agency(licence: number.description).map { Respondent(kind: "agency", agency: $0) }
        }
        return index.hasAgency(text) ? Respondent(kind: "agency", agency: text) : nil
    }

    /// Where the case is handled: explicit, or the caller's own commune or province. Filing outside the
    /// caller's scope is refused here (and by row-level security in the store).
    static func office(_ inv: Invocation, _ ctx: CommandContext) throws -> (String, String?) {
        var commune = inv.field("commune").map { NameKey.digits($0) }
        if let c = commune, c.count != 6 { throw RegistryHelpers.invalid("commune", "a 6-digit commune code") }
        if commune == nil, inv.field("province") == nil, ctx.actor.communes.count == 1 { commune = ctx.actor.communes[0] }
        var province = try RegistryHelpers.province(inv.field("province"))
        if province == nil, let c = commune { province = String(c.prefix(2)) }
        if province == nil, ctx.actor.provinces.count == 1 { province = ctx.actor.provinces[0] }
        guard let province else { throw ReplyError(Reply.final(.badArguments, Field("arg", "province"), msg: "which province handles the case?")) }
        if let c = commune, !c.hasPrefix(province) { throw RegistryHelpers.invalid("commune", "commune \(c) is not in province \(province)") }
        let inScope: Bool
        switch ctx.actor.scope {
        case "all": inScope = true
        case "province": inScope = ctx.actor.provinces.contains(province)
        case "commune": inScope = commune.map { ctx.actor.communes.contains($0) } ?? false
        default: inScope = false
        }
        guard inScope else {
            throw ReplyError(Reply.final(.permissionDenied, Field("reason", "out_of_scope"), msg: "the handling office is outside your scope"))
        }
        return (province, commune)
    }

    struct Respondent {
        var kind: String
        var agency: String? = nil
        var ref: String? = nil
    }

    static func resolveRespondent(_ tx: Transaction, _ text: String, branch: String?, broker: String?) async throws -> Respondent {
        var r = Respondent(kind: "unknown")
        if text.lowercased() == "unknown" {
            r.kind = "unknown"
        } else if text.hasPrefix("W-") {
            r.kind = "unlicensed"
            r.ref = text
        } else if case .valid(let number) = LicenceNumber.parse(text) {
            guard let licence = try await tx.licence(number: number.description) else { throw RegistryHelpers.notFound("licence", text) }
            r.kind = "agency"
            r.agency = licence.agencyID
        } else if case .badCheckDigit = LicenceNumber.parse(text) {
            throw RegistryHelpers.invalid("respondent", "licence number check digit wrong")
        } else {
            try await RegistryHelpers.requireAgency(tx, text)
            r.kind = "agency"
            r.agency = text
        }
        if let branch {
            guard let agency = r.agency else { throw RegistryHelpers.invalid("branch", "a branch needs respondent=<agency>") }
            var found = false
            for try await _ in try await tx.query("SELECT 1 FROM registry.branches WHERE id = \(Int(branch) ?? 0) AND agency_id = \(agency)") { found = true }
            guard found else { throw RegistryHelpers.notFound("branch", branch) }
            r.kind = "branch"
            r.ref = "branch:" + branch
        }
        if let broker {
            let card = NameKey.digits(broker)
            guard card.count >= 6 else { throw RegistryHelpers.invalid("broker", "an ID-card number") }
            if r.agency == nil {
                let found = try await tx.recruiter(idCard: card, on: try await tx.today())
                if let (agency, _) = found.agencies.first { r.agency = agency }
                if let watch = found.watch, r.ref == nil { r.ref = watch }
            }
            r.kind = r.kind == "unknown" || r.kind == "agency" ? "broker" : r.kind
            if r.ref == nil { r.ref = "broker" }
        }
        return r
    }

    /// `next_deadline=first_action due=2026-12-10` style fields, one per live deadline, soonest first.
    static func deadlineFields(_ tx: Transaction, _ id: String) async throws -> [Field] {
        try await tx.complaintDeadlines(of: id).map { d in
            Field("due_" + String(d.kind.dropFirst("complaint.".count)), d.due + (d.held ? " (paused)" : ""))
        }
    }

    static let status = Command(CommandSpec(
        "complaint.status", summary: "state, level and next deadline of a case, for anyone holding its tracking reference",
        positionals: [ParameterSpec("reference", .identifier, required: true, "tracking reference, e.g. R-7KQ2-M9XD-4TPA")],
        capability: Capability.verify.rawValue, shape: .record
    )) { inv, ctx in
        let reference = inv.positionals[0].uppercased()
        guard TrackingReference.isWellFormed(reference) else {
            throw RegistryHelpers.invalid("reference", "a tracking reference looks like R-XXXX-XXXX-XXXX")
        }
        guard let s = try await ctx.services.store.complaintStatus(reference: reference) else {
            throw RegistryHelpers.notFound("reference", reference)
        }
        var fields = [Field("reference", reference), Field("state", s.state), Field("level", s.level), Field("received", s.receivedOn)]
        if let kind = s.nextDeadline, let due = s.dueOn {
            fields.append(Field("next_deadline", String(kind.dropFirst("complaint.".count))))
            fields.append(Field("due", due))
        }
        if let paused = s.paused { fields.append(Field("paused", paused)) }
        if s.mergedFrom != nil { fields.append(Field("merged_into_reference", s.reference)) }
        return Reply(.ok, data: .record(fields), fields: [Field("state", s.state)])
    }

    static let show = Command(CommandSpec(
        "complaint.show", summary: "a case in full (no names): state, level, office, respondent, people, money, documents, deadlines",
        positionals: [ParameterSpec("case", .identifier, required: true)],
        capability: Capability.complaintRead.rawValue, shape: .record
    )) { inv, ctx in
        let id = inv.positionals[0]
        let fields = try await ctx.read { tx -> [Field]? in
            guard let c = try await tx.complaint(id) else { return nil }
            var f = caseFields(c)
            let people = try await tx.complainants(of: id)
            f.append(Field("female", String(people.filter { $0.sex == "F" }.count)))
            f.append(Field("paid_usd", sum(people.map(\.paidUSD))))
            f.append(Field("claimed_usd", sum(people.map(\.claimedUSD))))
            f.append(Field("settled_usd", sum(people.map(\.settledUSD))))
            f.append(Field("repaid_usd", sum(people.map(\.repaidUSD))))
            let outcomes = Dictionary(grouping: people, by: \.outcome).map { "\($0.key):\($0.value.count)" }.sorted()
            f.append(Field("outcomes", outcomes.joined(separator: ",")))
            for d in try await tx.documentsHeld(of: id) { f.append(Field("documents", "\(d.kind) held=\(d.held) returned=\(d.returned)")) }
            for e in try await tx.evidence(of: id) {
                f.append(Field("evidence", "\(e.item) \(e.kind)" + (e.sha256.map { " sha256=\($0)" } ?? "") + (e.description.isEmpty ? "" : " \(e.description)")))
            }
            f += try await deadlineFields(tx, id)
            for e in try await tx.escalations(of: id) { f.append(Field("escalation", "\(e.from)->\(e.level) \(e.on) \(e.rule) \(e.cause)")) }
            for s in try await tx.sanctionProposals(of: id) { f.append(Field("sanction_proposal", "\(s.id) \(s.agency) \(s.rule) \(s.cause) \(s.state)")) }
            for n in try await tx.complaintNotes(of: id) { f.append(Field("note", "\(n.at) \(n.actor): \(n.body)")) }
            if !c.narrative.isEmpty { f.append(Field("narrative", c.narrative)) }
            return f
        }
        guard let fields else { throw RegistryHelpers.notFound("complaint", id) }
        return Reply(.ok, data: .record(fields), fields: [Field("id", id)])
    }

    static func caseFields(_ c: ComplaintRecord) -> [Field] {
        var f = [Field("id", c.id), Field("reference", c.reference), Field("state", c.state.rawValue), Field("level", c.level.rawValue),
                 Field("intake_level", c.intakeLevel.rawValue), Field("channel", c.channel), Field("filed_by", c.filedBy),
                 Field("province", c.province)]
        if let commune = c.commune { f.append(Field("commune", commune)) }
        f.append(Field("respondent_kind", c.respondentKind))
        if let a = c.respondentAgency { f.append(Field("respondent_agency", a)) }
        if let r = c.respondentRef { f.append(Field("respondent_ref", r)) }
        f.append(Field("categories", c.categories.joined(separator: ",")))
        if let d = c.destination { f.append(Field("destination", d)) }
        f.append(Field("received", c.receivedOn.description))
        f += [Field("complainants", String(c.complainants)), Field("open", String(c.open)), Field("unpaid", String(c.unpaid))]
        if let on = c.conciliationOn { f.append(Field("conciliation_on", on)) }
        if let p = c.pausedKind { f.append(Field("paused", p)) }
        if let r = c.criminalReferral { f.append(Field("criminal_referral", r)) }
        if let m = c.mergedInto { f.append(Field("merged_into", m)) }
        if !c.overdue.isEmpty { f.append(Field("overdue", c.overdue.joined(separator: ","))) }
        return f
    }

    static func sum(_ amounts: [String]) -> String {
        // Cents as integers: amounts are validated to two decimals.
        let cents = amounts.reduce(0) { total, text -> Int in
            let parts = text.split(separator: ".")
            let whole = Int(parts[0]) ?? 0
            let frac = parts.count > 1 ? Int(parts[1].padding(toLength: 2, withPad: "0", startingAt: 0).prefix(2)) ?? 0 : 0
            return total + whole * 100 + frac
        }
        return cents % 100 == 0 ? String(cents / 100) : String(format: "%d.%02d", cents / 100, cents % 100)
    }

    static let list = Command(CommandSpec(
        "complaint.list", summary: "cases in your scope, newest first",
        fields: [ParameterSpec("state", .oneOf(ComplaintState.allCases.map(\.rawValue))), ParameterSpec("level", .oneOf(ComplaintLevel.allCases.map(\.rawValue))),
                 ParameterSpec("respondent", .identifier, "agency id"), ParameterSpec("limit", .integer(1...1000), "default 100")],
        options: [ParameterSpec("overdue", .boolean, "only cases with a missed deadline")],
        capability: Capability.complaintRead.rawValue, shape: .table
    )) { inv, ctx in
        let rows = try await ctx.read { tx in
            try await tx.complaints(state: inv.field("state"), level: inv.field("level"), overdueOnly: inv.flag("overdue"),
                                    respondent: inv.field("respondent"), limit: Int(inv.field("limit") ?? "100") ?? 100)
        }
        let table = rows.map { c in
            [Field("id", c.id), Field("state", c.state.rawValue), Field("level", c.level.rawValue), Field("province", c.province),
             Field("received", c.receivedOn.description), Field("complainants", String(c.complainants)),
             Field("respondent", c.respondentAgency ?? c.respondentKind), Field("overdue", c.overdue.isEmpty ? "-" : c.overdue.joined(separator: ","))]
        }
        return Reply(.ok, data: .table(table), fields: [Field("rows", String(table.count))])
    }

    static let history = Command(CommandSpec(
        "complaint.history", summary: "every recorded event of a case with its rule",
        positionals: [ParameterSpec("case", .identifier, required: true)],
        capability: Capability.complaintRead.rawValue, shape: .table
    )) { inv, ctx in
        let id = inv.positionals[0]
        let rows = try await ctx.read { tx -> [[String]]? in
            guard try await tx.complaint(id) != nil else { return nil }
            return try await tx.complaintEvents(of: id)
        }
        guard let rows else { throw RegistryHelpers.notFound("complaint", id) }
        let table = rows.map { r in
            [Field("at", r[0]), Field("event", r[1]), Field("state", r[2]), Field("level", r[3]), Field("rule", r[4]),
             Field("detail", r[5].isEmpty ? "-" : r[5]), Field("actor", r[6])]
        }
        return Reply(.ok, data: .table(table), fields: [Field("rows", String(table.count))])
    }

    static let complainants = Command(CommandSpec(
        "complaint.complainants", summary: "per-complainant case data and outcome (no names; see victim.read)",
        positionals: [ParameterSpec("case", .identifier, required: true)],
        capability: Capability.complaintRead.rawValue, shape: .table
    )) { inv, ctx in
        let id = inv.positionals[0]
        let people = try await ctx.read { tx -> [ComplainantRecord]? in
            guard try await tx.complaint(id) != nil else { return nil }
            return try await tx.complainants(of: id)
        }
        guard let people else { throw RegistryHelpers.notFound("complaint", id) }
        let table = people.map { p in
            [Field("n", String(p.n)), Field("sex", p.sex), Field("age", p.ageBand), Field("commune", p.homeCommune ?? "-"),
             Field("paid_usd", p.paidUSD), Field("claimed_usd", p.claimedUSD), Field("outcome", p.outcome),
             Field("settled_usd", p.settledUSD), Field("instalments", String(p.instalments)), Field("repaid_usd", p.repaidUSD)]
        }
        return Reply(.ok, data: .table(table), fields: [Field("rows", String(table.count))])
    }
}
