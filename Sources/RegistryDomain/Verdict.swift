/// The one word a hotline operator reads out to a caller (issue: hotline verification).
public enum Verdict: String, CaseIterable, Hashable, Sendable {
    case mayRecruit = "MAY_RECRUIT"
    case notRegisteredInProvince = "NOT_REGISTERED_IN_PROVINCE"
    case notLicensedForDestination = "NOT_LICENSED_FOR_DESTINATION"
    case bannedDestination = "BANNED_DESTINATION"
    case recruitmentSuspended = "RECRUITMENT_SUSPENDED"
    case licenceSuspended = "LICENCE_SUSPENDED"
    case revoked = "REVOKED"
    case expired = "EXPIRED"
    case notLicensed = "NOT_LICENSED"
    case watchlisted = "WATCHLISTED"
    /// A licence number whose check digit is wrong: mistyped or invented.
    case invalidLicenceNumber = "INVALID_LICENCE_NUMBER"
    /// Nothing matched the name, number or ID card.
    case unknown = "UNKNOWN"

    /// The rule behind the verdict.
    public var rule: String {
        switch self {
        case .mayRecruit, .notLicensed, .unknown, .invalidLicenceNumber: return "SD-3"
        case .notRegisteredInProvince: return "PRA-10"
        case .notLicensedForDestination: return "PRA-15"
        case .bannedDestination: return "C-17"
        case .recruitmentSuspended: return "PEN-4"
        case .licenceSuspended: return "PEN-1"
        case .revoked: return "PEN-2"
        case .expired: return "PRA-13"
        case .watchlisted: return "SD-3"
        }
    }
}

/// The facts a verdict is drawn from, as the store found them at the asked moment.
public struct VerificationFacts: Hashable, Sendable {
    /// The state of the agency's licence that day; nil when it has none.
    public var licenceState: LicenceState?
    /// Destinations (and sectors) the licence covers (PRA-15).
    public var scope: Set<DestinationScope>
    /// Provinces where the agency is registered to recruit (PRA-10).
    public var registeredProvinces: Set<String>
    /// The caller's province, when asked ("may it recruit in my province?").
    public var province: String?
    /// The destination asked about, when asked ("for Thailand?").
    public var destination: DestinationScope?
    /// Sending bans recorded, in force or not (C-17); the verdict checks them against `on`.
    public var bans: [SendingBan]
    /// Whether the one asked about is on the public watch-list (SD-3).
    public var watchlisted: Bool
    /// The day the question is about (today, or an earlier day for "was it licensed then?").
    public var on: CivilDate

    public init(licenceState: LicenceState?, scope: Set<DestinationScope> = [], registeredProvinces: Set<String> = [],
                province: String? = nil, destination: DestinationScope? = nil, bans: [SendingBan] = [],
                watchlisted: Bool = false, on: CivilDate) {
        self.licenceState = licenceState
        self.scope = scope
        self.registeredProvinces = registeredProvinces
        self.province = province
        self.destination = destination
        self.bans = bans
        self.watchlisted = watchlisted
        self.on = on
    }

    /// The verdict, most serious first: watch-list, no licence, licence status, destination bans and
    /// scope (SD-3, PRA-15, C-17), then provincial registration (PRA-10).
    public var verdict: Verdict {
        if watchlisted { return .watchlisted }
        guard let state = licenceState else { return .notLicensed }
        switch state {
        case .revoked: return .revoked
        case .surrendered: return .notLicensed
        case .expired: return .expired
        case .suspended: return .licenceSuspended
        case .recruitmentSuspended: return .recruitmentSuspended
        case .active, .renewalDue, .lateRenewal: break
        }
        if let destination {
            if bans.contains(where: { $0.blocksNewRecruitment(for: destination, on: on) }) { return .bannedDestination }
            if !scope.contains(where: { $0.covers(destination) }) { return .notLicensedForDestination }
        }
        if let province, !registeredProvinces.contains(province) { return .notRegisteredInProvince }
        return .mayRecruit
    }
}

/// A destination country (ISO 3166 alpha-2) and optionally a sector; a scope without a sector covers all.
public struct DestinationScope: Hashable, Sendable, CustomStringConvertible {
    public var country: String
    public var sector: String?

    public init(country: String, sector: String? = nil) {
        self.country = country.uppercased()
        self.sector = sector?.lowercased()
    }

    /// Does this licence scope cover the asked destination?
    public func covers(_ asked: DestinationScope) -> Bool {
        country == asked.country && (sector == nil || asked.sector == nil || sector == asked.sector)
    }

    public var description: String { sector.map { "\(country)/\($0)" } ?? country }
}

/// A ban on sending workers to a destination (and sector), legal-rules §12.11 and case C-17.
///
/// From its start it blocks new recruitment and training; workers registered before
/// `grandfatherRegisteredBefore` may still depart (the 2011 Malaysia exemption).
public struct SendingBan: Hashable, Sendable {
    public var destination: DestinationScope
    public var from: CivilDate
    public var until: CivilDate?
    public var grandfatherRegisteredBefore: CivilDate?

    public init(destination: DestinationScope, from: CivilDate, until: CivilDate? = nil, grandfatherRegisteredBefore: CivilDate? = nil) {
        self.destination = destination
        self.from = from
        self.until = until
        self.grandfatherRegisteredBefore = grandfatherRegisteredBefore
    }

    /// Whether the ban runs on `day`: from its first day up to, not including, its end.
    public func inForce(on day: CivilDate) -> Bool {
        day >= from && (until.map { day < $0 } ?? true)
    }

    /// A ban on a country with no sector covers every sector; a sector ban only that sector.
    public func applies(to asked: DestinationScope) -> Bool {
        destination.country == asked.country && (destination.sector == nil || destination.sector == asked.sector)
    }

    /// Whether new recruitment for `asked` is barred on `day` (in force and covering that destination).
    public func blocksNewRecruitment(for asked: DestinationScope, on day: CivilDate) -> Bool {
        inForce(on: day) && applies(to: asked)
    }

    /// May a worker registered on `registeredOn` depart on `day`? Grandfathered recruits may (C-17).
    public func allowsDeparture(for asked: DestinationScope, registeredOn: CivilDate, on day: CivilDate) -> Bool {
        guard blocksNewRecruitment(for: asked, on: day) else { return true }
        guard let cutoff = grandfatherRegisteredBefore else { return false }
        return registeredOn < cutoff
    }
}
