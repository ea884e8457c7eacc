import AdminProtocol
import Logging
import RegistryDomain
import RegistryStore

/// A realistic synthetic registry for demonstrations and training (no real people): about 120 agencies
/// with Khmer and Latin names, licences in every state, provincial registrations across the 25
/// provinces, directors and brokers, a watch-list, and the 2011 Malaysia domestic-work ban.
/// Deterministic: the same data on every machine.
public enum DemoData {
    static let stemsEN = ["Angkor", "Mekong", "Bayon", "Tonle", "Sovann", "Preah Khan", "Neak Poan", "Meas", "Kampuchea", "Sabay",
                          "Reaksmey", "Vimean", "Phnom Meas", "Chamroeun", "Samaki", "Sokha", "Rithy", "Kiri", "Leap", "Mongkol"]
    static let stemsKM = ["អង្គរ", "មេគង្គ", "បាយ័ន", "ទន្លេ", "សុវណ្ណ", "ព្រះខ័ន", "នាគព័ន្ធ", "មាស", "កម្ពុជា", "សប្បាយ",
                          "រស្មី", "វិមាន", "ភ្នំមាស", "ចម្រើន", "សាមគ្គី", "សុខា", "ឫទ្ធី", "គិរី", "លាភ", "មង្គល"]
    static let kindsEN = ["Manpower", "Human Resources", "Recruitment", "Employment Services", "Labour Services", "Overseas Employment"]
    static let kindsKM = ["ម៉ែនផៅវើ", "ធនធានមនុស្ស", "ជ្រើសរើសបុគ្គលិក", "សេវាការងារ", "សេវាពលកម្ម", "ការងារក្រៅប្រទេស"]
    static let families = ["Sok", "Chea", "Keo", "Lim", "Heng", "Chan", "Meas", "Ouk", "Pen", "Ros", "Sam", "Tep", "Vann", "Yim", "Nhem"]
    static let givens = ["Dara", "Sophea", "Vannak", "Sreymom", "Rithy", "Bopha", "Chenda", "Piseth", "Sokha", "Kosal", "Malis", "Narin"]
    static let destinations = ["TH", "TH", "TH", "JP", "MY", "KR", "SG", "HK", "SA"]

    /// Loads the dataset when the registry has no agency yet; returns the number of agencies created.
    @discardableResult
    public static func loadIfEmpty(store: Store, rulebook: Rulebook, logger: Logger) async throws -> Int {
        let empty = try await store.transaction(.system) { tx -> Bool in
            for try await n in try await tx.query("SELECT count(*)::int FROM registry.agencies").decode(Int.self) { return n == 0 }
            return true
        }
        guard empty else { return 0 }
        let actor = ActorContext(actor: "demo-data", listener: "", peerUID: nil)
        let durations = LicenceMachine.Durations(rulebook: rulebook)
        let required = rulebook.integer("deposit.required_usd") ?? 0
        let months = rulebook.integer("licence.validity_months") ?? 0  // required key: validated at load
        var rng = SplitMix64(seed: 2011)
        var count = 0
        var cardSerial = 100_000_000
        for i in 0..<120 {
            let stem = i % stemsEN.count, kind = (i / stemsEN.count) % kindsEN.count  // 20 × 6 distinct names
            let en = "\(stemsEN[stem]) \(kindsEN[kind]) Co., Ltd."
            let km = "ក្រុមហ៊ុន \(stemsKM[stem]) \(kindsKM[kind])"
            let province = String(format2d(rng.int(1...25)))
            let plan = i % 20  // 0–12 active, 13 renewal due, 14 recruitment suspended, 15 suspended, 16 revoked, 17 expired, 18 surrendered, 19 unlicensed
            let yearsAgo = plan == 13 ? 5 : (plan == 17 ? 7 : rng.int(0...4))
            var cards: [String] = []
            let people = (0..<(1 + rng.int(3...7))).map { _ -> (String, String) in
                cardSerial += 1 + rng.int(1...97)
                cards.append(String(cardSerial))
                return ("\(families[rng.int(0...families.count - 1)]) \(givens[rng.int(0...givens.count - 1)])", String(cardSerial))
            }
            let provinces = Set((0..<rng.int(2...9)).map { _ in format2d(rng.int(1...25)) })
            let scope = Array(Set((0..<rng.int(1...3)).map { _ in destinations[rng.int(0...destinations.count - 1)] })).sorted()
            let ageDays = yearsAgo * 365 + rng.int(0...200)
            try await store.transaction(actor) { tx in
                let agency = try await tx.createAgency(nameEN: en, nameKM: km, registrationNo: "CR-\(10_000 + i)",
                                                       address: "No. \(i + 1), Street \(100 + i * 3), \(province == "12" ? "Phnom Penh" : "Province \(province)")",
                                                       province: province, phone: "+855 12 \(300_000 + i * 17)", association: i % 3 == 0 ? "ACRA" : (i % 3 == 1 ? "MAC" : "none"))
                for (n, person) in people.enumerated() {
                    let id = try await tx.person(name: person.0, idCard: person.1)
                    try await tx.linkPerson(id, to: agency, role: n == 0 ? "director" : "broker", since: CivilDate(year: 2024, month: 1, day: 1)!)
                }
                guard plan != 19 else { return }
                try await tx.addDepositEntry(agencyID: agency, kind: "lodgement", amount: String(required), reference: "NBC-\(i)")
                let today = try await tx.today()
                let issued = today.adding(days: -ageDays)
                let expires = plan == 13 ? today.adding(days: 60) : LicenceCalendar.addingMonths(months, to: issued).adding(days: -1)
                let number = try await tx.nextLicenceNumber(year: issued.year)
                try await tx.insertLicence(number: number, agencyID: agency, issuedOn: issued, expiresOn: expires,
                                           scope: scope.map { DestinationScope(country: $0) }, durations: durations, reason: "demo data")
                for p in provinces { try await tx.setRegistration(agencyID: agency, province: p, state: "REGISTERED", reason: "demo data") }
                switch plan {
                case 14: _ = try await tx.applyLicenceEvent(.suspendRecruitment(until: today.adding(days: 30)), to: number.description, durations: durations, reason: "refund order pending")
                case 15: _ = try await tx.applyLicenceEvent(.suspend, to: number.description, durations: durations, reason: "no training building")
                case 16:
                    _ = try await tx.applyLicenceEvent(.revoke, to: number.description, durations: durations, reason: "repeated violations")
                    _ = try await tx.barOwners(agencyID: agency, licence: number.description, years: rulebook.integer("sanction.relicensing_bar_years") ?? 0)
                case 18: _ = try await tx.applyLicenceEvent(.surrender, to: number.description, durations: durations, reason: "ceased business")
                default: break
                }
            }
            count += 1
        }
        let total = count
        try await store.transaction(actor) { tx in
            let watch: [(String, String, String?, String)] = [
                ("operator", "Golden Future Jobs Abroad", nil, "unlicensed; promised Australian jobs for USD 2,500 (pattern of C-12)"),
                ("operator", "Sky Bridge Employment Office", nil, "unlicensed office without signage (pattern of C-13)"),
                ("operator", "Lucky Star Overseas Work", nil, "not on the list of licensed agencies"),
                ("broker", "Broker Meas Kosal", "190000001", "illegal broker stopped by the provincial authorities (pattern of C-3)"),
                ("broker", "Broker Ouk Narin", "190000002", "illegal broker stopped by the provincial authorities (pattern of C-3)"),
            ]
            for (n, w) in watch.enumerated() {
                _ = try await tx.addWatch(kind: w.0, name: w.1, idCard: w.2, province: format2d(n * 5 + 2), warning: w.3,
                                          caseRef: "demo", publishedOn: CivilDate(year: 2024, month: 3, day: 1 + n)!)
            }
            _ = try await tx.addBan(SendingBan(destination: DestinationScope(country: "MY", sector: "domestic_work"),
                                               from: CivilDate(year: 2011, month: 10, day: 15)!, until: CivilDate(year: 2017, month: 6, day: 1)!,
                                               grandfatherRegisteredBefore: CivilDate(year: 2011, month: 10, day: 15)!),
                                    reason: "Prime Minister's order of 15 October 2011; sending resumed mid-2017 (C-17)")
            try await tx.audit(AuditEntry(command: "demo-data", arguments: "", code: 200, status: "OK", detail: "\(total) agencies"))
        }
        logger.notice("demo data loaded", metadata: ["agencies": "\(count)"])
        return count
    }

    static func format2d(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
}
