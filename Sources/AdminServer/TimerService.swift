import AdminProtocol
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
    private let counter: VerifyCounter
    private let interval: Duration
    private let logger: Logger
    private let kicked = NIOLockedValueBox(false)
    private let index: VerifyIndex?

    public init(store: Store, rulebook: Rulebook, counter: VerifyCounter, interval: Duration, logger: Logger, index: VerifyIndex? = nil) {
        self.index = index
        self.store = store
        self.rulebook = rulebook
        self.counter = counter
        self.interval = interval
        self.logger = logger
    }

    /// Runs a round now instead of at the next tick (after the test clock moved).
    public func kick() {
        kicked.withLockedValue { $0 = true }
    }

    public func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await fireDue()
                try await flushCounts()
            } catch {
                logger.warning("timer round failed; retrying", metadata: ["error": "\(StoreError.from(error))"])
            }
            // Sleep in short steps so that a kick (the test clock moved) starts the next round at once.
            let deadline = ContinuousClock.now + interval
            while ContinuousClock.now < deadline, !Task.isShuttingDownGracefully, !kicked.withLockedValue({ k in defer { k = false }; return k }) {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(20)) }
                if Task.isCancelled { return }
            }
        }
    }

    /// Fires every due timer, one transaction each.
    func fireDue() async throws {
        let durations = LicenceMachine.Durations(rulebook: rulebook)
        while !Task.isCancelled {
            let fired = try await store.transaction(.system) { tx -> String? in
                guard let timer = try await tx.claimDueTimers(limit: 1).first else { return nil }
                let outcome = try await Self.effect(of: timer, tx: tx, durations: durations, rulebook: self.rulebook)
                try await tx.markFired(timer, outcome: outcome)
                try await tx.audit(AuditEntry(command: "timer.fire", arguments: "\(timer.kind) \(timer.subject) due=\(timer.dueAt)",
                                              code: 200, status: "OK", detail: "\(timer.rule) \(outcome)"))
                let agency = try await tx.licence(number: timer.subject)?.agencyID
                let change = agency.map { "agency:\($0)" } ?? "all"
                try await tx.notifyChange(change)
                return change
            }
            guard let change = fired else { return }
            try? await index?.apply(change, from: store)
        }
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
