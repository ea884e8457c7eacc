import AdminProtocol
import Foundation
import RegistryDomain
import RegistryStore

/// Licences (§12.2): issue gated by the deposit (SD-5, PRA-12) and the relicensing bar (PEN-5);
/// renewal; fixed-term recruitment suspension (PEN-4); suspension until compliant; revocation; surrender.
enum LicenceCommands {
    static let all: [Command] = [issue, renew, suspend, reinstate, revoke, surrender, show, history]

    static let issue = Command(CommandSpec(
        "licence.issue", summary: "issue a licence with a destination scope; needs the full deposit lodged",
        positionals: [ParameterSpec("agency", .identifier, required: true)],
        fields: [ParameterSpec("scope", .text, required: true, "destinations, e.g. TH,JP,MY/domestic_work"),
                 ParameterSpec("issued_on", .date, "default today (earlier dates record existing licences)"),
                 ParameterSpec("expires_on", .date, "default issued_on + licence.validity_months")],
        options: [ParameterSpec("override-bar", .boolean, "issue despite a relicensing bar (needs --reason)"),
                  ParameterSpec("reason", .text, "why; required with --override-bar")],
        capability: Capability.licenceDecide.rawValue, flags: [.mutating], shape: .record
    )) { inv, ctx in
        let agency = inv.positionals[0]
        let scope = try RegistryHelpers.scopes(inv.field("scope")!)
        let issuedOn = try RegistryHelpers.date(inv, "issued_on")
        let expiresOn = try RegistryHelpers.date(inv, "expires_on")
        let override = inv.flag("override-bar")
        if override, inv.reason == nil { throw ReplyError(Reply.final(.badArguments, Field("arg", "--reason"), msg: "--override-bar needs --reason")) }
        let rulebook = ctx.services.rulebook
        let required = Decimal(rulebook.integer("deposit.required_usd") ?? 0)
        let months = rulebook.integer("licence.validity_months") ?? 0
        return try await ctx.mutate(inv) { tx in
            try await RegistryHelpers.requireAgency(tx, agency)
            if let live = try await tx.liveLicence(agencyID: agency) {
                throw ReplyError(Reply.final(.conflict, Field("licence", live.number), msg: "the agency already holds a live licence"))
            }
            let balance = try await tx.depositBalance(agencyID: agency)
            guard balance >= required else {
                throw ReplyError(Reply.final(.refused, Field("rule", "PRA-12"), Field("deposit_usd", "\(balance)"),
                                             Field("required_usd", "\(required)"), msg: "the guarantee deposit must be lodged in full before issue (SD-5)"))
            }
            let today = try await tx.today()
            let start = issuedOn ?? today
            let bars = try await tx.barredPeople(agencyID: agency, on: today)
            if !bars.isEmpty, !override {
                throw ReplyError(Reply.final(.refused, Field("rule", "PEN-5"), Field("person", bars[0].person), Field("until", bars[0].until),
                                             msg: "an owner or director is barred from a new licence after a revocation"))
            }
            let end = expiresOn ?? Calendar.addingMonths(months, to: start).adding(days: -1)
            guard end > start else { throw RegistryHelpers.invalid("expires_on", "must be after issued_on") }
            let number = try await tx.nextLicenceNumber(year: start.year)
            try await tx.insertLicence(number: number, agencyID: agency, issuedOn: start, expiresOn: end, scope: scope,
                                       durations: RegistryHelpers.durations(ctx), reason: inv.reason ?? "")
            var fields = [Field("licence", number.description), Field("agency", agency), Field("state", "ACTIVE"),
                          Field("valid_until", end.description), Field("scope", scope.map(\.description).joined(separator: ","))]
            if override { fields.append(Field("bar_overridden", "true")) }
            for flag in try await tx.flags(agencyID: agency) { fields.append(RegistryHelpers.flagField(kind: flag.kind, related: flag.related, via: flag.via)) }
            return MutationResult(Reply(.created, data: .record(fields), fields: [Field("id", number.description)]), detail: number.description,
                                  changes: ["agency:\(agency)"])
        }
    }

    static let renew = Command(CommandSpec(
        "licence.renew", summary: "renew a licence for another term (from ACTIVE, RENEWAL_DUE or LATE_RENEWAL)",
        positionals: [ParameterSpec("licence", .identifier, required: true)],
        fields: [ParameterSpec("expires_on", .date, "default old expiry + licence.validity_months")],
        capability: Capability.licenceDecide.rawValue, flags: [.mutating], shape: .record
    )) { inv, ctx in
        let number = try parseNumber(inv.positionals[0])
        let months = ctx.services.rulebook.integer("licence.validity_months") ?? 0
        let given = try RegistryHelpers.date(inv, "expires_on")
        return try await transition(inv, ctx, number) { licence, _ in
            .renew(newExpiry: given ?? Calendar.addingMonths(months, to: licence.expiresOn))
        }
    }

    static let suspend = Command(CommandSpec(
        "licence.suspend", summary: "suspend recruitment for a fixed term, or the licence until compliant",
        positionals: [ParameterSpec("licence", .identifier, required: true)],
        options: [ParameterSpec("days", .integer(1...3650), "fixed-term recruitment suspension; default sanction.recruitment_suspension_days"),
                  ParameterSpec("until-compliant", .boolean, "suspend the licence until compliance is verified")],
        capability: Capability.licenceDecide.rawValue, flags: [.mutating, .needsReason], shape: .record
    )) { inv, ctx in
        let number = try parseNumber(inv.positionals[0])
        let days = inv.options["days"].flatMap(Int.init) ?? ctx.services.rulebook.integer("sanction.recruitment_suspension_days") ?? 0
        let untilCompliant = inv.flag("until-compliant")
        return try await transition(inv, ctx, number) { _, today in
            untilCompliant ? .suspend : .suspendRecruitment(until: today.adding(days: days))
        }
    }

    static let reinstate = Command(CommandSpec(
        "licence.reinstate", summary: "lift a suspension-until-compliant once compliance is verified",
        positionals: [ParameterSpec("licence", .identifier, required: true)],
        capability: Capability.licenceDecide.rawValue, flags: [.mutating, .needsReason], shape: .record
    )) { inv, ctx in
        try await transition(inv, ctx, try parseNumber(inv.positionals[0])) { _, _ in .reinstate }
    }

    static let revoke = Command(CommandSpec(
        "licence.revoke", summary: "revoke a licence; bars its owners and directors from a new one (PEN-5)",
        positionals: [ParameterSpec("licence", .identifier, required: true)],
        capability: Capability.licenceDecide.rawValue, flags: [.mutating, .needsReason], shape: .record
    )) { inv, ctx in
        let years = ctx.services.rulebook.integer("sanction.relicensing_bar_years") ?? 0
        return try await transition(inv, ctx, try parseNumber(inv.positionals[0])) { _, _ in .revoke } after: { tx, licence in
            let barred = try await tx.barOwners(agencyID: licence.agencyID, licence: licence.number, years: years)
            return [Field("barred_people", String(barred)), Field("bar_years", String(years))]
        }
    }

    static let surrender = Command(CommandSpec(
        "licence.surrender", summary: "the agency gives its licence back",
        positionals: [ParameterSpec("licence", .identifier, required: true)],
        capability: Capability.licenceDecide.rawValue, flags: [.mutating, .needsReason], shape: .record
    )) { inv, ctx in
        try await transition(inv, ctx, try parseNumber(inv.positionals[0])) { _, _ in .surrender }
    }

    static let show = Command(CommandSpec(
        "licence.show", summary: "a licence: state, validity, scope and pending timers",
        positionals: [ParameterSpec("licence", .identifier, required: true)],
        capability: Capability.agencyRead.rawValue, shape: .record
    )) { inv, ctx in
        let number = try parseNumber(inv.positionals[0])
        return try await ctx.read { tx in
            guard let l = try await tx.licence(number: number) else { throw RegistryHelpers.notFound("licence", number) }
            var f = RegistryHelpers.licenceFields(l)
            for s in try await tx.scope(licence: number, asOf: nil) { f.append(Field("scope", s.description)) }
            for t in try await tx.liveTimers(subject: number) { f.append(Field("timer", "\(t.kind) \(t.due)")) }
            return Reply(.ok, data: .record(f))
        }
    }

    static let history = Command(CommandSpec(
        "licence.history", summary: "every recorded transition of a licence, with rule and reason",
        positionals: [ParameterSpec("licence", .identifier, required: true)],
        capability: Capability.agencyRead.rawValue, shape: .table
    )) { inv, ctx in
        let number = try parseNumber(inv.positionals[0])
        let events = try await ctx.read { tx in try await tx.licenceHistory(number) }
        if events.isEmpty { throw RegistryHelpers.notFound("licence", number) }
        return Reply(.ok, data: .table(events.map { e in
            var row = [Field("at", e.at), Field("event", e.event)]
            if let b = e.stateBefore { row.append(Field("from", b)) }
            row += [Field("to", e.stateAfter), Field("rule", e.rule)]
            if let u = e.until { row.append(Field("until", u)) }
            if !e.reason.isEmpty { row.append(Field("reason", e.reason)) }
            row.append(Field("actor", e.actor))
            return row
        }), fields: [Field("rows", String(events.count))])
    }

    static func parseNumber(_ text: String) throws -> String {
        switch LicenceNumber.parse(text) {
        case .valid(let n): return n.description
        case .badCheckDigit:
            throw ReplyError(Reply.final(.invalidValue, Field("field", "licence"), Field("reason", "bad_check_digit"),
                                         msg: "check digit wrong: mistyped or invented licence number"))
        case .notALicenceNumber:
            throw ReplyError(Reply.final(.invalidValue, Field("field", "licence"), msg: "licence numbers look like L-2015-0042-7"))
        }
    }

    /// Runs one state-machine transition in a mutating transaction and answers with the new state.
    static func transition(_ inv: Invocation, _ ctx: CommandContext, _ number: String,
                           _ event: @escaping @Sendable (LicenceRecord, CivilDate) -> LicenceMachine.Event,
                           after: (@Sendable (Transaction, LicenceRecord) async throws -> [Field])? = nil) async throws -> Reply {
        let durations = RegistryHelpers.durations(ctx)
        return try await ctx.mutate(inv) { tx in
            guard let current = try await tx.licence(number: number) else { throw RegistryHelpers.notFound("licence", number) }
            let today = try await tx.today()
            switch try await tx.applyLicenceEvent(event(current, today), to: number, durations: durations, reason: inv.reason ?? "") {
            case .failure(let refusal): throw RegistryHelpers.refusal(refusal)
            case .success(let licence):
                var fields = RegistryHelpers.licenceFields(licence)
                if let after { fields += try await after(tx, licence) }
                return MutationResult(Reply(.ok, data: .record(fields)), detail: number, changes: ["agency:\(licence.agencyID)"])
            }
        }
    }
}

extension LicenceCommands {
    typealias Calendar = LicenceCalendar
}

/// Month arithmetic for licence terms (a 60-month licence issued 2015-03-31 runs to 2020-03-30).
enum LicenceCalendar {
    static func addingMonths(_ months: Int, to date: CivilDate) -> CivilDate {
        let total = date.year * 12 + (date.month - 1) + months
        let year = total / 12, month = total % 12 + 1
        var day = date.day
        while CivilDate(year: year, month: month, day: day) == nil { day -= 1 }
        return CivilDate(year: year, month: month, day: day)!
    }
}
