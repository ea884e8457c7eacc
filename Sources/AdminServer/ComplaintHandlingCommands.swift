import AdminProtocol
import RegistryDomain
import RegistryStore

/// Handling a case along §12.6: every command locks the case, runs the pure `ComplaintMachine` and
/// applies its plan (state, level, timers, escalation, sanction proposal, event) with the audit entry
/// in one transaction.
enum ComplaintHandlingCommands {
    static let all: [Command] = [acknowledge, act, forward, respond, schedule, fail, settle, pay, returnDocuments, refer,
                                 withdraw, reject, close, reopen, merge, transfer, note, pause, resume, proposals]

    static let caseParameter = ParameterSpec("case", .identifier, required: true, "case id, e.g. CMP-2026-000001")

    static func spec(_ name: String, _ summary: String, fields: [ParameterSpec] = [], options: [ParameterSpec] = [],
                     payload: ParameterSpec? = nil, reason: Bool = false) -> CommandSpec {
        CommandSpec(name, summary: summary, positionals: [caseParameter], fields: fields, options: options, payload: payload,
                    capability: Capability.complaintHandle.rawValue, flags: reason ? [.mutating, .needsReason] : [.mutating], shape: .record)
    }

    /// The case, locked for this transaction; 550 when it does not exist or is out of the caller's scope.
    static func locked(_ tx: Transaction, _ id: String) async throws -> ComplaintRecord {
        guard let c = try await tx.complaint(id, lock: true) else { throw RegistryHelpers.notFound("complaint", id) }
        return c
    }

    /// Locks the case, lets `effect` record its per-complainant part, runs the machine and applies the plan.
    static func transition(_ inv: Invocation, _ ctx: CommandContext, detail: String = "",
                           effect: (@Sendable (Transaction, ComplaintRecord) async throws -> String)? = nil,
                           event: @escaping @Sendable (ComplaintRecord) throws -> ComplaintMachine.Event) async throws -> Reply {
        let id = inv.positionals[0]
        let deadlines = ComplaintMachine.Deadlines(rulebook: ctx.services.rulebook)
        let calendar = ctx.services.calendar
        return try await ctx.mutate(inv) { tx in
            var c = try await locked(tx, id)
            if let merged = c.mergedInto {
                throw ReplyError(Reply.final(.invalidState, Field("state", "MERGED"), Field("merged_into", merged), msg: "handle the case it was merged into"))
            }
            var note = detail
            if let effect {
                let said = try await effect(tx, c)
                note = [note, said].filter { !$0.isEmpty }.joined(separator: " ")
                c = try await tx.complaint(id)!
            }
            let e = try event(c)
            let today = try await tx.today()
            switch ComplaintMachine.apply(e, to: c.machineCase, today: today, deadlines, calendar: calendar) {
            case .failure(let refusal):
                throw ReplyError(Reply.final(.invalidState, Field("state", refusal.state.rawValue), Field("reason", refusal.reason),
                                             msg: "\(refusal.event) is not allowed now"))
            case .success(let plan):
                try await tx.applyComplaintPlan(plan, to: c, event: e.name, detail: note)
                let after = try await tx.complaint(id)!
                var fields = [Field("id", id), Field("state", after.state.rawValue), Field("level", after.level.rawValue),
                              Field("rule", plan.rule)]
                if let esc = plan.escalation { fields.append(Field("escalated", "\(esc.from.rawValue)->\(esc.to.rawValue)")) }
                if let s = plan.sanction { fields.append(Field("sanction_proposed", "\(s.rule) \(s.cause)")) }
                if let o = plan.overdue { fields.append(Field("overdue", o.shortName)) }
                fields += [Field("open", String(after.open)), Field("unpaid", String(after.unpaid))]
                fields += try await ComplaintCommands.deadlineFields(tx, id)
                return MutationResult(Reply(.ok, data: .record(fields), fields: [Field("id", id), Field("state", after.state.rawValue)]),
                                      detail: "\(id) \(e.name) state=\(after.state.rawValue) level=\(after.level.rawValue)")
            }
        }
    }

    /// `1-11,15,20-25` or `all` → complainant numbers.
    static func numbers(_ text: String?, in c: ComplaintRecord) throws -> [Int] {
        guard let text, text != "all" else { return Array(1...max(1, c.complainants)) }
        var out: [Int] = []
        for part in text.split(separator: ",") {
            let ends = part.split(separator: "-", maxSplits: 1).map { Int($0) }
            guard let a = ends.first ?? nil, a >= 1, a <= c.complainants else {
                throw RegistryHelpers.invalid("complainants", "numbers 1-\(c.complainants), ranges like 1-11,15")
            }
            let b = ends.count > 1 ? (ends[1] ?? 0) : a
            guard b >= a, b <= c.complainants else { throw RegistryHelpers.invalid("complainants", "numbers 1-\(c.complainants)") }
            out += Array(a...b)
        }
        return out
    }

    // MARK: - Commands

    static let acknowledge = Command(spec("complaint.ack", "acknowledge receipt and give the case number (CMP-5)")) { inv, ctx in
        try await transition(inv, ctx) { _ in .acknowledge }
    }

    static let act = Command(spec(
        "complaint.act", "first action: parties notified or invited (CMP-4); starts the agency's response deadline",
        fields: [ParameterSpec("action", .text, "what was done, e.g. \"respondent notified, parties invited\"")],
        options: [ParameterSpec("no-agency-notice", .boolean, "the respondent agency was not notified (no response deadline)")]
    )) { inv, ctx in
        let notify = !inv.flag("no-agency-notice")
        return try await transition(inv, ctx, detail: inv.field("action") ?? "") { _ in .act(notifyAgency: notify) }
    }

    static let forward = Command(spec(
        "complaint.forward", "hand the case to a higher level's office (CMP-2), optionally another province; deadlines continue",
        fields: [ParameterSpec("to", .oneOf(["L1", "L2"]), required: true),
                 ParameterSpec("province", .identifier, "when another province's office takes the case")]
    )) { inv, ctx in
        let to = ComplaintLevel(rawValue: inv.field("to")!)!
        let province = try RegistryHelpers.province(inv.field("province"))
        return try await transition(inv, ctx, detail: "to=\(to.rawValue)", effect: { tx, c in
            // The case keeps its commune so that the commune chief who filed it can follow it; it moves
            // only when another province takes it.
            guard let province, province != c.province else { return "" }
            try await tx.transferComplaint(c.id, province: province, commune: nil)
            return "province=\(province)"
        }) { _ in .forward(to: to) }
    }

    static let respond = Command(spec("complaint.respond", "the respondent agency answered the notice (stops its response deadline)")) { inv, ctx in
        try await transition(inv, ctx) { _ in .agencyResponded }
    }

    static let schedule = Command(spec(
        "complaint.schedule", "schedule the conciliation meeting (CMP-6: within complaint.conciliation_meeting_days of receipt)",
        fields: [ParameterSpec("on", .date, required: true), ParameterSpec("place", .text)]
    )) { inv, ctx in
        let on = try RegistryHelpers.date(inv, "on")!
        return try await transition(inv, ctx, detail: "on=\(on)", effect: { tx, c in
            try await tx.query("UPDATE registry.complaints SET conciliation_on = \(on.description)::date WHERE id = \(c.id)")
            return ""
        }) { _ in .scheduleConciliation(on: on) }
    }

    static let fail = Command(spec(
        "complaint.fail", "conciliation failed (CMP-10): the court window starts; complainants are told of court and police routes",
        reason: true
    )) { inv, ctx in
        try await transition(inv, ctx) { _ in .conciliationFailed }
    }

    static let settle = Command(spec(
        "complaint.settle", "record a settlement per complainant: full, partial (amount, instalments), documents returned, refused (CMP-8)",
        fields: [ParameterSpec("complainants", .text, required: true, "numbers like 1-11,15 or all"),
                 ParameterSpec("outcome", .oneOf(["full", "partial", "documents_returned", "refused", "no_action"]), required: true),
                 ParameterSpec("amount", .text, "USD per complainant (full: default the amount claimed)"),
                 ParameterSpec("instalments", .integer(0...120), "number of instalments agreed")]
    )) { inv, ctx in
        let outcome = ComplainantOutcome(rawValue: inv.field("outcome")!)!
        let amount = try inv.field("amount").map { try ComplaintPayload.money($0, 0, "amount") }
        if outcome == .partial, amount == nil { throw ReplyError(Reply.final(.badArguments, Field("arg", "amount"), msg: "a partial settlement needs amount=")) }
        let instalments = Int(inv.field("instalments") ?? "0") ?? 0
        return try await transition(inv, ctx, effect: { tx, c in
            let ns = try numbers(inv.field("complainants"), in: c)
            let changed = try await tx.settleComplainants(c.id, numbers: ns, outcome: outcome, amountUSD: amount, instalments: instalments)
            return "outcome=\(outcome.rawValue) complainants=\(changed)" + (amount.map { " amount=\($0)" } ?? "")
        }) { _ in .settled }
    }

    static let pay = Command(spec(
        "complaint.pay", "record a payment (or one instalment) to each listed complainant (CMP-9)",
        fields: [ParameterSpec("complainants", .text, required: true, "numbers like 1-11 or all"),
                 ParameterSpec("amount", .text, required: true, "USD paid to each")]
    )) { inv, ctx in
        let amount = try ComplaintPayload.money(inv.field("amount")!, 0, "amount")
        return try await transition(inv, ctx, effect: { tx, c in
            let ns = try numbers(inv.field("complainants"), in: c)
            let changed = try await tx.recordPayments(c.id, numbers: ns, amountUSD: amount)
            guard changed > 0 else { throw RegistryHelpers.invalid("complainants", "none of them has a settlement with money owed") }
            return "paid=\(changed)x\(amount)"
        }) { _ in .paid }
    }

    static let returnDocuments = Command(spec(
        "complaint.documents_returned", "the respondent returned the documents it held (all, or the listed complainants')",
        fields: [ParameterSpec("complainants", .text, "numbers like 1-11, default all")]
    )) { inv, ctx in
        try await transition(inv, ctx, effect: { tx, c in
            let ns = inv.field("complainants") == nil ? nil : try numbers(inv.field("complainants"), in: c)
            return "documents_returned=\(try await tx.returnDocuments(c.id, numbers: ns))"
        }) { _ in .step("documents_returned", rule: "CMP-8") }
    }

    static let refer = Command(spec(
        "complaint.refer", "refer to police, prosecutor or court: criminal referrals run in parallel (CMP-11), court after failed conciliation",
        fields: [ParameterSpec("to", .oneOf(["police", "anti_trafficking_police", "prosecutor", "court", "national_assembly"]), required: true)],
        options: [ParameterSpec("criminal", .boolean, "criminal referral; the administrative case continues")]
    )) { inv, ctx in
        let to = inv.field("to")!
        let criminal = inv.flag("criminal")
        return try await transition(inv, ctx, detail: to) { _ in .refer(criminal: criminal) }
    }

    static let withdraw = Command(spec(
        "complaint.withdraw", "the complainants withdraw (all, or the listed ones; the case ends when none is left)",
        fields: [ParameterSpec("complainants", .text, "numbers like 3,7; default all")], reason: true
    )) { inv, ctx in
        let some = inv.field("complainants")
        return try await transition(inv, ctx, effect: { tx, c in
            guard let some else { return "" }
            let ns = try numbers(some, in: c)
            _ = try await tx.settleComplainants(c.id, numbers: ns, outcome: .withdrawn, amountUSD: nil, instalments: 0)
            return "withdrawn=\(ns.count)"
        }) { _ in
            // Some withdraw: a step (the case closes when nobody is left with a claim). Nobody named: the
            // whole case is withdrawn.
            some != nil ? .step("withdraw_some", rule: "CMP-1") : .withdraw
        }
    }

    static let reject = Command(spec("complaint.reject", "reject the case (out of scope of the mechanism), with the reason", reason: true)) { inv, ctx in
        try await transition(inv, ctx) { _ in .reject }
    }

    static let close = Command(spec("complaint.close", "close a case whose complainants are all settled, paid, withdrawn or referred")) { inv, ctx in
        try await transition(inv, ctx) { _ in .close }
    }

    static let reopen = Command(spec("complaint.reopen", "reopen a closed, withdrawn or rejected case", reason: true)) { inv, ctx in
        try await transition(inv, ctx) { _ in .reopen }
    }

    static let merge = Command(CommandSpec(
        "complaint.merge", summary: "merge a duplicate case into another; the duplicate's reference keeps working",
        positionals: [caseParameter], fields: [ParameterSpec("into", .identifier, required: true, "the case to keep")],
        capability: Capability.complaintHandle.rawValue, flags: [.mutating, .needsReason], shape: .record
    )) { inv, ctx in
        let duplicate = inv.positionals[0], keep = inv.field("into")!
        guard duplicate != keep else { throw RegistryHelpers.invalid("into", "a case cannot be merged into itself") }
        return try await ctx.mutate(inv) { tx in
            let d = try await locked(tx, duplicate), k = try await locked(tx, keep)
            guard d.mergedInto == nil, k.mergedInto == nil else { throw ReplyError(Reply.final(.invalidState, Field("state", "MERGED"))) }
            try await tx.mergeComplaint(duplicate, into: keep)
            try await tx.recordComplaintEvent(duplicate, event: "merge", state: .closed, level: d.level, rule: "CMP-2", detail: "into=\(keep)")
            try await tx.recordComplaintEvent(keep, event: "merge", state: k.state, level: k.level, rule: "CMP-2", detail: "from=\(duplicate)")
            return MutationResult(Reply(.ok, data: .record([Field("id", duplicate), Field("merged_into", keep), Field("state", "CLOSED")]),
                                        fields: [Field("id", duplicate)]), detail: "\(duplicate) into=\(keep)")
        }
    }

    static let transfer = Command(spec(
        "complaint.transfer", "move the case to another office (province, commune); every deadline keeps running",
        fields: [ParameterSpec("province", .identifier, required: true), ParameterSpec("commune", .identifier)], reason: true
    )) { inv, ctx in
        let id = inv.positionals[0]
        let province = try RegistryHelpers.province(inv.field("province"))!
        let commune = inv.field("commune").map { NameKey.digits($0) }
        if let c = commune, c.count != 6 || !c.hasPrefix(province) { throw RegistryHelpers.invalid("commune", "a 6-digit commune code in province \(province)") }
        return try await ctx.mutate(inv) { tx in
            let c = try await locked(tx, id)
            try await tx.transferComplaint(id, province: province, commune: commune)
            try await tx.recordComplaintEvent(id, event: "transfer", state: c.state, level: c.level, rule: "CMP-2",
                                              detail: "from=\(c.commune ?? c.province) to=\(commune ?? province)")
            var fields = [Field("id", id), Field("province", province)]
            if let commune { fields.append(Field("commune", commune)) }
            fields += try await ComplaintCommands.deadlineFields(tx, id)
            return MutationResult(Reply(.ok, data: .record(fields), fields: [Field("id", id)]), detail: "\(id) to=\(commune ?? province)")
        }
    }

    static let note = Command(spec(
        "complaint.note", "add a note to the case (text= or a heredoc)",
        fields: [ParameterSpec("text", .text)], payload: ParameterSpec("note", .text)
    )) { inv, ctx in
        let id = inv.positionals[0]
        guard let body = inv.field("text") ?? inv.payload, !body.isEmpty else {
            throw ReplyError(Reply.final(.badArguments, Field("arg", "text"), msg: "the note's text is missing"))
        }
        return try await ctx.mutate(inv) { tx in
            let c = try await locked(tx, id)
            try await tx.addComplaintNote(id, body: body)
            try await tx.recordComplaintEvent(id, event: "note", state: c.state, level: c.level, rule: "CMP-12", detail: "")
            return MutationResult(Reply(.ok, fields: [Field("id", id)]), detail: id)
        }
    }

    static let pause = Command(spec(
        "complaint.pause", "hold every deadline while waiting on the complainant or the agency",
        fields: [ParameterSpec("kind", .oneOf(["waiting_on_complainant", "waiting_on_agency"]), required: true)]
    )) { inv, ctx in
        let id = inv.positionals[0], kind = inv.field("kind")!
        return try await ctx.mutate(inv) { tx in
            let c = try await locked(tx, id)
            guard !c.state.isTerminal, c.pausedKind == nil else {
                throw ReplyError(Reply.final(.invalidState, Field("state", c.pausedKind ?? c.state.rawValue), msg: "not an open, running case"))
            }
            try await tx.pauseComplaint(id, kind: kind)
            try await tx.recordComplaintEvent(id, event: "pause", state: c.state, level: c.level, rule: "CMP-4", detail: kind)
            let fields = [Field("id", id), Field("paused", kind)] + (try await ComplaintCommands.deadlineFields(tx, id))
            return MutationResult(Reply(.ok, data: .record(fields), fields: [Field("id", id)]), detail: "\(id) \(kind)")
        }
    }

    static let resume = Command(spec("complaint.resume", "release the deadlines, each extended by the time paused")) { inv, ctx in
        let id = inv.positionals[0]
        return try await ctx.mutate(inv) { tx in
            let c = try await locked(tx, id)
            guard let kind = c.pausedKind else { throw ReplyError(Reply.final(.invalidState, Field("state", c.state.rawValue), msg: "not paused")) }
            let (days, extended) = try await tx.resumeComplaint(id)
            let shown = String(format: "%.1f", days)
            try await tx.recordComplaintEvent(id, event: "resume", state: c.state, level: c.level, rule: "CMP-4",
                                              detail: "\(kind) paused_days=\(shown) extended_days=\(extended)")
            let fields = [Field("id", id), Field("paused_days", shown), Field("extended_days", String(extended))]
                + (try await ComplaintCommands.deadlineFields(tx, id))
            return MutationResult(Reply(.ok, data: .record(fields), fields: [Field("id", id)]), detail: "\(id) days=\(shown)")
        }
    }

    static let proposals = Command(CommandSpec(
        "sanction.proposals", summary: "sanction proposals raised by complaint deadlines (PEN-7), for the inspector",
        fields: [ParameterSpec("agency", .identifier)],
        capability: Capability.inspectionWrite.rawValue, shape: .table
    )) { inv, ctx in
        let agency = inv.field("agency")
        let rows = try await ctx.read { tx -> [[Field]] in
            var out: [[Field]] = []
            for try await (id, complaint, agencyID, rule, cause, state, at) in try await tx.query("""
                SELECT id, complaint_id, agency_id, rule, cause, state, (proposed_at AT TIME ZONE 'Asia/Phnom_Penh')::date::text
                FROM registry.sanction_proposals WHERE \(agency)::text IS NULL OR agency_id = \(agency) ORDER BY proposed_at, id
                """).decode((String, String, String, String, String, String, String).self) {
                out.append([Field("id", id), Field("complaint", complaint), Field("agency", agencyID), Field("rule", rule),
                            Field("cause", cause), Field("state", state), Field("proposed_on", at)])
            }
            return out
        }
        return Reply(.ok, data: .table(rows), fields: [Field("rows", String(rows.count))])
    }
}
