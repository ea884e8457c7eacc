import RegistryDomain

/// One complainant of a filing: case data only. `identity` is the victim data kept apart.
public struct ComplainantInput: Sendable, Hashable {
    public var sex: String
    public var ageBand: String
    public var homeCommune: String?
    public var paidUSD: String
    public var claimedUSD: String
    /// Documents the respondent holds for this complainant (`id_card`, `birth_certificate`…).
    public var documentsHeld: [String]
    public var identity: Identity?

    /// Who the complainant is: readable only through `victim.read`.
    public struct Identity: Sendable, Hashable {
        public var fullName: String
        public var idCard: String
        public var phone: String
        public var address: String

        public init(fullName: String, idCard: String, phone: String, address: String) {
            self.fullName = fullName
            self.idCard = idCard
            self.phone = phone
            self.address = address
        }
    }

    public init(sex: String, ageBand: String, homeCommune: String?, paidUSD: String, claimedUSD: String,
                documentsHeld: [String], identity: Identity?) {
        self.sex = sex
        self.ageBand = ageBand
        self.homeCommune = homeCommune
        self.paidUSD = paidUSD
        self.claimedUSD = claimedUSD
        self.documentsHeld = documentsHeld
        self.identity = identity
    }
}

/// An evidence item: a receipt, an ID card copy, a contract, a photo of an advert…
public struct EvidenceInput: Sendable, Hashable {
    public var kind: String
    public var description: String
    public var sha256: String?

    public init(kind: String, description: String, sha256: String?) {
        self.kind = kind
        self.description = description
        self.sha256 = sha256
    }
}

/// A complaint as filed.
public struct ComplaintFiling: Sendable, Hashable {
    public var channel: String
    public var intakeLevel: ComplaintLevel
    public var filedBy: String
    public var province: String
    public var commune: String?
    public var respondentKind: String
    public var respondentAgency: String?
    public var respondentRef: String?
    public var respondentNote: String
    public var categories: [String]
    public var destination: String?
    public var sector: String?
    public var narrative: String
    public var receivedOn: CivilDate
    public var complainants: [ComplainantInput]
    public var evidence: [EvidenceInput]

    public init(channel: String, intakeLevel: ComplaintLevel, filedBy: String, province: String, commune: String?,
                respondentKind: String, respondentAgency: String?, respondentRef: String?, respondentNote: String,
                categories: [String], destination: String?, sector: String?, narrative: String, receivedOn: CivilDate,
                complainants: [ComplainantInput], evidence: [EvidenceInput]) {
        self.channel = channel
        self.intakeLevel = intakeLevel
        self.filedBy = filedBy
        self.province = province
        self.commune = commune
        self.respondentKind = respondentKind
        self.respondentAgency = respondentAgency
        self.respondentRef = respondentRef
        self.respondentNote = respondentNote
        self.categories = categories
        self.destination = destination
        self.sector = sector
        self.narrative = narrative
        self.receivedOn = receivedOn
        self.complainants = complainants
        self.evidence = evidence
    }
}

/// A case's row, with its complainant counts.
public struct ComplaintRecord: Sendable, Hashable {
    public var id: String
    public var reference: String
    public var state: ComplaintState
    public var level: ComplaintLevel
    public var intakeLevel: ComplaintLevel
    public var channel: String
    public var filedBy: String
    public var province: String
    public var commune: String?
    public var respondentKind: String
    public var respondentAgency: String?
    public var respondentRef: String?
    public var categories: [String]
    public var destination: String?
    public var receivedOn: CivilDate
    public var conciliationOn: String?
    public var pausedKind: String?
    public var criminalReferral: String?
    public var mergedInto: String?
    public var overdue: [String]
    public var complainants: Int
    public var open: Int
    public var unpaid: Int
    public var narrative: String

    public init(id: String, reference: String, state: ComplaintState, level: ComplaintLevel, intakeLevel: ComplaintLevel, channel: String, filedBy: String, province: String, commune: String?, respondentKind: String, respondentAgency: String?, respondentRef: String?, categories: [String], destination: String?, receivedOn: CivilDate, conciliationOn: String?, pausedKind: String?, criminalReferral: String?, mergedInto: String?, overdue: [String], complainants: Int, open: Int, unpaid: Int, narrative: String) {
        self.id = id
        self.reference = reference
        self.state = state
        self.level = level
        self.intakeLevel = intakeLevel
        self.channel = channel
        self.filedBy = filedBy
        self.province = province
        self.commune = commune
        self.respondentKind = respondentKind
        self.respondentAgency = respondentAgency
        self.respondentRef = respondentRef
        self.categories = categories
        self.destination = destination
        self.receivedOn = receivedOn
        self.conciliationOn = conciliationOn
        self.pausedKind = pausedKind
        self.criminalReferral = criminalReferral
        self.mergedInto = mergedInto
        self.overdue = overdue
        self.complainants = complainants
        self.open = open
        self.unpaid = unpaid
        self.narrative = narrative
    }

    /// The machine's view of the case.
    public var machineCase: ComplaintMachine.Case {
        ComplaintMachine.Case(state: state, level: level, receivedOn: receivedOn, respondentIsAgency: respondentAgency != nil,
                              openComplainants: open, unpaidComplainants: unpaid)
    }
}

/// A complainant's case data as shown to scoped staff (no names).
public struct ComplainantRecord: Sendable, Hashable {
    public var n: Int
    public var sex: String
    public var ageBand: String
    public var homeCommune: String?
    public var paidUSD: String
    public var claimedUSD: String
    public var outcome: String
    public var settledUSD: String
    public var instalments: Int
    public var repaidUSD: String
}

/// What `complaint.status` may tell anyone holding the reference.
public struct ComplaintStatus: Sendable, Hashable {
    public var id: String
    public var reference: String
    public var state: String
    public var level: String
    public var receivedOn: String
    public var nextDeadline: String?
    public var dueOn: String?
    public var paused: String?
    public var mergedFrom: String?
}
