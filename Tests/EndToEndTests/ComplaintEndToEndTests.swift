import Foundation
import RegistryDomain
import Testing

/// A reply read back: its final line and its data fields (repeated keys keep every value).
struct ReplyText {
    let text: String
    var final: String { text.finalLines.last ?? "" }
    var code: String { String(final.prefix(3)) }

    /// Values of `key` on data lines and the final line, unquoted.
    func all(_ key: String) -> [String] {
        var out: [String] = []
        for line in text.lines where line.count > 4 {
            let body = line.dropFirst(4)
            for token in ReplyText.tokens(body) where token.hasPrefix(key + "=") {
                var v = String(token.dropFirst(key.count + 1))
                if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = String(v.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"") }
                out.append(v)
            }
        }
        return out
    }

    subscript(_ key: String) -> String? { all(key).first }

    /// Value of `key` on the final line only.
    func final(_ key: String) -> String? { ReplyText(text: final + "\n")[key] }

    /// Splits on spaces outside quotes.
    static func tokens(_ s: Substring) -> [String] {
        var out: [String] = [], current = "", quoted = false, escaped = false
        for ch in s {
            if escaped { current.append(ch); escaped = false; continue }
            if ch == "\\" { current.append(ch); escaped = true; continue }
            if ch == "\"" { quoted.toggle(); current.append(ch); continue }
            if ch == " " && !quoted { if !current.isEmpty { out.append(current) }; current = ""; continue }
            current.append(ch)
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}

/// Complaint cases over the socket, replaying the real cases of legal-rules §13 on the registry clock:
/// C-1 (AngKa Chear), C-2 (34 people waiting), C-7 (Rice Natural), C-11 (partial instalments and
/// refusers), the escalation chain, pauses, scope and victim data.
@Suite(.serialized) struct ComplaintEndToEndTests {
    /// A test daemon whose uid-0 account is ministry staff with every domain role but admin's.
    static func daemon(extra: [String: String] = [:], database: String? = nil, cluster: TestCluster = .shared) async throws -> Daemon {
        let d = try await Daemon.configured(extraEnvironment: ["REGISTRYD_TESTING_CLOCK": "true", "REGISTRYD_TIMERS_POLL_MILLISECONDS": "200",
                                                               "REGISTRYD_DEMO_LOAD": "false"].merging(extra) { _, b in b },
                                            database: database, cluster: cluster)
        let out = try await offPool { try d.socat("staff.update S-0001 roles=admin,licensing_officer,inspector,commune_chief\n") }
        #expect(out.hasSuffix("200 OK\n"), "\(out)")
        return d
    }

    @discardableResult
    static func call(_ d: Daemon, _ command: String, asUID uid: Int? = nil, socket: String? = nil) async throws -> ReplyText {
        ReplyText(text: try await offPool { try d.socat(command.hasSuffix("\n") ? command : command + "\n", socket: socket, asUID: uid) })
    }

    /// Files a complaint; `lines` are the heredoc's complainant/evidence lines.
    static func file(_ d: Daemon, key: String, _ head: String, _ lines: [String], narrative: String = "", asUID uid: Int? = nil) async throws -> ReplyText {
        let body = lines.joined(separator: "\n") + "\n\n" + narrative + "\nEND\n"
        return try await call(d, "complaint.file \(head) --idempotency-key=\(key) <<END\n" + body, asUID: uid)
    }

    static func due(_ d: Daemon, from: String, days: Int, working: Bool) async throws -> String {
        try await call(d, "calendar.due from=\(from) days=\(days) basis=\(working ? "working" : "calendar")")["due"] ?? "?"
    }

    static func daysBetween(_ a: String, _ b: String) -> Int {
        CivilDate(b)!.daysSinceEpoch - CivilDate(a)!.daysSinceEpoch
    }

    /// Moves the registry clock and waits until `done` holds (the timer service fires within its poll).
    static func advance(_ d: Daemon, days: Int, until done: @Sendable () async throws -> Bool) async throws -> Bool {
        #expect(try await call(d, "clock.advance days=\(days)").code == "200")
        for _ in 0..<100 {
            if try await done() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    static func show(_ d: Daemon, _ id: String) async throws -> ReplyText { try await call(d, "complaint.show \(id)") }

    // MARK: - C-1

    /// C-1 AngKa Chear (Prey Veng, 2013): 25 villagers paid USD 195 each before any job order and left
    /// their birth certificates and ID cards; a commune volunteer took it to the province (L0 → L1); the
    /// district ordered the documents returned; 11 who had not left were refunded.
    @Test func angkaChearC1() async throws {
        let d = try await Self.daemon()
        defer { d.tearDown() }
        let (agency, _) = try await RegistryEndToEndTests.licensedAgency(d, en: "AngKa Recruitment Co., Ltd.", km: "អង្គការ ជ្រើសរើស",
                                                                         director: "Chan Dara", idCard: "110220330")
        let filed = try await Self.file(d, key: "c1-angka-chear-0001",
            "channel=outreach level=L0 commune=140306 respondent=\(agency) categories=prepayment,document_retention destination=TH filed_by=ngo",
            ["complainant sex=F age=18-24 commune=140306 paid=195 claimed=195 holds=id_card,birth_certificate name=\"Canary Srey Pov\" phone=099111222",
             "complainant count=12 sex=F age=25-34 commune=140306 paid=195 claimed=195 holds=id_card,birth_certificate",
             "complainant count=12 sex=M age=25-34 commune=140306 paid=195 claimed=195 holds=id_card,birth_certificate",
             "evidence kind=witness_statement description=\"CCWC volunteer's account\""],
            narrative: "Offered jobs in Thailand; USD 195 each in advance; documents kept before the election.")
        #expect(filed.code == "201", "\(filed.text)")
        let id = filed["id"]!, reference = filed["reference"]!, received = filed["received"]!
        #expect(filed["state"] == "RECEIVED" && filed["level"] == "L0" && filed["complainants"] == "25" && filed["female"] == "13")
        // CMP-5, CMP-2 (working days), CMP-4 (calendar days by default) from the day of receipt.
        #expect(filed["due_ack"] == (try await Self.due(d, from: received, days: 2, working: true)))
        #expect(filed["due_forward"] == (try await Self.due(d, from: received, days: 3, working: true)))
        #expect(filed["due_first_action"] == (try await Self.due(d, from: received, days: 10, working: false)))
        #expect(TrackingReference.isWellFormed(reference))

        // The volunteer tells the provincial coordinator: L0 → L1, recorded with its rule.
        let forwarded = try await Self.call(d, "complaint.forward \(id) to=L1")
        #expect(forwarded["escalated"] == "L0->L1" && forwarded["rule"] == "CMP-2", "\(forwarded.text)")
        #expect(forwarded["due_forward"] == nil && forwarded["due_settle"] != nil)
        // The district acts: parties notified (first action, CMP-4), the agency has its response deadline.
        let acted = try await Self.call(d, "complaint.act \(id) action=\"district summoned the company\"")
        #expect(acted["state"] == "IN_PROGRESS" && acted["due_first_action"] == nil && acted["due_agency_response"] != nil, "\(acted.text)")
        #expect(try await Self.call(d, "complaint.respond \(id)")["due_agency_response"] == nil)
        // Order to return all documents.
        #expect(try await Self.call(d, "complaint.documents_returned \(id)").code == "200")
        let shown = try await Self.show(d, id)
        #expect(shown.all("documents") == ["birth_certificate held=25 returned=25", "id_card held=25 returned=25"], "\(shown.text)")
        // 11 who had not left are refunded in full; the other 14 stay open until their outcome is known.
        let settled = try await Self.call(d, "complaint.settle \(id) complainants=1-11 outcome=full amount=195")
        #expect(settled["state"] == "PAYMENT_DUE" && settled["unpaid"] == "11" && settled["open"] == "14" && settled["due_payment"] != nil)
        let paid = try await Self.call(d, "complaint.pay \(id) complainants=1-11 amount=195")
        #expect(paid["state"] == "IN_PROGRESS" && paid["unpaid"] == "0" && paid["due_payment"] == nil, "\(paid.text)")
        let early = try await Self.call(d, "complaint.close \(id)")
        #expect(early.final.hasPrefix("551 INVALID_STATE") && early["reason"] == "complainants_open", "\(early.text)")
        #expect(try await Self.call(d, "complaint.settle \(id) complainants=12-25 outcome=no_action")["state"] == "SETTLED")
        #expect(try await Self.call(d, "complaint.close \(id)")["state"] == "CLOSED")

        let final = try await Self.show(d, id)
        #expect(final["repaid_usd"] == "2145" && final["outcomes"] == "full:11,no_action:14", "\(final.text)")
        #expect(final.all("escalation") == ["L0->L1 \(received) CMP-2 forwarded"])
        // Anyone holding the reference sees state and level, never names.
        let status = try await Self.call(d, "complaint.status \(reference)")
        #expect(status["state"] == "CLOSED" && status["level"] == "L1" && !status.text.contains("Canary"), "\(status.text)")
        let history = try await Self.call(d, "complaint.history \(id)")
        #expect(history.all("event") == ["file", "forward", "act", "agency_responded", "documents_returned", "settle", "pay", "settle", "close"],
                "\(history.text)")
        let stats = try await Self.call(d, "stats.complaints year=\(received.prefix(4))")
        #expect(stats.final("persons") == "25" && stats.final("female") == "13" && stats.final("cases") == "1", "\(stats.text)")
        #expect(stats.text.contains("200-dimension=category value=prepayment persons=25 female=13 cases=1"))
        // D7: the complainant's name never reached the daemon's log.
        #expect(!d.log.contains("Canary"))
    }

    // MARK: - C-2

    /// C-2: 34 people waited over a year; evidence collected; a village leader meeting (conciliation at
    /// L0) got the money back. The acknowledgement deadline is missed on the way (CMP-5 overdue flag).
    @Test func longWaitC2() async throws {
        let d = try await Self.daemon()
        defer { d.tearDown() }
        let (agency, _) = try await RegistryEndToEndTests.licensedAgency(d, en: "Slow Road Manpower", km: "ផ្លូវយឺត", director: "Keo Sokha", idCard: "220330440")
        let filed = try await Self.file(d, key: "c2-34-waited-0001",
            "channel=walk_in commune=140306 respondent=\(agency) categories=deployment_delay destination=TH",
            ["complainant count=20 sex=F age=25-34 commune=140306 paid=150 claimed=150",
             "complainant count=14 sex=M age=25-34 commune=140306 paid=150 claimed=150",
             "evidence kind=receipt description=\"receipts for USD 150\" sha256=\(String(repeating: "ab", count: 32))",
             "evidence kind=contract description=\"promise of a job within two months\""])
        #expect(filed.code == "201" && filed["level"] == "L0", "\(filed.text)")
        let id = filed["id"]!, received = filed["received"]!
        let ackDue = filed["due_ack"]!
        // The day after the acknowledgement deadline: flagged overdue, nothing escalates yet.
        let lapsed = try await Self.advance(d, days: Self.daysBetween(received, ackDue) + 1) {
            (try await Self.show(d, id))["overdue"] == "ack"
        }
        #expect(lapsed)
        #expect((try await Self.show(d, id))["level"] == "L0")
        #expect(try await Self.call(d, "complaint.ack \(id)").final.hasPrefix("200"))
        #expect(try await Self.call(d, "complaint.act \(id) action=\"village leader met the agency\"")["state"] == "IN_PROGRESS")
        let meeting = try await Self.call(d, "complaint.schedule \(id) on=\(ackDue) place=\"village hall\"")
        #expect(meeting["state"] == "CONCILIATION_SCHEDULED" && meeting["due_conciliation"] == nil, "\(meeting.text)")
        #expect(try await Self.call(d, "complaint.settle \(id) complainants=all outcome=full")["state"] == "PAYMENT_DUE")
        let paid = try await Self.call(d, "complaint.pay \(id) complainants=all amount=150")
        #expect(paid["state"] == "PAID" && paid["unpaid"] == "0", "\(paid.text)")
        #expect(try await Self.call(d, "complaint.close \(id)")["state"] == "CLOSED")
        let shown = try await Self.show(d, id)
        #expect(shown["repaid_usd"] == "5100" && shown.all("evidence").count == 2 && shown["overdue"] == "ack")
    }

    // MARK: - C-7

    /// C-7 Rice Natural (2014–2015): 201 people paid about USD 400 for Japan; complaints through ADHOC
    /// to the ministry (L2); recruitment suspended for 45 days; refunds ordered; a week later only 48
    /// repaid. The agency ignores the notice (PEN-7 proposal) and misses the payment deadline
    /// (PAYMENT_OVERDUE, another proposal; the deposit draw stays disabled).
    @Test func riceNaturalC7() async throws {
        let d = try await Self.daemon()
        defer { d.tearDown() }
        let (agency, licence) = try await RegistryEndToEndTests.licensedAgency(d, en: "Rice Natural Co., Ltd.", km: "រ៉ាយស៍ ណាជូរ៉ាល់",
                                                                               director: "Phan Rith", idCard: "330440550")
        let filed = try await Self.file(d, key: "c7-rice-natural-0001",
            "channel=ngo level=L2 province=12 respondent=\(licence) categories=prepayment,deployment_delay destination=JP filed_by=ngo",
            ["complainant count=120 sex=M age=25-34 commune=120101 paid=400 claimed=400",
             "complainant count=81 sex=F age=18-24 commune=120101 paid=400 claimed=400"])
        #expect(filed.code == "201" && filed["complainants"] == "201" && filed["respondent_agency"] == agency, "\(filed.text)")
        let id = filed["id"]!
        #expect(filed["due_settle"] != nil && filed["due_forward"] == nil)
        // The ministry suspends recruitment for 45 days (PEN-4 via the licence machine) and notifies.
        let suspended = try await Self.call(d, "licence.suspend \(licence) --days=45 --reason=\"complaints C-7\"")
        #expect(suspended.final.hasPrefix("200"), "\(suspended.text)")
        #expect(try await RegistryEndToEndTests.waitVerdict(d, licence, "RECRUITMENT_SUSPENDED"))
        let acted = try await Self.call(d, "complaint.act \(id) action=\"hearing called at the ministry\"")
        let responseDue = acted["due_agency_response"]!
        // Silence past the response deadline: a sanction proposal for the inspector (PEN-7).
        let silent = try await Self.advance(d, days: Self.daysBetween(filed["received"]!, responseDue) + 1) {
            (try await Self.call(d, "sanction.proposals agency=\(agency)"))["cause"] == "respondent_silent"
        }
        #expect(silent)
        #expect(try await Self.call(d, "complaint.schedule \(id) on=\(responseDue)")["state"] == "CONCILIATION_SCHEDULED")
        let ordered = try await Self.call(d, "complaint.settle \(id) complainants=all outcome=full")
        #expect(ordered["state"] == "PAYMENT_DUE" && ordered["unpaid"] == "201", "\(ordered.text)")
        let paymentDue = ordered["due_payment"]!
        #expect(try await Self.call(d, "complaint.pay \(id) complainants=1-48 amount=400")["unpaid"] == "153")
        let today = try await Self.call(d, "complaint.status \(filed["reference"]!)")
        _ = today
        let overdue = try await Self.advance(d, days: 31) { (try await Self.show(d, id))["state"] == "PAYMENT_OVERDUE" }
        #expect(overdue, "payment due \(paymentDue)")
        let shown = try await Self.show(d, id)
        #expect(shown.all("sanction_proposal").map { $0.split(separator: " ")[3] } == ["respondent_silent", "payment_overdue"], "\(shown.text)")
        #expect(shown["repaid_usd"] == "19200" && shown["overdue"]!.contains("payment"))
        // The machine's plan said CMP-9; the timer's audit entry carries it.
        let audit = try await Self.call(d, "audit.tail --limit=50")
        #expect(audit.text.contains("complaint.payment \(id)"))
        // Late payment still settles the rest; the case can then close.
        #expect(try await Self.call(d, "complaint.pay \(id) complainants=49-201 amount=400")["state"] == "PAID")
        #expect(try await Self.call(d, "complaint.close \(id)")["state"] == "CLOSED")
    }

    // MARK: - C-11

    /// C-11 Cambodia-Japan Care Skills (2015–2017): 60 paid USD 4,000; 35 accepted USD 2,000 in
    /// instalments, 25 refused; the case stays open for the 25.
    @Test func partialInstalmentsC11() async throws {
        let d = try await Self.daemon()
        defer { d.tearDown() }
        let (agency, _) = try await RegistryEndToEndTests.licensedAgency(d, en: "Care Skills Training Center", km: "មជ្ឈមណ្ឌល ថែទាំ", director: "Lim Sophal", idCard: "440550660")
        let filed = try await Self.file(d, key: "c11-care-skills-0001",
            "channel=letter level=L2 province=12 respondent=\(agency) categories=prepayment,contract_breach destination=JP",
            ["complainant count=60 sex=F age=18-24 commune=120101 paid=4000 claimed=4000"])
        let id = filed["id"]!
        #expect(try await Self.call(d, "complaint.act \(id)")["state"] == "IN_PROGRESS")
        let partial = try await Self.call(d, "complaint.settle \(id) complainants=1-35 outcome=partial amount=2000 instalments=4")
        #expect(partial["state"] == "PAYMENT_DUE" && partial["unpaid"] == "35" && partial["open"] == "25", "\(partial.text)")
        let refused = try await Self.call(d, "complaint.settle \(id) complainants=36-60 outcome=refused")
        #expect(refused["state"] == "PAYMENT_DUE" && refused["open"] == "25")
        for _ in 0..<3 { #expect(try await Self.call(d, "complaint.pay \(id) complainants=1-35 amount=500")["unpaid"] == "35") }
        let last = try await Self.call(d, "complaint.pay \(id) complainants=1-35 amount=500")
        // Paid in full for the 35; the 25 who refused keep the case open (CMP-8).
        #expect(last["state"] == "IN_PROGRESS" && last["unpaid"] == "0" && last["open"] == "25", "\(last.text)")
        #expect(try await Self.call(d, "complaint.close \(id)")["reason"] == "complainants_open")
        let people = try await Self.call(d, "complaint.complainants \(id)")
        #expect(people.all("outcome").filter { $0 == "partial" }.count == 35 && people.all("outcome").filter { $0 == "refused" }.count == 25)
        #expect(people.all("repaid_usd").filter { $0 == "2000.00" }.count == 35 && people.all("instalments").filter { $0 == "4" }.count == 35)
        // The refusers go to court after failed conciliation; the case is then referred and can close.
        #expect(try await Self.call(d, "complaint.fail \(id) --reason=\"25 refused partial payment\"")["state"] == "CONCILIATION_FAILED")
        #expect(try await Self.call(d, "complaint.refer \(id) to=court")["state"] == "REFERRED")
        #expect(try await Self.call(d, "complaint.close \(id)")["state"] == "CLOSED")
    }

    // MARK: - Escalation chain, pause, merge, transfer

    /// Nobody acts: L0 → L1 when the intake point does not forward (CMP-2), L1 → L2 when the first
    /// action is late (CMP-4, CMP-10), L2 → L3 when it is late again. Each level once.
    @Test func escalationChainWithoutAction() async throws {
        let d = try await Self.daemon()
        defer { d.tearDown() }
        let filed = try await Self.file(d, key: "chain-0001", "channel=hotline commune=140306 respondent=unknown categories=other",
                                        ["complainant sex=M age=35-44"])
        let id = filed["id"]!, received = filed["received"]!
        let firstAction = filed["due_first_action"]!
        let reached = try await Self.advance(d, days: Self.daysBetween(received, firstAction) + 1) {
            (try await Self.show(d, id))["level"] == "L2"
        }
        #expect(reached)
        var shown = try await Self.show(d, id)
        #expect(shown.all("escalation").map { $0.split(separator: " ").first! } == ["L0->L1", "L1->L2"], "\(shown.text)")
        #expect(shown.all("escalation").last?.hasSuffix("CMP-10 first_action_overdue") == true)
        guard shown["due_first_action"] != nil else { Issue.record("no re-armed first-action deadline: \(shown.text)"); return }
        let again = shown["due_first_action"]!
        let external = try await Self.advance(d, days: Self.daysBetween(firstAction, again) + 1) {
            (try await Self.show(d, id))["level"] == "L3"
        }
        #expect(external)
        shown = try await Self.show(d, id)
        #expect(shown.all("escalation").count == 3 && shown["due_first_action"] == nil && shown["overdue"]!.contains("first_action"))
        // The database refuses a second escalation to a level already reached (T5 backstop).
        let dup = try TestCluster.shared.psql("""
            DO $$ BEGIN
              INSERT INTO registry.complaint_escalations VALUES ('\(id)', 'L2', 'L1', now(), 'CMP-10', 'forced');
            EXCEPTION WHEN unique_violation THEN RAISE NOTICE 'refused'; END $$; SELECT count(*) FROM registry.complaint_escalations WHERE complaint_id = '\(id)'
            """, database: d.database!)
        #expect(dup.hasSuffix("3"))
    }

    /// A pause holds every deadline; resuming moves each on by the time paused. Transfer keeps the clock;
    /// merge keeps the old reference answering.
    @Test func pauseTransferMerge() async throws {
        let d = try await Self.daemon()
        defer { d.tearDown() }
        let a = try await Self.file(d, key: "pause-0001", "channel=written level=L1 province=14 respondent=unknown categories=abuse", ["complainant sex=F age=25-34"])
        let b = try await Self.file(d, key: "pause-0002", "channel=written level=L1 province=14 respondent=unknown categories=abuse", ["complainant sex=F age=25-34"])
        let id = a["id"]!
        let before = a["due_first_action"]!
        let paused = try await Self.call(d, "complaint.pause \(id) kind=waiting_on_complainant")
        #expect(paused["due_first_action"] == before + " (paused)", "\(paused.text)")
        // timer.list shows held timers too, marked, in due order with the others.
        let listed = try await Self.call(d, "timer.list")
        let rows = listed.text.split(separator: "\n").filter { $0.hasPrefix("200-") && $0.contains("subject=") }
        #expect(rows.contains { $0.contains("subject=\(id)") && $0.contains("held=yes") }, "\(listed.text)")
        #expect(rows.contains { $0.contains("subject=\(b["id"]!)") && $0.contains("held=no") }, "\(listed.text)")
        let dues = rows.compactMap { $0.split(separator: " ").first { $0.hasPrefix("due=") } }
        #expect(dues == dues.sorted() && dues.count == rows.count, "\(listed.text)")
        // Past the deadline while paused: nothing fires.
        #expect(try await Self.call(d, "clock.advance days=15").code == "200")
        try await Task.sleep(for: .milliseconds(800))
        #expect((try await Self.show(d, id))["level"] == "L1")
        let resumed = try await Self.call(d, "complaint.resume \(id)")
        #expect(resumed["paused_days"] == "15.0" && resumed["due_first_action"] == CivilDate(before)!.adding(days: 15).description, "\(resumed.text)")
        // Transfer to another province keeps the deadline.
        let moved = try await Self.call(d, "complaint.transfer \(id) province=12 --reason=\"worker moved to Phnom Penh\"")
        #expect(moved["province"] == "12" && moved["due_first_action"] == resumed["due_first_action"], "\(moved.text)")
        // b duplicates a: merged, b's reference now answers with a.
        #expect(try await Self.call(d, "complaint.merge \(b["id"]!) into=\(id) --reason=\"same people\"")["merged_into"] == id)
        let status = try await Self.call(d, "complaint.status \(b["reference"]!)")
        #expect(status["merged_into_reference"] == a["reference"] && status["state"] == "RECEIVED", "\(status.text)")
        #expect(try await Self.call(d, "complaint.ack \(b["id"]!)").final.hasPrefix("551"))
    }

    // MARK: - Idempotency

    @Test func filingNeedsAKeyAndNeverDuplicates() async throws {
        let d = try await Self.daemon()
        defer { d.tearDown() }
        let head = "channel=hotline province=12 respondent=unknown categories=fee_overcharge"
        let noKey = try await Self.call(d, "complaint.file \(head) <<END\ncomplainant sex=F\n\nEND\n")
        #expect(noKey.final.hasPrefix("501 BAD_ARGUMENTS arg=\"--idempotency-key\""), "\(noKey.text)")
        let first = try await Self.file(d, key: "idem-key-0001", head, ["complainant sex=F age=18-24 paid=300"])
        let again = try await Self.file(d, key: "idem-key-0001", head, ["complainant sex=F age=18-24 paid=300"])
        #expect(again["id"] == first["id"] && again["reference"] == first["reference"] && again.final.contains("replayed=true"))
        let other = try await Self.file(d, key: "idem-key-0001", head, ["complainant sex=M age=18-24 paid=300"])
        #expect(other.final.hasPrefix("552 CONFLICT reason=idempotency_key_reused"), "\(other.text)")
        #expect(try await Self.call(d, "complaint.list")["rows"] == "1")
        // One live deadline of a kind per case, whoever writes: the database refuses a second one
        // (the unique index of live timers by subject and kind, sql/0017).
        let live = "FROM registry.timers WHERE subject = '\(first["id"]!)' AND fired_at IS NULL AND cancelled_at IS NULL"
        #expect(try TestCluster.shared.psql("SELECT count(*) \(live)", database: d.database!).hasSuffix("3"))
        // Only the unique violation is caught: an accepted copy, or none to copy, fails the psql call.
        let twice = try TestCluster.shared.psql("""
            DO $$ BEGIN
              INSERT INTO registry.timers (kind, subject, due_at, rule)
                SELECT kind, subject, due_at + interval '1 day', rule \(live) AND kind = 'complaint.first_action';
              IF FOUND THEN RAISE EXCEPTION 'a second live first-action deadline was accepted'; END IF;
              RAISE EXCEPTION 'no live first-action deadline to copy';
            EXCEPTION WHEN unique_violation THEN NULL; END $$; SELECT count(*) \(live)
            """, database: d.database!)
        #expect(twice.hasSuffix("3"), "\(twice)")
        // A dry run (rolled back) and a broker looked up in the database give the same reply shape.
        let dry = try await Self.file(d, key: "idem-key-dry-01", head + " --dry-run", ["complainant sex=F age=18-24 paid=300"])
        #expect(dry.code == "201" && dry["due_first_action"] == first["due_first_action"] && dry.final.contains("dry_run=true"), "\(dry.text)")
        #expect(try await Self.call(d, "complaint.list")["rows"] == "1")
        let broker = try await Self.file(d, key: "idem-key-broker", head + " broker=998877665", ["complainant sex=M age=25-34 paid=250"])
        #expect(broker.code == "201" && broker["due_first_action"] == first["due_first_action"], "\(broker.text)")
        #expect((try await Self.show(d, broker["id"]!))["respondent_kind"] == "broker")
        #expect(try await Self.call(d, "complaint.list")["rows"] == "2")
        // Bad payloads are refused with the line and lose nothing.
        let bad = try await Self.file(d, key: "idem-key-0002", head, ["complainant sex=Q"])
        #expect(bad.final.hasPrefix("553 INVALID_VALUE field=payload line=1"), "\(bad.text)")
        // How it reached the registry is one of the known channels (CMP-2, CMP-3).
        let channel = try await Self.file(d, key: "idem-key-0003", "channel=telegram province=12 respondent=unknown categories=abuse",
                                          ["complainant sex=F"])
        #expect(channel.final.hasPrefix("501 BAD_ARGUMENTS arg=channel") && channel.final.contains("written"), "\(channel.text)")
        #expect(try await Self.call(d, "complaint.list")["rows"] == "2")
    }

    /// A status lookup is a single statement outside any transaction, yet still held to the command
    /// deadline: blocked by a lock it answers 453 at the deadline, not when the lock is released.
    @Test func statusLookupKeepsTheCommandDeadline() async throws {
        let d = try await Self.daemon(extra: ["REGISTRYD_LIMITS_COMMAND_DEADLINE_SECONDS": "2"])
        defer { d.tearDown() }
        let filed = try await Self.file(d, key: "deadline-0001", "channel=hotline province=12 respondent=unknown categories=abuse",
                                        ["complainant sex=F age=25-34"])
        let reference = try #require(filed["reference"])
        let database = try #require(d.database)
        let locker = Task {
            try await offPool { try TestCluster.shared.psql("BEGIN; LOCK registry.complaints IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(6); COMMIT;",
                                                            database: database) }
        }
        try await Task.sleep(for: .milliseconds(500))
        let started = ContinuousClock.now
        let blocked = try await Self.call(d, "complaint.status \(reference)")
        let waited = started.duration(to: .now)
        #expect(blocked.final.hasPrefix("453 TIMEOUT") && waited < .seconds(5), "\(blocked.text) after \(waited)")
        _ = try await locker.value
        #expect(try await Self.call(d, "complaint.status \(reference)")["state"] == "RECEIVED")
    }

    /// Notes on a case, by `text=` or a heredoc: kept with the case in order, each an event of its
    /// history under CMP-12 (transparent handling); a note without text is refused and records nothing.
    @Test func notesAreKeptWithTheCase() async throws {
        let d = try await Self.daemon()
        defer { d.tearDown() }
        let filed = try await Self.file(d, key: "note-case-0001", "channel=hotline province=12 respondent=unknown categories=other",
                                        ["complainant sex=F age=18-24"])
        let id = try #require(filed["id"], "\(filed.text)")
        #expect(try await Self.call(d, "complaint.note \(id) text=\"called the complainant back\"")["id"] == id)
        #expect(try await Self.call(d, "complaint.note \(id) <<END\nthe agency's office is closed;\nneighbours say it moved to Phnom Penh\nEND\n").code == "200")
        let empty = try await Self.call(d, "complaint.note \(id)")
        #expect(empty.final.hasPrefix("501 BAD_ARGUMENTS arg=text"), "\(empty.text)")
        let notes = try await Self.show(d, id).all("note")
        #expect(notes.count == 2, "\(notes)")
        #expect(notes.first?.hasSuffix("called the complainant back") == true && notes.last?.contains("neighbours say it moved") == true, "\(notes)")
        let history = try await Self.call(d, "complaint.history \(id)")
        #expect(history.all("event") == ["file", "note", "note"], "\(history.text)")
        #expect(Array(history.all("rule").suffix(2)) == ["CMP-12", "CMP-12"], "\(history.text)")
    }

    /// R7: ten clients send the same filing with one key at the same moment: one case, ten equal answers.
    @Test func concurrentRetriesWithOneKeyFileOnce() async throws {
        let d = try await Self.daemon()
        defer { d.tearDown() }
        let request = "complaint.file channel=hotline province=12 respondent=unknown categories=other --idempotency-key=same-key-0001 <<\n"
            + "complainant sex=F age=18-24\n\n"
        let ids = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<10 { group.addTask { ReplyText(text: try await offPool { try d.socat(request, socket: d.staffSocket) }).final("id") } }
            var out: [String?] = []
            for try await id in group { out.append(id) }
            return out
        }
        #expect(ids.count == 10 && Set(ids.compactMap { $0 }).count == 1 && ids.allSatisfy { $0 != nil }, "\(ids)")
        #expect(try TestCluster.shared.psql("SELECT count(*) FROM registry.complaints", database: d.database!) == "1")
    }

    /// Group commit: filings that arrive together are written together, and a filing the database
    /// refuses fails alone. A test trigger refuses one narrative; 30 concurrent filings, 29 filed once
    /// each with their own case, the refused one answered with an error and nothing of it kept.
    @Test func concurrentFilingsShareACommitAndFailAlone() async throws {
        let d = try await Self.daemon()
        defer { d.tearDown() }
        let db = d.database!
        try TestCluster.shared.psql("""
            CREATE FUNCTION registry.test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.narrative = 'poison' THEN RAISE EXCEPTION 'refused by test trigger'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER test_poison BEFORE INSERT ON registry.complaints FOR EACH ROW EXECUTE FUNCTION registry.test_poison();
            """, database: db)
        @Sendable func request(_ i: Int) -> String {
            "complaint.file channel=hotline province=12 respondent=unknown categories=other --idempotency-key=group-\(String(format: "%04d", i)) <<END\n"
                + "complainant sex=F age=18-24\n\n\(i == 17 ? "poison" : "filing \(i)")\nEND\n"
        }
        let replies = try await withThrowingTaskGroup(of: (Int, ReplyText).self) { group in
            for i in 0..<30 { group.addTask { (i, ReplyText(text: try await offPool { try d.socat(request(i), socket: d.staffSocket) })) } }
            var out: [Int: ReplyText] = [:]
            for try await (i, r) in group { out[i] = r }
            return out
        }
        #expect(replies.count == 30)
        for (i, r) in replies {
            if i == 17 {
                #expect(r.code != "201" && !r.code.isEmpty, "\(r.text)")
            } else {
                #expect(r.code == "201", "filing \(i): \(r.text)")
            }
        }
        let ids = replies.filter { $0.key != 17 }.compactMap { $0.value.final("id") }
        #expect(Set(ids).count == 29)
        #expect(try TestCluster.shared.psql("SELECT count(*), count(DISTINCT narrative) FROM registry.complaints", database: db) == "29|29")
        #expect(try TestCluster.shared.psql("SELECT count(*) FROM registry.complaints WHERE narrative = 'poison'", database: db) == "0")
        #expect(try TestCluster.shared.psql("SELECT count(*) FROM registry.idempotency WHERE key = 'group-0017'", database: db) == "0")
        #expect(try TestCluster.shared.psql("SELECT count(*) FROM registry.audit_log WHERE command = 'complaint.file' AND code = 201", database: db) == "29")
        // The refused filing can be corrected and filed with its key afterwards.
        let retry = ReplyText(text: try await offPool { try d.socat(request(17).replacingOccurrences(of: "poison", with: "corrected"), socket: d.staffSocket) })
        #expect(retry.code == "201", "\(retry.text)")
        print("group commit: refused filing \(d.log.contains("filing one by one") ? "was" : "was not") in a batch with others")
    }

    // MARK: - Statistics (C-4)

    /// C-4: the ministry published 493 persons (187 female) for 2017 and 214 (98 female) for 2018.
    @Test func statisticsInThePublishedShape() async throws {
        let d = try await Self.daemon()
        defer { d.tearDown() }
        let head = "channel=written level=L2 province=12 respondent=unknown categories=deployment_delay destination=TH"
        let groups2017 = [(201, 80, "2017-03-02"), (200, 70, "2017-06-15"), (92, 37, "2017-11-20")]
        for (i, g) in groups2017.enumerated() {
            let r = try await Self.file(d, key: "stats-2017-\(i)", head + " received=\(g.2)",
                                        ["complainant count=\(g.1) sex=F age=25-34", "complainant count=\(g.0 - g.1) sex=M age=25-34"])
            #expect(r.code == "201", "\(r.text)")
        }
        _ = try await Self.file(d, key: "stats-2018-0", head.replacingOccurrences(of: "destination=TH", with: "destination=MY") + " received=2018-05-01",
                                ["complainant count=98 sex=F age=18-24", "complainant count=116 sex=M age=18-24"])
        let y2017 = try await Self.call(d, "stats.complaints year=2017")
        #expect(y2017.final("persons") == "493" && y2017.final("female") == "187" && y2017.final("cases") == "3", "\(y2017.text)")
        #expect(y2017.text.contains("200-dimension=sex value=F persons=187 female=187 cases=3"))
        #expect(y2017.text.contains("200-dimension=destination value=TH persons=493 female=187 cases=3"))
        let y2018 = try await Self.call(d, "stats.complaints year=2018 by=destination")
        #expect(y2018.final("persons") == "214" && y2018.final("female") == "98" && y2018.text.contains("value=MY persons=214"), "\(y2018.text)")
        // The row-level scope check is part of the plan (sql/0009), not a function called per row read.
        let plan = try TestCluster.shared.psql("SET ROLE registry_app; EXPLAIN SELECT count(*) FROM registry.complaints", database: d.database!)
        #expect(plan.contains("current_setting") && !plan.contains("scope_allows"), "\(plan)")
    }

    // MARK: - Scope and victim data

    /// Commune chiefs see their commune's cases, provincial staff their province's, ministry staff all;
    /// out of scope is 550 NOT_FOUND, enforced by row-level security too. Identities only through
    /// victim.read with a reason, one audit entry per read; the runtime role cannot select them.
    @Test func scopeAndVictimIdentity() async throws {
        let d = try await Self.daemon()
        defer { d.tearDown() }
        for line in ["staff.add uid=4242 name=\"Chief Kampong Leav\" roles=commune_chief communes=140306",
                     "staff.add uid=4243 name=\"Chief Other\" roles=commune_chief communes=140101",
                     "staff.add uid=4244 name=\"PDoLVT Prey Veng\" roles=inspector provinces=14",
                     "staff.add uid=4245 name=\"PDoLVT Kandal\" roles=inspector provinces=08",
                     "staff.add uid=4246 name=\"Hotline\" roles=hotline_operator"] {
            #expect(try await Self.call(d, line).code == "201", "\(line)")
        }
        let filed = try await Self.file(d, key: "scope-0001", "channel=written respondent=unknown categories=document_retention",
                                        ["complainant sex=F age=18-24 name=\"Canary Neang Kanha\" id_card=123456789 phone=011222333"], asUID: 4242)
        #expect(filed.code == "201" && filed["level"] == "L0", "\(filed.text)")
        let id = filed["id"]!
        // A chief cannot file outside the commune.
        let outside = try await Self.file(d, key: "scope-0002", "channel=written commune=140101 respondent=unknown categories=other",
                                          ["complainant sex=M"], asUID: 4242)
        #expect(outside.final.hasPrefix("537 PERMISSION_DENIED reason=out_of_scope"), "\(outside.text)")
        for (uid, visible) in [(4242, true), (4243, false), (4244, true), (4245, false), (0, true)] {
            let shown = try await Self.call(d, "complaint.show \(id)", asUID: uid == 0 ? nil : uid)
            #expect(shown.code == (visible ? "200" : "550"), "uid \(uid): \(shown.text)")
            #expect(!shown.text.contains("Canary"))
            let listed = try await Self.call(d, "complaint.list", asUID: uid == 0 ? nil : uid)
            #expect(listed["rows"] == (visible ? "1" : "0"))
            let victim = try await Self.call(d, "victim.read \(id) --reason=\"refund follow-up\"", asUID: uid == 0 ? nil : uid)
            #expect(victim.code == (visible ? "200" : "550"), "uid \(uid): \(victim.text)")
        }
        // Hotline: no case file, but the status by reference.
        #expect(try await Self.call(d, "complaint.show \(id)", asUID: 4246).code == "537")
        #expect(try await Self.call(d, "complaint.status \(filed["reference"]!)", asUID: 4246)["state"] == "RECEIVED")
        // victim.read needs a reason; with one it shows the identity and leaves exactly one audit entry.
        #expect(try await Self.call(d, "victim.read \(id)", asUID: 4242).final.hasPrefix("501"))
        let read = try await Self.call(d, "victim.read \(id) --reason=\"calling her back\"", asUID: 4242)
        #expect(read["name"] == "Canary Neang Kanha" && read["id_card"] == "123456789" && read["audited"] == "true")
        let entries = try TestCluster.shared.psql("""
            SELECT count(*) FROM registry.audit_log WHERE command = 'victim.read' AND arguments = '\(id)' AND detail LIKE 'reason=calling her back%'
            """, database: d.database!)
        #expect(entries == "1")
        // Reads by the three in-scope callers above plus this one: four entries, none for the refused two.
        #expect(try TestCluster.shared.psql("SELECT count(*) FROM registry.audit_log WHERE command = 'victim.read'", database: d.database!) == "4")
        // The runtime role cannot read identities directly, and RLS hides other scopes from it.
        #expect(throws: (any Error).self) {
            try TestCluster.shared.psql("SELECT * FROM registry.complainant_identities", database: d.database!, user: "registry_app")
        }
        let unscoped = try TestCluster.shared.psql("SELECT count(*) FROM registry.complaints", database: d.database!, user: "registry_app")
        #expect(unscoped == "0")
        // Forwarded to the province, the case stays visible to the chief who filed it, and to the province.
        #expect(try await Self.call(d, "complaint.forward \(id) to=L1")["level"] == "L1")
        #expect(try await Self.call(d, "complaint.show \(id)", asUID: 4242).code == "200")
        #expect(try await Self.call(d, "complaint.show \(id)", asUID: 4243).code == "550")
        // No canary in the daemon's log.
        #expect(!d.log.contains("Canary") && !d.log.contains("123456789"))
    }
}
