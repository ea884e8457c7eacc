import AdminProtocol
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import NIOConcurrencyHelpers
import RegistryDomain
import RegistryStore
import ServiceLifecycle

/// Fires due timers: each in its own transaction with its effect and its audit entry, claimed with
/// `FOR UPDATE SKIP LOCKED` so that several daemons share the work and each timer fires once. Uses the
/// registry clock (database time plus the test offset). Also writes the hotline lookup counters.
public final class TimerService: Service, Sendable {
    private let store: Store
    private let rulebook: Rulebook
    private let calendar: WorkingCalendar
    private let counter: VerifyCounter
    private let interval: Duration
    private let logger: Logger
    private let wakeup = Wakeup()
    private let index: VerifyIndex?

    /// Test failpoint (see `afterClaimMarker(_:)`): the file to create after the first claim, and whether
    /// it was.
    private let afterClaimMarker: String?
    private let markerWritten = NIOLockedValueBox(false)

    public init(store: Store, rulebook: Rulebook, calendar: WorkingCalendar, counter: VerifyCounter, interval: Duration, logger: Logger,
                index: VerifyIndex? = nil, afterClaimMarker: String? = nil) {
        self.afterClaimMarker = afterClaimMarker
        self.index = index
        self.calendar = calendar
        self.store = store
        self.rulebook = rulebook
        self.counter = counter
        self.interval = interval
        self.logger = logger
    }

    /// Runs a round now instead of at the next tick (after the test clock moved).
    public func kick() {
        wakeup.signal()
    }

    public func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                // One claim first: most rounds find nothing due, and that answer costs one query, not
                // one per worker. When something was due, a few workers, each claiming one timer per
                // transaction with SKIP LOCKED: a burst of due timers (after downtime) drains in
                // parallel without any timer firing twice.
                if try await fireDue(atMost: 1) > 0 {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for _ in 0..<Self.workers { group.addTask { _ = try await self.fireDue() } }
                        try await group.waitForAll()
                    }
                }
                try await flushCounts()
                // Audit entries are chained moments after commit (sql/0004): one sealing per round.
                _ = try await store.transaction(.system) { tx in try await tx.sealAudit() }
            } catch {
                logger.warning("timer round failed; retrying", metadata: ["error": "\(StoreError.from(error))"])
            }
            // Until the next tick, or at once on a kick (the test clock moved).
            await cancelWhenGracefulShutdown { [wakeup, interval] in await wakeup.wait(for: interval) }
        }
    }

    /// The marker path of a `timer.after_claim=<path>` failpoint, nil for any other value.
    public static func afterClaimMarker(_ failpoint: String?) -> String? {
        guard let failpoint, failpoint.hasPrefix("timer.after_claim=") else { return nil }
        let path = String(failpoint.dropFirst("timer.after_claim=".count))
        return path.isEmpty ? nil : path
    }

    /// The failpoint: the first claim announces itself and waits inside its transaction.
    private func pauseAfterFirstClaim() async throws {
        guard let afterClaimMarker, markerWritten.withLockedValue({ written in defer { written = true }; return !written }) else { return }
        _ = FileManager.default.createFile(atPath: afterClaimMarker, contents: Data())
        try await Task.sleep(for: .seconds(2))
    }

    static let workers = 4
    /// Which daemon fired a timer (recorded in the timer's outcome; host and process id).
    static let instance: String = {
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count)
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(host):\(getpid())"
    }()

    /// Fires due timers, one transaction each, until none is due or `atMost` have fired; returns how
    /// many fired.
    func fireDue(atMost: Int = .max) async throws -> Int {
        let durations = LicenceMachine.Durations(rulebook: rulebook)
        let deadlines = ComplaintMachine.Deadlines(rulebook: rulebook)
        var count = 0
        while !Task.isCancelled, count < atMost {
            let fired = try await store.transaction(.system) { tx -> String? in
                guard let timer = try await tx.claimDueTimers(limit: 1).first else { return nil }
                try await self.pauseAfterFirstClaim()
                let complaint = timer.kind.hasPrefix("complaint.")
                let outcome = complaint
                    ? try await Self.complaintEffect(of: timer, tx: tx, deadlines: deadlines, calendar: self.calendar)
                    : try await Self.effect(of: timer, tx: tx, durations: durations, rulebook: self.rulebook)
                try await tx.markFired(timer, outcome: outcome + " by=" + Self.instance)
                try await tx.audit(AuditEntry(command: "timer.fire", arguments: "\(timer.kind) \(timer.subject) due=\(timer.dueAt)",
                                              code: 200, status: "OK", detail: "\(timer.rule) \(outcome)"))
                // Licence timers change what the hotline answers; complaint timers do not.
                guard !complaint else { return "" }
                let agency = try await tx.licence(number: timer.subject)?.agencyID
                let change = agency.map { "agency:\($0)" } ?? "all"
                try await tx.notifyChange(change)
                return change
            }
            guard let change = fired else { return count }
            count += 1
            if !change.isEmpty { try? await index?.apply(change, from: store) }
        }
        return count
    }

    /// The effect of a timer, in the claiming transaction.
    static func effect(of timer: DueTimer, tx: Transaction, durations: LicenceMachine.Durations, rulebook: Rulebook) async throws -> String {
        guard let kind = LicenceMachine.TimerKind(rawValue: timer.kind), let event = kind.event else { return "unknown_kind" }
        if kind == .depositTopup {
            guard let licence = try await tx.licence(number: timer.subject) else { return "no_licence" }
            let required = Decimal(rulebook.integer("deposit.required_usd") ?? 0)
            if try await tx.depositBalance(agencyID: licence.agencyID) >= required { return "topped_up" }
        }
        let reason = kind == .depositTopup ? "deposit below the required amount after the top-up deadline" : "timer \(timer.kind)"
        switch try await tx.applyLicenceEvent(event, to: timer.subject, durations: durations, reason: reason) {
        case .success(let licence): return "state=\(licence.state.rawValue)"
        case .failure(let refusal): return "skipped state=\(refusal.state.rawValue)"
        }
    }

    /// A complaint deadline passed: the machine decides (escalate, flag overdue, propose a sanction),
    /// in the claiming transaction. The unique (case, level) index makes a second escalation impossible.
    static func complaintEffect(of timer: DueTimer, tx: Transaction, deadlines: ComplaintMachine.Deadlines,
                                calendar: WorkingCalendar) async throws -> String {
        guard let kind = ComplaintMachine.Timer(rawValue: timer.kind) else { return "unknown_kind" }
        guard let c = try await tx.complaint(timer.subject, lock: true) else { return "no_case" }
        let today = try await tx.today()
        switch ComplaintMachine.apply(.timer(kind), to: c.machineCase, today: today, deadlines, calendar: calendar) {
        case .failure(let refusal):
            return "skipped state=\(refusal.state.rawValue)"
        case .success(let plan):
            if plan.skipped { return "skipped state=\(c.state.rawValue)" }
            try await tx.applyComplaintPlan(plan, to: c, event: "timer:" + kind.shortName, detail: "due=\(timer.dueAt)")
            var outcome = "state=\(plan.state.rawValue) level=\(plan.level.rawValue)"
            if let e = plan.escalation { outcome += " escalated=\(e.from.rawValue)->\(e.to.rawValue)" }
            if let s = plan.sanction { outcome += " sanction=\(s.cause)" }
            return outcome
        }
    }

    private func flushCounts() async throws {
        let pending = counter.drain()
        guard !pending.isEmpty else { return }
        do {
            try await store.transaction(.system) { tx in
                try await tx.countVerifications(pending, day: try await tx.today())
            }
        } catch {
            counter.restore(pending)
            throw error
        }
    }
}
