/// The complaint case state machine of legal-rules §12.6 as a pure function: an event and the case as it
/// stands go in; the next state and level, the timers to arm or cancel, an escalation, an overdue flag
/// or a sanction proposal come out. The store applies the plan in one transaction.
public enum ComplaintMachine {
    /// Durable deadlines of a case. Each is a row in `registry.timers` with `kind` = the raw value.
    public enum Timer: String, CaseIterable, Hashable, Sendable {
        /// Acknowledge with a case number (CMP-5).
        case ack = "complaint.ack"
        /// First action on a written complaint (CMP-4).
        case firstAction = "complaint.first_action"
        /// An intake point forwards to the competent office (CMP-2).
        case forward = "complaint.forward"
        /// The conciliation meeting is held within the period from receipt (CMP-6).
        case conciliation = "complaint.conciliation"
        /// Settlement at L1 or L2 before escalation (CMP-10).
        case settle = "complaint.settle"
        /// The respondent agency answers the notice (CMP-6 default, PEN-7 on silence).
        case agencyResponse = "complaint.agency_response"
        /// Agreed compensation is paid (CMP-9).
        case payment = "complaint.payment"
        /// The window for going to court after failed conciliation (CMP-10).
        case courtWindow = "complaint.court_window"

        /// The rule behind the deadline.
        public var rule: String {
            switch self {
            case .ack: return "CMP-5"
            case .firstAction: return "CMP-4"
            case .forward: return "CMP-2"
            case .conciliation: return "CMP-6"
            case .settle: return "CMP-10"
            case .agencyResponse: return "PEN-7"
            case .payment: return "CMP-9"
            case .courtWindow: return "CMP-10"
            }
        }

        /// Short name used in replies: `first_action`, `payment`…
        public var shortName: String { String(rawValue.dropFirst("complaint.".count)) }
    }

    /// The periods, from the rulebook.
    public struct Deadlines: Hashable, Sendable {
        /// Working days to acknowledge a complaint (`complaint.ack_days`, CMP-5).
        public var ackWorkingDays: Int
        /// Days to the first action on a written complaint (`complaint.first_action_days`, CMP-4).
        public var firstActionDays: Int
        /// Whether those days are working days (`complaint.day_basis`, CMP-4; calendar days by default).
        public var firstActionInWorkingDays: Bool
        /// Working days a commune intake (L0) has to act before the case goes up a level (`complaint.forward_days`, CMP-2).
        public var forwardWorkingDays: Int
        /// Days from receipt to the conciliation meeting (`complaint.conciliation_meeting_days`, CMP-6).
        public var conciliationDays: Int
        /// Working days a notified agency has to respond before its silence is a default
        /// (`complaint.party_default_grace_working_days`, CMP-6; the default leads to a PEN-7 proposal).
        public var partyGraceWorkingDays: Int
        /// Days to settle at the provincial level before escalation (`complaint.l1_settle_days`, CMP-10).
        public var l1SettleDays: Int
        /// Days to settle at the ministry level before escalation (`complaint.l2_settle_days`, CMP-10).
        public var l2SettleDays: Int
        /// Days to pay agreed compensation (`complaint.compensation_payment_days`, CMP-9).
        public var paymentDays: Int
        /// Days after conciliation fails to take the case to court (`complaint.court_filing_window_days`, CMP-10).
        public var courtWindowDays: Int

        /// The complaint deadlines of `rulebook` (complaint.* keys); the rulebook's schema requires every
        /// one, so the zero fallback is never used by a daemon that loaded it.
        public init(rulebook: Rulebook) {
            ackWorkingDays = rulebook.integer("complaint.ack_days") ?? 0
            firstActionDays = rulebook.integer("complaint.first_action_days") ?? 0
            firstActionInWorkingDays = rulebook.text("complaint.day_basis") == "working"
            forwardWorkingDays = rulebook.integer("complaint.forward_days") ?? 0
            conciliationDays = rulebook.integer("complaint.conciliation_meeting_days") ?? 0
            partyGraceWorkingDays = rulebook.integer("complaint.party_default_grace_working_days") ?? 0
            l1SettleDays = rulebook.integer("complaint.l1_settle_days") ?? 0
            l2SettleDays = rulebook.integer("complaint.l2_settle_days") ?? 0
            paymentDays = rulebook.integer("complaint.compensation_payment_days") ?? 0
            courtWindowDays = rulebook.integer("complaint.court_filing_window_days") ?? 0
        }

        func settleDays(at level: ComplaintLevel) -> Int? {
            switch level {
            case .l1: return l1SettleDays
            case .l2: return l2SettleDays
            default: return nil
            }
        }
    }

    /// The case as the machine needs to see it. Complainant counts are taken after the event's own
    /// per-complainant effect (a settlement or a payment) has been recorded.
    public struct Case: Hashable, Sendable {
        public var state: ComplaintState
        public var level: ComplaintLevel
        public var receivedOn: CivilDate
        public var respondentIsAgency: Bool
        /// Complainants whose claim is still open (pending or refused).
        public var openComplainants: Int
        /// Complainants owed money under a settlement and not yet paid in full.
        public var unpaidComplainants: Int

        public init(state: ComplaintState, level: ComplaintLevel, receivedOn: CivilDate, respondentIsAgency: Bool,
                    openComplainants: Int, unpaidComplainants: Int) {
            self.state = state
            self.level = level
            self.receivedOn = receivedOn
            self.respondentIsAgency = respondentIsAgency
            self.openComplainants = openComplainants
            self.unpaidComplainants = unpaidComplainants
        }
    }

    /// What happens to a case (§12.6): each event is checked against the case's state and returns the
    /// next state and the deadlines to arm or cancel, or a refusal naming the rule.
    public enum Event: Hashable, Sendable {
        /// Intake at a level; deadlines run from the day of receipt.
        case file
        case acknowledge
        /// First action: parties notified or invited (CMP-4).
        case act(notifyAgency: Bool)
        /// An intake point hands the case to the competent office (CMP-2).
        case forward(to: ComplaintLevel)
        case agencyResponded
        case scheduleConciliation(on: CivilDate)
        case conciliationFailed
        /// Per-complainant outcomes were recorded (CMP-8).
        case settled
        /// A payment was recorded (CMP-9).
        case paid
        /// Referral to police, prosecutor or court; criminal referrals run in parallel (CMP-11).
        case refer(criminal: Bool)
        case withdraw
        case reject
        case close
        case reopen
        /// A recorded step that changes neither state nor level (documents returned, some complainants
        /// withdrawing while others go on).
        case step(String, rule: String)
        case timer(Timer)

        public var name: String {
            switch self {
            case .file: return "file"
            case .acknowledge: return "acknowledge"
            case .act: return "act"
            case .forward: return "forward"
            case .agencyResponded: return "agency_responded"
            case .scheduleConciliation: return "schedule"
            case .conciliationFailed: return "conciliation_failed"
            case .settled: return "settle"
            case .paid: return "pay"
            case .refer: return "refer"
            case .withdraw: return "withdraw"
            case .reject: return "reject"
            case .close: return "close"
            case .reopen: return "reopen"
            case .step(let name, _): return name
            case .timer(let t): return "timer:" + t.shortName
            }
        }
    }

    /// An escalation to a higher level, recorded once per (case, level).
    public struct Escalation: Hashable, Sendable {
        public var from: ComplaintLevel
        public var to: ComplaintLevel
        public var rule: String
        public var cause: String
    }

    /// A sanction proposal for the inspector (PEN-7); the sanction process itself is separate.
    public struct SanctionProposal: Hashable, Sendable {
        public var rule: String
        public var cause: String
    }

    /// What to do.
    public struct Plan: Hashable, Sendable {
        public var state: ComplaintState
        public var level: ComplaintLevel
        /// Deadlines to (re)arm: the timer fires when the named day has ended.
        public var arm: [Timer: CivilDate] = [:]
        public var cancel: Set<Timer> = []
        public var cancelAll = false
        public var escalation: Escalation?
        public var sanction: SanctionProposal?
        /// A missed deadline, flagged on the case.
        public var overdue: Timer?
        /// The rule behind the transition.
        public var rule: String
        /// Nothing applied (a timer that found the case already past its point).
        public var skipped = false
        public var criminalReferral = false
    }

    /// Why an event was refused.
    public struct Refusal: Error, Hashable, Sendable {
        public var state: ComplaintState
        public var event: String
        public var reason: String
    }

    /// The plan for `event` on case `c` on `today`, or why the event is not allowed in the case's state.
    public static func apply(_ event: Event, to c: Case, today: CivilDate, _ d: Deadlines, calendar: WorkingCalendar) -> Result<Plan, Refusal> {
        var plan = Plan(state: c.state, level: c.level, rule: "CMP-4")
        func refuse(_ reason: String = "not_allowed_in_state") -> Result<Plan, Refusal> {
            .failure(Refusal(state: c.state, event: event.name, reason: reason))
        }
        func armSettle(at level: ComplaintLevel, from start: CivilDate) {
            if let days = d.settleDays(at: level) { plan.arm[.settle] = start.adding(days: days) } else { plan.cancel.insert(.settle) }
        }
        func escalate(to level: ComplaintLevel, rule: String, cause: String) {
            plan.escalation = Escalation(from: c.level, to: level, rule: rule, cause: cause)
            plan.level = level
            plan.cancel.insert(.forward)
            armSettle(at: level, from: today)
        }
        let open = !c.state.isTerminal
        switch event {
        case .file:
            plan.rule = "CMP-4"
            plan.arm[.ack] = calendar.adding(workingDays: d.ackWorkingDays, to: c.receivedOn)
            plan.arm[.firstAction] = calendar.due(after: d.firstActionDays, from: c.receivedOn, workingDays: d.firstActionInWorkingDays)
            if c.level == .l0 { plan.arm[.forward] = calendar.adding(workingDays: d.forwardWorkingDays, to: c.receivedOn) }
            if let days = d.settleDays(at: c.level) { plan.arm[.settle] = c.receivedOn.adding(days: days) }

        case .acknowledge:
            guard c.state == .received else { return refuse() }
            plan.state = .acknowledged
            plan.cancel.insert(.ack)
            plan.rule = "CMP-5"

        case .act(let notifyAgency):
            guard c.state.awaitsFirstAction else { return refuse() }
            plan.state = .inProgress
            plan.cancel.formUnion([.ack, .firstAction, .forward])
            plan.arm[.conciliation] = c.receivedOn.adding(days: d.conciliationDays)
            if notifyAgency && c.respondentIsAgency {
                plan.arm[.agencyResponse] = calendar.adding(workingDays: d.partyGraceWorkingDays, to: today)
            }
            plan.rule = "CMP-4"

        case .forward(let to):
            guard open, to > c.level, to != .l3 else { return refuse(to <= c.level ? "not_a_higher_level" : "use_refer_for_L3") }
            escalate(to: to, rule: "CMP-2", cause: "forwarded")
            plan.rule = "CMP-2"

        case .agencyResponded:
            guard open else { return refuse() }
            plan.cancel.insert(.agencyResponse)
            plan.rule = "CMP-6"

        case .scheduleConciliation(let on):
            guard [.inProgress, .conciliationScheduled].contains(c.state) else { return refuse() }
            plan.state = .conciliationScheduled
            plan.cancel.insert(.conciliation)
            plan.rule = "CMP-6"
            if on > c.receivedOn.adding(days: d.conciliationDays) { plan.overdue = .conciliation }

        case .conciliationFailed:
            guard [.inProgress, .conciliationScheduled].contains(c.state) else { return refuse() }
            plan.state = .conciliationFailed
            plan.cancel.formUnion([.settle, .conciliation, .agencyResponse])
            plan.arm[.courtWindow] = today.adding(days: d.courtWindowDays)
            plan.rule = "CMP-10"

        case .settled:
            guard [.inProgress, .conciliationScheduled, .conciliationFailed, .paymentDue, .paymentOverdue, .settled].contains(c.state)
            else { return refuse() }
            plan.rule = "CMP-8"
            plan.cancel.formUnion([.settle, .conciliation, .agencyResponse])
            if c.unpaidComplainants > 0 {
                if c.state != .paymentDue && c.state != .paymentOverdue {
                    plan.state = .paymentDue
                    plan.arm[.payment] = today.adding(days: d.paymentDays)
                }
            } else if c.openComplainants > 0 {
                plan.state = c.state == .conciliationFailed ? .conciliationFailed : .inProgress
            } else {
                plan.state = .settled
            }

        case .paid:
            guard [.paymentDue, .paymentOverdue, .settled, .inProgress, .conciliationScheduled, .conciliationFailed].contains(c.state)
            else { return refuse() }
            plan.rule = "CMP-9"
            if c.unpaidComplainants == 0, c.state == .paymentDue || c.state == .paymentOverdue {
                plan.cancel.insert(.payment)
                plan.state = c.openComplainants > 0 ? .inProgress : .paid
            }

        case .refer(let criminal):
            guard open else { return refuse() }
            if criminal {
                plan.criminalReferral = true
                plan.rule = "CMP-11"
            } else {
                plan.state = .referred
                plan.cancel.formUnion([.courtWindow, .settle, .conciliation])
                plan.rule = "CMP-10"
                if c.level < .l3 { escalate(to: .l3, rule: "CMP-10", cause: "referred") }
                plan.cancel.insert(.settle)
                plan.arm[.settle] = nil
            }

        case .withdraw:
            guard open else { return refuse() }
            plan.state = .withdrawn
            plan.cancelAll = true
            plan.rule = "CMP-1"

        case .reject:
            guard open else { return refuse() }
            plan.state = .rejected
            plan.cancelAll = true
            plan.rule = "CMP-2"

        case .close:
            guard open else { return refuse() }
            let closable: Set<ComplaintState> = [.settled, .paid, .referred, .conciliationFailed, .inProgress, .conciliationScheduled]
            guard closable.contains(c.state) else { return refuse() }
            if c.state != .referred && c.state != .conciliationFailed {
                guard c.openComplainants == 0 else { return refuse("complainants_open") }
            }
            guard c.unpaidComplainants == 0 else { return refuse("payments_outstanding") }
            plan.state = .closed
            plan.cancelAll = true
            plan.rule = "CMP-8"

        case .reopen:
            guard c.state.isTerminal else { return refuse() }
            plan.state = .inProgress
            armSettle(at: c.level, from: today)
            plan.rule = "CMP-11"

        case .step(_, let rule):
            guard open else { return refuse() }
            plan.rule = rule

        case .timer(let timer):
            plan.rule = timer.rule
            plan.skipped = true
            switch timer {
            case .ack:
                if c.state == .received { plan.overdue = .ack; plan.skipped = false }
            case .firstAction:
                if c.state.awaitsFirstAction {
                    plan.overdue = .firstAction
                    plan.skipped = false
                    if let next = c.level.next {
                        escalate(to: next, rule: "CMP-10", cause: "first_action_overdue")
                        if next != .l3 {
                            plan.arm[.firstAction] = calendar.due(after: d.firstActionDays, from: today, workingDays: d.firstActionInWorkingDays)
                        }
                    }
                }
            case .forward:
                if c.level == .l0, open {
                    plan.skipped = false
                    plan.overdue = .forward
                    escalate(to: .l1, rule: "CMP-2", cause: "not_forwarded")
                }
            case .conciliation:
                if c.state == .inProgress { plan.overdue = .conciliation; plan.skipped = false }
            case .settle:
                let unsettled: Set<ComplaintState> = [.received, .acknowledged, .inProgress, .conciliationScheduled]
                if unsettled.contains(c.state) {
                    plan.skipped = false
                    plan.overdue = .settle
                    if c.level == .l1 {
                        escalate(to: .l2, rule: "CMP-10", cause: "not_settled_at_L1")
                    } else if c.level == .l2 {
                        plan.state = .conciliationFailed
                        escalate(to: .l3, rule: "CMP-10", cause: "not_settled_at_L2")
                        plan.cancel.formUnion([.conciliation, .agencyResponse])
                        plan.arm[.courtWindow] = today.adding(days: d.courtWindowDays)
                    }
                }
            case .agencyResponse:
                if open, c.respondentIsAgency {
                    plan.skipped = false
                    plan.overdue = .agencyResponse
                    plan.sanction = SanctionProposal(rule: "PEN-7", cause: "respondent_silent")
                }
            case .payment:
                if c.state == .paymentDue {
                    plan.skipped = false
                    plan.state = .paymentOverdue
                    plan.overdue = .payment
                    if c.respondentIsAgency { plan.sanction = SanctionProposal(rule: "PEN-7", cause: "payment_overdue") }
                    if let next = c.level.next, next != .l3 { escalate(to: next, rule: "CMP-9", cause: "payment_overdue") }
                    plan.cancel.insert(.settle)
                    plan.arm[.settle] = nil
                }
            case .courtWindow:
                if c.state == .conciliationFailed { plan.overdue = .courtWindow; plan.skipped = false }
            }
        }
        // An armed timer is never also cancelled.
        plan.cancel.subtract(plan.arm.keys)
        return .success(plan)
    }
}
