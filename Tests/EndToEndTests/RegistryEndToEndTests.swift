import Foundation
import Testing

/// Agencies, licences and the hotline verification over the socket, with the registry clock moved by
/// `clock.advance` on a test daemon.
@Suite(.serialized) struct RegistryEndToEndTests {
    /// A test daemon whose uid-0 account is also licensing officer, inspector and auditor.
    static func daemon() async throws -> Daemon {
        let d = try await Daemon.configured(extraEnvironment: ["REGISTRYD_TESTING_CLOCK": "true", "REGISTRYD_TIMERS_POLL_MILLISECONDS": "200",
                                                               "REGISTRYD_DEMO_LOAD": "false"])
        let out = try await offPool { try d.socat("staff.update S-0001 roles=admin,licensing_officer,inspector,auditor\n") }
        #expect(out.hasSuffix("200 OK\n"))
        return d
    }

    /// Sends commands and returns every reply's final line.
    static func run(_ d: Daemon, _ lines: String) async throws -> [String] {
        try await offPool { try d.socat(lines) }.finalLines
    }

    /// Value of `key` in the reply text of one command.
    static func value(_ d: Daemon, _ command: String, _ key: String) async throws -> String? {
        let out = try await offPool { try d.socat(command + "\n") }
        for line in out.lines where line.dropFirst(4).hasPrefix(key + "=") {
            var v = String(line.dropFirst(4 + key.count + 1))
            if v.hasPrefix("\"") { v = String(v.dropFirst().dropLast()) }
            return v
        }
        return nil
    }

    /// Polls until the licence reaches `state` (the timer service fires within its poll interval).
    static func waitState(_ d: Daemon, _ licence: String, _ state: String) async throws -> Bool {
        for _ in 0..<50 {
            if try await value(d, "licence.show \(licence)", "state") == state { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// Polls until `verify` gives `verdict` (the hotline index follows committed changes within moments).
    static func waitVerdict(_ d: Daemon, _ query: String, _ verdict: String) async throws -> Bool {
        for _ in 0..<50 {
            if try await value(d, "verify \(query)", "verdict") == verdict { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// An agency with a director, the full deposit, a licence for TH and JP, registered in Prey Veng (14).
    static func licensedAgency(_ d: Daemon, en: String, km: String, director: String, idCard: String, address: String = "") async throws -> (agency: String, licence: String) {
        let created = try await offPool {
            try d.socat("agency.register name_en=\"\(en)\" name_km=\"\(km)\" province=12 address=\"\(address)\"\n")
        }
        let agency = String(created.finalLines[0].split(separator: "=").last!)
        let out = try await run(d, """
            agency.person \(agency) role=director name="\(director)" id_card=\(idCard)
            deposit.lodge \(agency) amount_usd=100000 reference=NBC-1
            licence.issue \(agency) scope=TH,JP
            registration.add \(agency) province=14

            """)
        let licence = String(out[2].split(separator: "=").last!)
        #expect(out[2].hasPrefix("201 CREATED id=L-"), "\(out)")
        return (agency, licence)
    }

    @Test func depositGateTransitionsAndTimers() async throws {
        let d = try await Self.daemon()
        defer { d.tearDown() }
        let out = try await Self.run(d, """
            agency.register name_en="Mekong Bridge Manpower Co., Ltd." name_km="ក្រុមហ៊ុន ស្ពានមេគង្គ ម៉ែនផៅវើ"
            deposit.lodge A-0001 amount_usd=60000
            licence.issue A-0001 scope=TH
            deposit.lodge A-0001 amount_usd=40000
            licence.issue A-0001 scope=TH,MY/domestic_work

            """)
        #expect(out[2].hasPrefix("554 REFUSED rule=PRA-12 deposit_usd=60000"), "\(out)")  // SD-5: full deposit first
        #expect(out[4].hasPrefix("201 CREATED id=L-2026-"))
        let licence = String(out[4].split(separator: "=").last!)
        // A mistyped number is caught by the check digit.
        let typo = String(licence.dropLast()) + String((Int(String(licence.last!))! + 1) % 10)
        #expect(try await Self.run(d, "licence.show \(typo)\n") == ["553 INVALID_VALUE field=licence reason=bad_check_digit msg=\"check digit wrong: mistyped or invented licence number\""])
        // Fixed-term recruitment suspension (PEN-4) lifts itself when the timer fires.
        let suspend = try await Self.run(d, "licence.suspend \(licence)\nlicence.suspend \(licence) --days=45 --reason=\"refund order pending (C-7)\"\n")
        #expect(suspend[0].hasPrefix("501 BAD_ARGUMENTS arg=\"--reason\""))
        #expect(suspend[1] == "200 OK")
        #expect(try await Self.value(d, "licence.show \(licence)", "state") == "RECRUITMENT_SUSPENDED")
        #expect(try await Self.value(d, "verify \(licence)", "verdict") == "RECRUITMENT_SUSPENDED")
        _ = try await Self.run(d, "clock.advance days=44\n")
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await Self.value(d, "licence.show \(licence)", "state") == "RECRUITMENT_SUSPENDED")
        _ = try await Self.run(d, "clock.advance days=1\n")
        #expect(try await Self.waitState(d, licence, "ACTIVE"))
        // Suspension until compliant, then reinstatement.
        #expect(try await Self.run(d, "licence.suspend \(licence) --until-compliant --reason=\"no training centre\"\n") == ["200 OK"])
        #expect(try await Self.value(d, "verify \(licence)", "verdict") == "LICENCE_SUSPENDED")
        #expect(try await Self.run(d, "licence.reinstate \(licence) --reason=\"inspection passed\"\n") == ["200 OK"])
        // A draw below the required amount arms the top-up timer; missing it suspends the licence (PRA-12).
        let draw = try await Self.run(d, "deposit.draw A-0001 amount_usd=5000 reference=refund-C7\n")
        #expect(draw[0].contains("topup_due="))
        _ = try await Self.run(d, "clock.advance days=31\n")
        #expect(try await Self.waitState(d, licence, "SUSPENDED"))
        _ = try await Self.run(d, "deposit.topup A-0001 amount_usd=5000\nlicence.reinstate \(licence) --reason=\"deposit restored\"\n")
        // Renewal window (90 days before expiry), late renewal (30 days), renewal, then expiry.
        let validUntil = try #require(try await Self.value(d, "licence.show \(licence)", "valid_until"))
        let days = Self.daysUntil(validUntil, from: try await Self.today(d))
        _ = try await Self.run(d, "clock.advance days=\(days - 90)\n")
        #expect(try await Self.waitState(d, licence, "RENEWAL_DUE"))
        _ = try await Self.run(d, "clock.advance days=60\n")
        #expect(try await Self.waitState(d, licence, "LATE_RENEWAL"))
        #expect(try await Self.value(d, "verify \(licence)", "verdict") == "MAY_RECRUIT")  // still active until expiry
        #expect(try await Self.run(d, "licence.renew \(licence)\n") == ["200 OK"])
        #expect(try await Self.value(d, "licence.show \(licence)", "state") == "ACTIVE")
        let renewedUntil = try #require(try await Self.value(d, "licence.show \(licence)", "valid_until"))
        _ = try await Self.run(d, "clock.advance days=\(Self.daysUntil(renewedUntil, from: try await Self.today(d)) + 1)\n")
        #expect(try await Self.waitState(d, licence, "EXPIRED"))
        #expect(try await Self.waitVerdict(d, licence, "EXPIRED"))
        let events = try await offPool { try d.socat("licence.history \(licence)\n") }
        for event in ["issue", "suspend_recruitment", "lift_recruitment_suspension", "suspend", "reinstate", "renewal_window_opens",
                      "renewal_deadline_passed", "renew", "expire"] {
            #expect(events.contains("event=\(event) "), "\(event)")
        }
        // Each recorded transition names its rule: issue under PRA-1, the penalties under PEN-4 and PEN-1.
        for (event, rule) in [("issue", "PRA-1"), ("suspend_recruitment", "PEN-4"), ("suspend", "PEN-1"), ("expire", "PRA-13")] {
            #expect(events.split(separator: "\n").contains { $0.contains("event=\(event) ") && $0.contains("rule=\(rule)") }, "\(event)")
        }
        // Timer firings are audited as the system.
        let audit = try await offPool { try d.socat("audit.tail --limit=200\n") }
        #expect(audit.contains("actor=system") && audit.contains("command=timer.fire"))
    }

    @Test func revocationBarsOwnersAndFlagsReopening() async throws {
        let d = try await Self.daemon()
        defer { d.tearDown() }
        let first = try await Self.licensedAgency(d, en: "Golden Lotus Recruitment Co., Ltd.", km: "ក្រុមហ៊ុន ផ្កាឈូកមាស",
                                                  director: "Keo Sopheap", idCard: "110220330", address: "No. 5, Street 130, Phnom Penh")
        _ = try await Self.run(d, "agency.person \(first.agency) role=owner name=\"Keo Sopheap\" id_card=110220330\n")
        let revoke = try await offPool { try d.socat("licence.revoke \(first.licence) --reason=\"repeated violations (PEN-2)\"\n") }
        #expect(revoke.contains("200-state=REVOKED") && revoke.contains("200-barred_people=1"))
        #expect(try await Self.run(d, "licence.reinstate \(first.licence) --reason=x\n")[0].hasPrefix("551 INVALID_STATE state=REVOKED"))
        #expect(try await Self.value(d, "verify \"Golden Lotus Recruitment\"", "verdict") == "REVOKED")
        // The same director opens a new company at the same address.
        let reopened = try await Self.run(d, """
            agency.register name_en="Silver Lotus Manpower" name_km="ក្រុមហ៊ុន ផ្កាឈូកប្រាក់" address="No. 5 Street 130 Phnom Penh"
            agency.person A-0002 role=director name="Keo Sopheap" id_card=110220330
            deposit.lodge A-0002 amount_usd=100000
            licence.issue A-0002 scope=TH
            licence.issue A-0002 scope=TH --override-bar --reason="court quashed the revocation"

            """)
        #expect(reopened[0] == "201 CREATED id=A-0002 flag=reopened_after_revocation:A-0001:address")
        #expect(reopened[1].contains("flag=reopened_after_revocation:A-0001:person:P-00001"))
        #expect(reopened[3].hasPrefix("554 REFUSED rule=PEN-5 person=P-00001"))
        #expect(reopened[4].hasPrefix("201 CREATED"))
        let shown = try await offPool { try d.socat("agency.show A-0002\n") }
        #expect(shown.contains("200-flag=reopened_after_revocation:A-0001:address"))
    }

    @Test func verifyVerdictsAndSpellings() async throws {
        let d = try await Self.daemon()
        defer { d.tearDown() }
        let a = try await Self.licensedAgency(d, en: "Angkor Wat Manpower Co., Ltd.", km: "ក្រុមហ៊ុន អង្គរវត្ត ម៉ែនផៅវើ",
                                              director: "Sok Dara", idCard: "012345678")
        _ = try await Self.licensedAgency(d, en: "Bayon Human Resources Co., Ltd.", km: "ក្រុមហ៊ុន បាយ័ន ធនធានមនុស្ស",
                                          director: "Chan Thy", idCard: "087654321")
        _ = try await Self.run(d, """
            agency.person A-0001 role=broker name="Broker One" id_card=099887766
            watchlist.add kind=operator name="Khmer Chouy Khmer Recruitment" warning="unlicensed; charged USD 2,500 for Australian jobs (C-12)" province=12
            watchlist.add kind=broker name="Illegal Broker" id_card=055544433 province=14
            ban.add country=MY sector=domestic_work from=2011-10-15 grandfather_before=2011-10-15 --reason="Prime Minister's order (C-17)"

            """)
        func verdict(_ q: String) async throws -> String? { try await Self.value(d, "verify \(q)", "verdict") }
        #expect(try await verdict("\"Angkor Wat Manpower Co., Ltd.\" province=14 destination=TH") == "MAY_RECRUIT")
        #expect(try await verdict("\"angkor wat manpower\" province=14 destination=TH") == "MAY_RECRUIT")  // no "Co., Ltd."
        #expect(try await verdict("\"Angkor Wot Manpower\" province=14") == "MAY_RECRUIT")  // one letter wrong
        #expect(try await Self.value(d, "verify \"Angkor Wot Manpower\"", "agency") == a.agency)
        #expect(try await Self.value(d, "verify \"Manpower Angkor Wat\"", "agency") == a.agency)  // swapped words
        #expect(try await verdict("អង្គរវត្ត\u{200B}ម៉ែនផៅវើ province=14") == "MAY_RECRUIT")  // Khmer with a zero-width space
        #expect(try await Self.value(d, "verify \"ក្រុមហ៊ុន អង្គរវត្ត ម៉ែនផៅវើ\"", "agency") == a.agency)
        #expect(try await verdict("\"Angkor Wat Manpower\" province=12") == "NOT_REGISTERED_IN_PROVINCE")
        #expect(try await verdict("\"Angkor Wat Manpower\" destination=KR") == "NOT_LICENSED_FOR_DESTINATION")
        #expect(try await verdict("\"Angkor Wat Manpower\" destination=MY/domestic_work") == "BANNED_DESTINATION")
        // Licence number typed in Khmer digits.
        let khmerDigits = String(a.licence.map { c -> Character in
            guard let n = c.wholeNumberValue else { return c }
            return Character(Unicode.Scalar(0x17E0 + n)!)
        })
        #expect(try await Self.value(d, "verify \(khmerDigits)", "agency") == a.agency)
        // A well-formed number nobody issued, and one whose check digit is wrong.
        #expect(try await verdict("L-2026-9999-7") == "NOT_LICENSED")
        #expect(try await verdict("L-2026-9999-0") == "INVALID_LICENCE_NUMBER")
        // Recruiters by ID card (spaces and Khmer digits tolerated).
        #expect(try await verdict("\"099 887 766\"") == "MAY_RECRUIT")
        #expect(try await Self.value(d, "verify ០៩៩៨៨៧៧៦៦", "recruiter_role") == "broker")
        #expect(try await verdict("055544433") == "WATCHLISTED")
        #expect(try await verdict("123123123") == "NOT_LICENSED")
        #expect(try await verdict("\"Khmer Chouy Khmer\"") == "WATCHLISTED")
        #expect(try await verdict("\"Completely Unknown Agency\"") == "NOT_LICENSED")
        // Each verdict names the rule behind it (SD-3 licensed to recruit, PRA-10 provincial registration,
        // PRA-15 licence scope, C-17 sending ban), so the operator can say why.
        func rule(_ q: String) async throws -> String? { try await Self.value(d, "verify \(q)", "rule") }
        #expect(try await rule("\"Angkor Wat Manpower\" province=14 destination=TH") == "SD-3")
        #expect(try await rule("\"Angkor Wat Manpower\" province=12") == "PRA-10")
        #expect(try await rule("\"Angkor Wat Manpower\" destination=KR") == "PRA-15")
        #expect(try await rule("\"Angkor Wat Manpower\" destination=MY/domestic_work") == "C-17")
        #expect(try await rule("L-2026-9999-0") == "SD-3")
        #expect(try await rule("055544433") == "SD-3")
        // Ambiguous names list candidates.
        let ambiguous = try await offPool { try d.socat("verify Manpower\n") }
        #expect(ambiguous.lines.first?.hasPrefix("200-verdict=") == true)
        // The hotline operator may verify, nothing more; lookups are counted, not logged.
        _ = try await Self.run(d, "staff.add name=\"Hotline One\" uid=1700 roles=hotline_operator\n")
        let hotline = try await offPool { try d.socat("verify \"Bayon Human Resources\"\nagency.show A-0001\n", asUID: 1700) }
        #expect(hotline.finalLines == ["200 OK verdict=MAY_RECRUIT", "537 PERMISSION_DENIED need=agency.read listener=admin msg=\"not allowed for this account on this listener\""])
        try await Task.sleep(for: .milliseconds(600))
        let stats = try await offPool { try d.socat("stats.verify\n") }
        #expect(stats.contains("verdict=MAY_RECRUIT"))
        #expect(!d.log.contains("Angkor Wot"))
    }

    @Test func historyAnswersAsOfADate() async throws {
        let d = try await Self.daemon()
        defer { d.tearDown() }
        let out = try await Self.run(d, """
            agency.register name_en="Rice Field Manpower" name_km="ក្រុមហ៊ុន វាលស្រែ"
            deposit.lodge A-0001 amount_usd=100000
            licence.issue A-0001 scope=TH,JP issued_on=2013-06-01 expires_on=2018-05-31
            registration.add A-0001 province=14

            """)
        #expect(out[2].hasPrefix("201 CREATED"), "\(out)")
        try await Task.sleep(for: .milliseconds(800))  // the expiry timer, long past, fires at once
        // Licensed for Thailand on 2015-04-12 (registered in Prey Veng only later, so no province is asked).
        #expect(try await Self.value(d, "verify \"Rice Field Manpower\" destination=TH on=2015-04-12", "verdict") == "MAY_RECRUIT")
        #expect(try await Self.value(d, "verify \"Rice Field Manpower\" destination=TH on=2015-04-12", "licence_state") == "ACTIVE")
        #expect(try await Self.value(d, "verify \"Rice Field Manpower\" destination=TH on=2012-01-01", "verdict") == "NOT_LICENSED")
        #expect(try await Self.value(d, "verify \"Rice Field Manpower\" destination=TH", "verdict") == "EXPIRED")
    }

    @Test func idempotencyKeyNeverDuplicates() async throws {
        let d = try await Self.daemon()
        defer { d.tearDown() }
        let out = try await Self.run(d, """
            agency.register name_en="Once Only Co" name_km="ម្តងតែមួយ" --idempotency-key=key-0001-abcd
            agency.register name_en="Once Only Co" name_km="ម្តងតែមួយ" --idempotency-key=key-0001-abcd
            agency.register name_en="Something Else" name_km="ផ្សេង" --idempotency-key=key-0001-abcd

            """)
        #expect(out[0] == "201 CREATED id=A-0001")
        #expect(out[1] == "201 CREATED id=A-0001 replayed=true")
        #expect(out[2].hasPrefix("552 CONFLICT reason=idempotency_key_reused"))
        let count = try await offPool { try TestCluster.shared.psql("SELECT count(*) FROM registry.agencies", database: d.database!) }
        #expect(count == "1")
    }

    /// Generated ids keep every digit past their usual width: the 10,000th agency is A-10000, not A-1000
    /// (which lpad made of it, colliding with the 1,000th), and so for people, watch-list entries and
    /// complaint cases.
    @Test func idsGrowPastTheirWidth() async throws {
        let d = try await Self.daemon()
        defer { d.tearDown() }
        try await offPool {
            _ = try TestCluster.shared.psql("""
                SELECT setval('registry.agency_seq', 9999, false), setval('registry.person_seq', 99999, false),
                       setval('registry.watch_seq', 9999, false), setval('registry.complaint_seq', 999999, false)
                """, database: d.database!)
        }
        let out = try await Self.run(d, """
            agency.register name_en="Nine Nines Manpower" name_km="ប្រាំបួន"
            agency.register name_en="Ten Thousand Manpower" name_km="មួយម៉ឺន"
            agency.person A-10000 role=director name="Director Ten" id_card=100000001
            watchlist.add kind=broker name="Broker Nine" warning="not licensed"
            watchlist.add kind=broker name="Broker Ten" warning="not licensed"

            """)
        #expect(out[0] == "201 CREATED id=A-9999", "\(out)")
        #expect(out[1] == "201 CREATED id=A-10000", "\(out)")
        #expect(out[2].hasPrefix("200") && out[2].contains("person=P-99999"), "\(out)")
        #expect(out[3].contains("W-9999") && out[4].contains("W-10000"), "\(out)")
        let filing = "complaint.file channel=hotline province=12 respondent=unknown categories=other --idempotency-key=wide-key-000%d <<\n"
            + "complainant sex=F age=18-24\n\n"
        var cases: [String] = []
        for k in 1...2 {
            let reply = ReplyText(text: try await offPool { try d.socat(String(format: filing, k), socket: d.staffSocket) })
            cases.append(reply.final("id") ?? reply.final)
        }
        let year = cases[0].split(separator: "-").dropFirst().first.map(String.init) ?? "?"
        #expect(cases == ["CMP-\(year)-999999", "CMP-\(year)-1000000"], "\(cases)")
    }

    /// Two daemons on one database: a revocation through one is the other's hotline answer at once
    /// (NOTIFY registry_changed), and the other's timers do not fire the same timer again.
    @Test func secondDaemonSeesChangesThroughNotify() async throws {
        let first = try await Self.daemon()
        defer { first.tearDown() }
        let a = try await Self.licensedAgency(first, en: "Twin City Manpower", km: "ក្រុមហ៊ុន ទ្វីនស៊ីធី", director: "Ly Hour", idCard: "033344455")
        let second = try await Daemon.configured(extraEnvironment: ["REGISTRYD_TESTING_CLOCK": "true", "REGISTRYD_TIMERS_POLL_MILLISECONDS": "200",
                                                                    "REGISTRYD_DEMO_LOAD": "false"], bootstrapAdmin: false, database: first.database)
        defer { second.tearDown() }
        #expect(try await Self.waitVerdict(second, "\"Twin City Manpower\" province=14 destination=TH", "MAY_RECRUIT"))
        let changed = try await Self.run(first, "licence.revoke \(a.licence) --reason=\"forged documents\"\nagency.representative \(a.agency) country=TH name=\"Bangkok desk\"\n")
        #expect(changed[1].hasPrefix("201 CREATED") && changed[1].contains("rule=PRA-5"), "\(changed)")  // a representative per destination
        #expect(try await Self.waitVerdict(second, "\"Twin City Manpower\"", "REVOKED"))
        #expect(try await offPool { try second.socat("agency.show \(a.agency)\n") }.contains("200-representative=\"TH Bangkok desk\""))
    }

    /// A daemon's hotline index loads every recruiter at start; the registry's day is read once per
    /// query, not once per recruiter (it was, as a row filter: 0.9 s of a 1 s load of 100,000).
    @Test func indexLoadReadsTheClockOncePerQuery() async throws {
        let first = try await Self.daemon()
        defer { first.tearDown() }
        let a = try await Self.licensedAgency(first, en: "Many Hands Manpower", km: "ក្រុមហ៊ុន ដៃច្រើន", director: "Sok Dara", idCard: "044455566")
        let db = first.database!
        try TestCluster.shared.psql("""
            INSERT INTO registry.people (id, name, key, id_card)
            SELECT 'PX-' || g, 'Recruiter ' || g, 'recruiter ' || g, '7' || lpad(g::text, 8, '0') FROM generate_series(1, 3000) g;
            INSERT INTO registry.agency_people (agency_id, person_id, role, since)
            SELECT '\(a.agency)', 'PX-' || g, 'broker', date '2024-01-01' FROM generate_series(1, 3000) g;
            """, database: db)
        try TestCluster.shared.psql("ALTER ROLE registry_app IN DATABASE \"\(db)\" SET track_functions = 'pl'", database: db)
        let second = try await Daemon.configured(extraEnvironment: ["REGISTRYD_TESTING_CLOCK": "true", "REGISTRYD_DEMO_LOAD": "false"],
                                                 bootstrapAdmin: false, database: db)
        defer { second.tearDown() }
        var found: String?
        for _ in 0..<100 where found != a.agency {
            found = try await Self.value(second, "verify 700002999", "agency")
            if found != a.agency { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(found == a.agency, "the last recruiter loaded: \(found ?? "none")")
        let dayReads = try await TestCluster.shared.registryFunctionCalls("today", database: db)
        #expect(dayReads > 0 && dayReads < 500, "registry.today() called \(dayReads) times")
    }

    static func today(_ d: Daemon) async throws -> String {
        let out = try await offPool { try d.socat("clock.advance days=0\n") }
        return String(out.finalLines[0].split(separator: "=").last!.prefix(10))
    }

    static func daysUntil(_ date: String, from today: String) -> Int {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd"
        f.timeZone = TimeZone(identifier: "UTC")
        return Int((f.date(from: date)!.timeIntervalSince(f.date(from: today)!) / 86_400).rounded())
    }
}
