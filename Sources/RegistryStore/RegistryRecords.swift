import RegistryDomain

/// An agency as the registry holds it.
public struct AgencyRecord: Sendable, Hashable {
    public var id: String
    public var nameEN: String
    public var nameKM: String
    public var registrationNo: String?
    public var address: String
    public var province: String?
    public var phone: String
    public var association: String
}

/// A licence's current row.
public struct LicenceRecord: Sendable, Hashable {
    public var number: String
    public var agencyID: String
    public var state: LicenceState
    public var issuedOn: CivilDate
    public var expiresOn: CivilDate
    public var suspendedUntil: CivilDate?
    public var stateSince: String
}

/// One recorded licence transition.
public struct LicenceEventRecord: Sendable, Hashable {
    public var at: String
    public var event: String
    public var stateBefore: String?
    public var stateAfter: String
    public var rule: String
    public var until: String?
    public var reason: String
    public var actor: String
}

/// A due timer claimed for firing.
public struct DueTimer: Sendable, Hashable {
    public var id: Int64
    public var kind: String
    public var subject: String
    public var dueAt: String
    public var rule: String
}

/// A candidate agency for a name lookup.
public struct AgencyCandidate: Sendable, Hashable {
    public var id: String
    public var nameEN: String
    public var nameKM: String
    public var score: Double
    public var exact: Bool
}
