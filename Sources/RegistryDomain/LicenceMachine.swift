/// The licence state machine (legal-rules §12.2): a pure function from (state, event) to the next state
/// and the timers to arm or cancel. The store records each transition with its rule ID; the timer
/// service feeds timer events back in.
///
/// ```
/// issue ──► ACTIVE ──(expiry − renewal_window_opens_days)──► RENEWAL_DUE
///           RENEWAL_DUE ──(expiry − renewal_deadline_days_before_expiry)──► LATE_RENEWAL
///           ACTIVE|RENEWAL_DUE|LATE_RENEWAL ──renew──► ACTIVE (new expiry)
///           any non-terminal ──(expiry + grace)──► EXPIRED
///           ACTIVE ──suspend recruitment (fixed days)──► RECRUITMENT_SUSPENDED ──(end)──► ACTIVE
///           ACTIVE ──suspend until compliant──► SUSPENDED ──reinstate──► ACTIVE
///           ACTIVE|SUSPENDED|RECRUITMENT_SUSPENDED ──revoke──► REVOKED (terminal)
///           ACTIVE ──surrender──► SURRENDERED (terminal)
/// ```
public enum LicenceMachine {
    /// What happens to a licence.
    public enum Event: Hashable, Sendable {
        case renewalWindowOpens
        case renewalDeadlinePassed
        case expire
        case renew(newExpiry: CivilDate)
        case suspendRecruitment(until: CivilDate)
        case liftRecruitmentSuspension
        case suspend
        case reinstate
        case revoke
        case surrender

        /// Stable name for event records and audit.
        public var name: String {
            switch self {
            case .renewalWindowOpens: return "renewal_window_opens"
            case .renewalDeadlinePassed: return "renewal_deadline_passed"
            case .expire: return "expire"
            case .renew: return "renew"
            case .suspendRecruitment: return "suspend_recruitment"
            case .liftRecruitmentSuspension: return "lift_recruitment_suspension"
            case .suspend: return "suspend"
            case .reinstate: return "reinstate"
            case .revoke: return "revoke"
            case .surrender: return "surrender"
            }
        }

        /// The rule the transition enforces.
        public var rule: String {
            switch self {
            case .renewalWindowOpens, .renewalDeadlinePassed, .expire, .renew: return "PRA-13"
            case .suspendRecruitment, .liftRecruitmentSuspension: return "PEN-4"
            case .suspend, .reinstate: return "PEN-1"
            case .revoke: return "PEN-2"
            case .surrender: return "PRA-1"
            }
        }
    }

    /// Durable timers a licence uses.
    public enum TimerKind: String, CaseIterable, Hashable, Sendable {
        case renewalWindow = "licence.renewal_window"
        case lateRenewal = "licence.late_renewal"
        case expiry = "licence.expiry"
        case suspensionEnd = "licence.suspension_end"
        case depositTopup = "deposit.topup_deadline"

        public var event: Event? {
            switch self {
            case .renewalWindow: return .renewalWindowOpens
            case .lateRenewal: return .renewalDeadlinePassed
            case .expiry: return .expire
            case .suspensionEnd: return .liftRecruitmentSuspension
            case .depositTopup: return .suspend
            }
        }
    }

    /// Timer plan: what to arm (with its due date) and what to cancel.
    public struct Plan: Hashable, Sendable {
        public var arm: [(TimerKind, CivilDate)] = []
        public var cancel: [TimerKind] = []

        public static func == (a: Plan, b: Plan) -> Bool {
            a.cancel == b.cancel && a.arm.map { "\($0.0.rawValue)@\($0.1)" } == b.arm.map { "\($0.0.rawValue)@\($0.1)" }
        }
        public func hash(into h: inout Hasher) { h.combine(cancel); for (k, d) in arm { h.combine(k); h.combine(d) } }
    }

    /// The parameters that place the timers, read from the rulebook by the caller.
    public struct Durations: Hashable, Sendable {
        /// Days before expiry when renewal opens (`licence.renewal_window_opens_days`, PRA-13).
        public var renewalWindowOpensDays: Int
        /// Days before expiry after which a renewal is late (`licence.renewal_deadline_days_before_expiry`, PRA-13).
        public var renewalDeadlineDaysBeforeExpiry: Int
        /// Days after the last valid day before the licence expires (`licence.grace_after_expiry_days`, PRA-13).
        public var graceAfterExpiryDays: Int

        /// The licence lifecycle durations of `rulebook` (licence.* keys), required by its schema.
        public init(rulebook: Rulebook) {
            renewalWindowOpensDays = rulebook.integer("licence.renewal_window_opens_days") ?? 0
            renewalDeadlineDaysBeforeExpiry = rulebook.integer("licence.renewal_deadline_days_before_expiry") ?? 0
            graceAfterExpiryDays = rulebook.integer("licence.grace_after_expiry_days") ?? 0
        }
    }

    /// Timers for a licence valid through `expiry`: due at the start of the named day.
    public static func lifecycleTimers(expiry: CivilDate, _ d: Durations) -> [(TimerKind, CivilDate)] {
        [(.renewalWindow, expiry.adding(days: -d.renewalWindowOpensDays)),
         (.lateRenewal, expiry.adding(days: -d.renewalDeadlineDaysBeforeExpiry)),
         (.expiry, expiry.adding(days: 1 + d.graceAfterExpiryDays))]
    }

    /// The state an active licence is in on `today`, given its expiry: after a suspension ends the
    /// renewal phase may already have begun.
    public static func activePhase(today: CivilDate, expiry: CivilDate, _ d: Durations) -> LicenceState {
        if today >= expiry.adding(days: -d.renewalDeadlineDaysBeforeExpiry) { return .lateRenewal }
        if today >= expiry.adding(days: -d.renewalWindowOpensDays) { return .renewalDue }
        return .active
    }

    /// Refusal of an event in a state, with the rule that forbids it.
    public struct Refusal: Error, Hashable, Sendable {
        public var state: LicenceState
        public var event: String
        public var rule: String
    }

    /// The next state and the timer plan, or a refusal.
    public static func apply(_ event: Event, to state: LicenceState, durations: Durations) -> Result<(LicenceState, Plan), Refusal> {
        func refuse() -> Result<(LicenceState, Plan), Refusal> { .failure(Refusal(state: state, event: event.name, rule: event.rule)) }
        switch (state, event) {
        case (.active, .renewalWindowOpens):
            return .success((.renewalDue, Plan()))
        case (.active, .renewalDeadlinePassed), (.renewalDue, .renewalDeadlinePassed):
            return .success((.lateRenewal, Plan()))
        case (.revoked, .expire), (.surrendered, .expire), (.expired, .expire):
            return refuse()
        case (_, .expire):
            return .success((.expired, Plan(cancel: [.suspensionEnd, .depositTopup])))
        case (.active, .renew(let expiry)), (.renewalDue, .renew(let expiry)), (.lateRenewal, .renew(let expiry)):
            return .success((.active, Plan(arm: lifecycleTimers(expiry: expiry, durations), cancel: [.renewalWindow, .lateRenewal, .expiry])))
        case (.active, .suspendRecruitment(let until)), (.renewalDue, .suspendRecruitment(let until)), (.lateRenewal, .suspendRecruitment(let until)):
            return .success((.recruitmentSuspended, Plan(arm: [(.suspensionEnd, until)])))
        case (.recruitmentSuspended, .liftRecruitmentSuspension):
            return .success((.active, Plan()))
        case (.active, .suspend), (.renewalDue, .suspend), (.lateRenewal, .suspend), (.recruitmentSuspended, .suspend):
            return .success((.suspended, Plan(cancel: [.suspensionEnd])))
        case (.suspended, .reinstate):
            return .success((.active, Plan(cancel: [.depositTopup])))
        case (.active, .revoke), (.renewalDue, .revoke), (.lateRenewal, .revoke), (.suspended, .revoke), (.recruitmentSuspended, .revoke):
            return .success((.revoked, Plan(cancel: TimerKind.allCases)))
        case (.active, .surrender), (.renewalDue, .surrender), (.lateRenewal, .surrender):
            return .success((.surrendered, Plan(cancel: TimerKind.allCases)))
        default:
            return refuse()
        }
    }
}
