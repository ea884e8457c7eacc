/// The state of a complaint case (legal-rules §12.6). Criminal referral (CMP-11) is not a state: it runs
/// in parallel and is recorded as a flag; pauses are a flag too.
public enum ComplaintState: String, CaseIterable, Hashable, Sendable {
    case received = "RECEIVED"
    case acknowledged = "ACKNOWLEDGED"
    case inProgress = "IN_PROGRESS"
    case conciliationScheduled = "CONCILIATION_SCHEDULED"
    case conciliationFailed = "CONCILIATION_FAILED"
    case settled = "SETTLED"
    case paymentDue = "PAYMENT_DUE"
    case paymentOverdue = "PAYMENT_OVERDUE"
    case paid = "PAID"
    case referred = "REFERRED"
    case withdrawn = "WITHDRAWN"
    case rejected = "REJECTED"
    case closed = "CLOSED"

    /// States that end the case until it is reopened.
    public var isTerminal: Bool { self == .withdrawn || self == .rejected || self == .closed }

    /// Before the first action (CMP-4) has been taken.
    public var awaitsFirstAction: Bool { self == .received || self == .acknowledged }
}

/// Escalation levels (CMP-10): L0 community, L1 sub-national, L2 national, L3 external (police,
/// prosecutor, court).
public enum ComplaintLevel: String, CaseIterable, Comparable, Hashable, Sendable {
    case l0 = "L0"
    case l1 = "L1"
    case l2 = "L2"
    case l3 = "L3"

    /// The level above, or nil at L3.
    public var next: ComplaintLevel? {
        switch self {
        case .l0: return .l1
        case .l1: return .l2
        case .l2: return .l3
        case .l3: return nil
        }
    }

    public static func < (a: ComplaintLevel, b: ComplaintLevel) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Per-complainant outcome (CMP-8, case C-11): one case, many complainants, each with their own result.
public enum ComplainantOutcome: String, CaseIterable, Hashable, Sendable {
    case pending
    /// Full refund or compensation agreed.
    case full
    /// Partial amount agreed, possibly in instalments.
    case partial
    case documentsReturned = "documents_returned"
    /// Refused the offer: the claim stays open.
    case refused
    case withdrawn
    case noAction = "no_action"

    /// The complainant's claim is still open.
    public var isOpen: Bool { self == .pending || self == .refused }
    /// Money is owed under the settlement.
    public var owesMoney: Bool { self == .full || self == .partial }
}

/// What the complaint is about (legal-rules §5, §10).
public enum ComplaintCategory: String, CaseIterable, Hashable, Sendable {
    case deploymentDelay = "deployment_delay"
    case feeOvercharge = "fee_overcharge"
    /// Pre-payment before a job order (FEE-5).
    case prepayment
    case documentRetention = "document_retention"
    case contractBreach = "contract_breach"
    case abuse
    case abandonment
    case confinement
    case death
    case other
}

/// How the complaint reached the system (CMP-2, CMP-3, C-6).
public enum ComplaintChannel: String, CaseIterable, Hashable, Sendable {
    case written
    case walkIn = "walk_in"
    case hotline
    case letter
    case ngo
    case embassy
    case outreach
}
