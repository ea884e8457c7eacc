import Foundation
@testable import RegistryDomain
import Testing

/// The complaint case machine of §12.6, event by event, each rule named (CMP-2 … CMP-11, PEN-7).
@Suite struct ComplaintMachineTests {
    static func deadlines() throws -> ComplaintMachine.Deadlines {
        let text = try String(contentsOf: RulebookTests.root.appendingPathComponent("Config/rulebook.conf"), encoding: .utf8)
        return ComplaintMachine.Deadlines(rulebook: try Rulebook.parse(text))
    }

    static let monday = CivilDate(year: 2026, month: 11, day: 30)!

    static func newCase(_ level: ComplaintLevel = .l0, agency: Bool = true, open: Int = 1, unpaid: Int = 0,
                        state: ComplaintState = .received) -> ComplaintMachine.Case {
        ComplaintMachine.Case(state: state, level: level, receivedOn: monday, respondentIsAgency: agency,
                              openComplainants: open, unpaidComplainants: unpaid)
    }

    static func plan(_ e: ComplaintMachine.Event, _ c: ComplaintMachine.Case, today: CivilDate = monday) throws -> ComplaintMachine.Plan {
        try ComplaintMachine.apply(e, to: c, today: today, try deadlines(), calendar: try WorkingCalendarTests.shipped()).get()
    }

    @Test func filingArmsTheDeadlinesFromTheRulebook() throws {
        // CMP-5 two working days, CMP-2 three working days, CMP-4 ten calendar days (day_basis=calendar).
        let p = try Self.plan(.file, Self.newCase(.l0))
        #expect(p.arm[.ack] == CivilDate(year: 2026, month: 12, day: 2))
        #expect(p.arm[.forward] == CivilDate(year: 2026, month: 12, day: 3))
        #expect(p.arm[.firstAction] == CivilDate(year: 2026, month: 12, day: 10))
        #expect(p.arm[.settle] == nil)
        // CMP-10: at L1 the settlement deadline runs from receipt; no forwarding from a province.
        let l1 = try Self.plan(.file, Self.newCase(.l1))
        #expect(l1.arm[.settle] == CivilDate(year: 2026, month: 12, day: 30) && l1.arm[.forward] == nil)
    }

    @Test func firstActionStopsTheIntakeClocksAndStartsTheAgencys() throws {
        let p = try Self.plan(.act(notifyAgency: true), Self.newCase())
        #expect(p.state == .inProgress && p.rule == "CMP-4")
        #expect(p.cancel.isSuperset(of: [.ack, .firstAction, .forward]))
        #expect(p.arm[.agencyResponse] == CivilDate(year: 2026, month: 12, day: 3))  // 3 working days (CMP-6)
        #expect(p.arm[.conciliation] == CivilDate(year: 2026, month: 12, day: 21))  // 21 days from receipt
        // An unknown respondent has no response deadline.
        #expect(try Self.plan(.act(notifyAgency: true), Self.newCase(agency: false)).arm[.agencyResponse] == nil)
        // Only once.
        #expect(throws: ComplaintMachine.Refusal.self) { try Self.plan(.act(notifyAgency: true), Self.newCase(state: .inProgress)) }
    }

    @Test func missedDeadlinesEscalateOneLevelEach() throws {
        // CMP-2: an intake point that does not forward is escalated to L1.
        let forward = try Self.plan(.timer(.forward), Self.newCase(.l0))
        #expect(forward.escalation == .init(from: .l0, to: .l1, rule: "CMP-2", cause: "not_forwarded") && forward.level == .l1)
        // CMP-4 + CMP-10: no first action → next level, with a fresh first-action deadline there.
        let late = CivilDate(year: 2026, month: 12, day: 11)!
        let first = try Self.plan(.timer(.firstAction), Self.newCase(.l1), today: late)
        #expect(first.level == .l2 && first.overdue == .firstAction && first.arm[.firstAction] == late.adding(days: 10))
        // At L2 the next miss goes outside (L3) and no first-action deadline is left.
        let external = try Self.plan(.timer(.firstAction), Self.newCase(.l2), today: late)
        #expect(external.level == .l3 && external.arm[.firstAction] == nil)
        // At L3 nothing is above.
        #expect(try Self.plan(.timer(.firstAction), Self.newCase(.l3)).escalation == nil)
        // A timer that finds the case already past its point does nothing.
        #expect(try Self.plan(.timer(.firstAction), Self.newCase(state: .inProgress)).skipped)
    }

    @Test func settlementDeadlinesAtL1AndL2() throws {
        // CMP-10: not settled at L1 → L2; not settled at L2 → conciliation failed, L3, court window (60 days).
        let l1 = try Self.plan(.timer(.settle), Self.newCase(.l1, state: .inProgress))
        #expect(l1.level == .l2 && l1.arm[.settle] == Self.monday.adding(days: 30))
        let l2 = try Self.plan(.timer(.settle), Self.newCase(.l2, state: .conciliationScheduled))
        #expect(l2.state == .conciliationFailed && l2.level == .l3 && l2.arm[.courtWindow] == Self.monday.adding(days: 60))
        #expect(try Self.plan(.timer(.settle), Self.newCase(.l1, state: .paymentDue)).skipped)
    }

    @Test func perComplainantOutcomesDriveTheCase() throws {
        // CMP-8/CMP-9 (C-11): money owed → PAYMENT_DUE with the payment deadline.
        let due = try Self.plan(.settled, Self.newCase(.l2, open: 25, unpaid: 35, state: .inProgress))
        #expect(due.state == .paymentDue && due.arm[.payment] == Self.monday.adding(days: 30))
        // Paid, refusers remain: back to IN_PROGRESS, the case stays open for them.
        let paid = try Self.plan(.paid, Self.newCase(.l2, open: 25, unpaid: 0, state: .paymentDue))
        #expect(paid.state == .inProgress && paid.cancel.contains(.payment))
        // Nobody open, nothing owed: SETTLED, then CLOSED.
        #expect(try Self.plan(.settled, Self.newCase(open: 0, unpaid: 0, state: .inProgress)).state == .settled)
        #expect(try Self.plan(.close, Self.newCase(open: 0, state: .settled)).state == .closed)
        let refusal = ComplaintMachine.apply(.close, to: Self.newCase(open: 25, state: .inProgress), today: Self.monday,
                                             try Self.deadlines(), calendar: try WorkingCalendarTests.shipped())
        #expect(refusal == .failure(.init(state: .inProgress, event: "close", reason: "complainants_open")))
    }

    @Test func silenceAndLatePaymentProposeSanctions() throws {
        // PEN-7: the agency ignores the notice.
        let silent = try Self.plan(.timer(.agencyResponse), Self.newCase(state: .inProgress))
        #expect(silent.sanction == .init(rule: "PEN-7", cause: "respondent_silent") && silent.state == .inProgress)
        // CMP-9: payment overdue → PAYMENT_OVERDUE, escalation and a proposal.
        let overdue = try Self.plan(.timer(.payment), Self.newCase(.l1, unpaid: 3, state: .paymentDue))
        #expect(overdue.state == .paymentOverdue && overdue.level == .l2 && overdue.sanction?.cause == "payment_overdue")
        // An unlicensed respondent gets no proposal (no agency to sanction).
        #expect(try Self.plan(.timer(.payment), Self.newCase(.l1, agency: false, unpaid: 3, state: .paymentDue)).sanction == nil)
    }

    @Test func parallelReferralWithdrawalRejectionReopen() throws {
        // CMP-11: a criminal referral does not change the administrative case.
        let criminal = try Self.plan(.refer(criminal: true), Self.newCase(state: .inProgress))
        #expect(criminal.state == .inProgress && criminal.criminalReferral)
        let court = try Self.plan(.refer(criminal: false), Self.newCase(.l2, state: .conciliationFailed))
        #expect(court.state == .referred && court.level == .l3)
        #expect(try Self.plan(.withdraw, Self.newCase()).cancelAll)
        #expect(try Self.plan(.reject, Self.newCase()).state == .rejected)
        #expect(try Self.plan(.reopen, Self.newCase(.l1, state: .closed)).state == .inProgress)
        #expect(throws: ComplaintMachine.Refusal.self) { try Self.plan(.withdraw, Self.newCase(state: .closed)) }
    }

    @Test func trackingReferencesAreWellFormedAndUnguessable() {
        var rng = SplitMix64(seed: 4)
        var seen: Set<String> = []
        for _ in 0..<5_000 {
            let r = TrackingReference.make(using: &rng)
            #expect(TrackingReference.isWellFormed(r))
            seen.insert(r)
        }
        #expect(seen.count == 5_000)
        #expect(!TrackingReference.isWellFormed("R-0000-0000-000I") && !TrackingReference.isWellFormed("CMP-2026-000001"))
    }
}
