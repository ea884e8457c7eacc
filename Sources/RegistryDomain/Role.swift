/// A staff role and the capabilities it grants.
///
/// Admin is deliberately not a domain superuser (separation of duties): it manages accounts and the
/// server, but neither licensing decisions nor victims' identities.
public enum Role: String, CaseIterable, Hashable, Sendable {
    case licensingOfficer = "licensing_officer"
    case inspector
    case communeChief = "commune_chief"
    case hotlineOperator = "hotline_operator"
    case auditor
    case admin

    /// Capabilities granted by this role.
    public var capabilities: Set<Capability> {
        let publicFacts: Set<Capability> = [.ruleRead, .calendarRead, .verify]
        switch self {
        case .licensingOfficer:
            return publicFacts.union([.agencyRead, .agencyWrite, .licenceDecide, .complaintRead])
        case .inspector:
            return publicFacts.union([.agencyRead, .inspectionWrite, .complaintFile, .complaintRead, .complaintHandle,
                                      .victimRead, .timerRead])
        case .communeChief:
            return publicFacts.union([.agencyRead, .complaintFile, .complaintRead, .complaintHandle, .victimRead, .timerRead])
        case .hotlineOperator:
            // Takes complaints by phone and answers callers holding a tracking reference
            // (`complaint.status`); no case files, no victim data (need to know).
            return publicFacts.union([.complaintFile])
        case .auditor:
            return publicFacts.union([.auditRead, .agencyRead, .complaintRead])
        case .admin:
            return publicFacts.union([.staffAdmin, .systemStatus, .auditRead, .timerRead, .timerControl])
        }
    }

    /// Union of the capabilities of `roles`.
    public static func capabilities(of roles: [Role]) -> Set<Capability> {
        roles.reduce(into: Set<Capability>()) { $0.formUnion($1.capabilities) }
    }
}
