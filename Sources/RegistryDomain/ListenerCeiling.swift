/// The most a listener (socket) lets any caller do, whatever their roles (design-anchors §2.4.2).
public enum ListenerCeiling: String, CaseIterable, Hashable, Sendable {
    /// Everything.
    case admin
    /// All domain capabilities; no account or server administration, no timer control.
    case staff
    /// Reads only: lookups, status by reference, rules.
    case readonly

    public var capabilities: Set<Capability> {
        switch self {
        case .admin:
            return Set(Capability.allCases)
        case .staff:
            return Set(Capability.allCases).subtracting([.staffAdmin, .systemStatus, .timerControl])
        case .readonly:
            return [.ruleRead, .calendarRead, .verify, .agencyRead, .complaintRead, .timerRead, .auditRead]
        }
    }
}
