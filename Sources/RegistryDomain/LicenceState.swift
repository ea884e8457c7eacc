/// States of a recruitment-agency licence (legal-rules §12.2).
public enum LicenceState: String, CaseIterable, Hashable, Sendable {
    case active = "ACTIVE"
    case renewalDue = "RENEWAL_DUE"
    case lateRenewal = "LATE_RENEWAL"
    case recruitmentSuspended = "RECRUITMENT_SUSPENDED"
    case suspended = "SUSPENDED"
    case expired = "EXPIRED"
    case revoked = "REVOKED"
    case surrendered = "SURRENDERED"

    /// May the agency recruit (register workers, take fees, accept job orders)? RENEWAL_DUE and
    /// LATE_RENEWAL count as ACTIVE until expiry (§12.2 invariant).
    public var mayRecruit: Bool { self == .active || self == .renewalDue || self == .lateRenewal }

    /// REVOKED and SURRENDERED never change again; EXPIRED only through a new licence.
    public var isTerminal: Bool { self == .revoked || self == .surrendered || self == .expired }
}
