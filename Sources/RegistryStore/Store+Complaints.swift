import Foundation
import PostgresNIO
import RegistryDomain

/// Complaint cases (Prakas 249). Every query runs under the caller's row-level-security scope; the
/// identity table is written here but read only through `registry.read_identities`.
extension Transaction {
    // MARK: - Reading a case

    static let complaintColumns = """
        c.id, c.reference, c.state, c.level, c.intake_level, c.channel, c.filed_by, c.province, c.commune, c.respondent_kind,
        c.respondent_agency, c.respondent_ref, c.categories, c.destination, c.received_on::text, c.conciliation_on::text,
        c.paused_kind, c.criminal_referral, c.merged_into, c.overdue, c.narrative,
        (SELECT count(*) FROM registry.complainants p WHERE p.complaint_id = c.id),
        (SELECT count(*) FROM registry.complainants p WHERE p.complaint_id = c.id AND p.outcome IN ('pending', 'refused')),
        (SELECT count(*) FROM registry.complainants p WHERE p.complaint_id = c.id AND p.outcome IN ('full', 'partial')
            AND p.repaid_usd < p.settled_usd)
        """

    /// The case if the caller's scope lets them see it.
    public func complaint(_ id: String, lock: Bool = false) async throws -> ComplaintRecord? {
        if lock { try await query("SELECT 1 FROM registry.complaints WHERE id = \(id) FOR UPDATE") }
        var sql = PostgresQuery(unsafeSQL: "SELECT \(Self.complaintColumns) FROM registry.complaints c WHERE c.id = $1")
        sql.binds.append(id)
        for try await row in try await query(sql) {
            return try Self.complaintRecord(row)
        }
        return nil
    }

    static func complaintRecord(_ row: PostgresRow) throws -> ComplaintRecord {
        let r = row.makeRandomAccess()
        func s(_ i: Int) throws -> String { try r[i].decode(String.self) }
        func o(_ i: Int) throws -> String? { try r[i].decode(String?.self) }
        func n(_ i: Int) throws -> Int { Int(try r[i].decode(Int64.self)) }
        return ComplaintRecord(
            id: try s(0), reference: try s(1), state: ComplaintState(rawValue: try s(2)) ?? .received,
            level: ComplaintLevel(rawValue: try s(3)) ?? .l0, intakeLevel: ComplaintLevel(rawValue: try s(4)) ?? .l0,
            channel: try s(5), filedBy: try s(6), province: try s(7), commune: try o(8), respondentKind: try s(9),
            respondentAgency: try o(10), respondentRef: try o(11), categories: try r[12].decode([String].self),
            destination: try o(13), receivedOn: CivilDate(try s(14)) ?? CivilDate(daysSinceEpoch: 0), conciliationOn: try o(15),
            pausedKind: try o(16), criminalReferral: try o(17), mergedInto: try o(18), overdue: try r[19].decode([String].self),
            complainants: try n(21), open: try n(22), unpaid: try n(23), narrative: try s(20))
    }

    /// Cases in scope, newest first, optionally filtered.
    public func complaints(state: String?, level: String?, overdueOnly: Bool, respondent: String?, limit: Int) async throws -> [ComplaintRecord] {
        var sql = PostgresQuery(unsafeSQL: """
            SELECT \(Self.complaintColumns) FROM registry.complaints c
            WHERE ($1::text IS NULL OR c.state = $1) AND ($2::text IS NULL OR c.level = $2)
              AND (NOT $3 OR cardinality(c.overdue) > 0) AND ($4::text IS NULL OR c.respondent_agency = $4)
              AND c.merged_into IS NULL
            ORDER BY c.filed_at DESC, c.id DESC LIMIT $5
            """)
        sql.binds.append(state)
        sql.binds.append(level)
        sql.binds.append(overdueOnly)
        sql.binds.append(respondent)
        sql.binds.append(limit)
        var out: [ComplaintRecord] = []
        for try await row in try await query(sql) { out.append(try Self.complaintRecord(row)) }
        return out
    }

    /// Each complainant's case data and outcome, in order (no identity).
    public func complainants(of id: String) async throws -> [ComplainantRecord] {
        var out: [ComplainantRecord] = []
        for try await (n, sex, age, commune, paid, claimed, outcome, settled, instalments, repaid) in try await query("""
            SELECT n, sex, age_band, home_commune, paid_usd::text, claimed_usd::text, outcome, settled_usd::text, instalments, repaid_usd::text
            FROM registry.complainants WHERE complaint_id = \(id) ORDER BY n
            """).decode((Int32, String, String, String?, String, String, String, String, Int32, String).self) {
            out.append(ComplainantRecord(n: Int(n), sex: sex, ageBand: age, homeCommune: commune, paidUSD: paid, claimedUSD: claimed,
                                         outcome: outcome, settledUSD: settled, instalments: Int(instalments), repaidUSD: repaid))
        }
        return out
    }

    /// Documents held per kind: (kind, held, returned).
    public func documentsHeld(of id: String) async throws -> [(kind: String, held: Int, returned: Int)] {
        var out: [(String, Int, Int)] = []
        for try await (kind, held, returned) in try await query("""
            SELECT kind, count(*), count(returned_on) FROM registry.complaint_documents WHERE complaint_id = \(id) GROUP BY kind ORDER BY kind
            """).decode((String, Int64, Int64).self) { out.append((kind, Int(held), Int(returned))) }
        return out.map { (kind: $0.0, held: $0.1, returned: $0.2) }
    }

    /// Evidence items in the order filed.
    public func evidence(of id: String) async throws -> [(item: Int, kind: String, description: String, sha256: String?)] {
        var out: [(Int, String, String, String?)] = []
        for try await (item, kind, description, sha) in try await query("""
            SELECT item, kind, description, sha256 FROM registry.complaint_evidence WHERE complaint_id = \(id) ORDER BY item
            """).decode((Int32, String, String, String?).self) { out.append((Int(item), kind, description, sha)) }
        return out.map { (item: $0.0, kind: $0.1, description: $0.2, sha256: $0.3) }
    }

    /// The case's history, oldest first.
    public func complaintEvents(of id: String) async throws -> [[String]] {
        var out: [[String]] = []
        for try await (at, event, state, level, rule, detail, actor) in try await query("""
            SELECT to_char(at AT TIME ZONE 'Asia/Phnom_Penh', 'YYYY-MM-DD HH24:MI'), event, state_after, level_after, rule, detail, actor
            FROM registry.complaint_events WHERE complaint_id = \(id) ORDER BY seq
            """).decode((String, String, String, String, String, String, String).self) {
            out.append([at, event, state, level, rule, detail, actor])
        }
        return out
    }

    /// Escalations of a case, one per level reached.
    public func escalations(of id: String) async throws -> [(level: String, from: String, on: String, rule: String, cause: String)] {
        var out: [(String, String, String, String, String)] = []
        for try await row in try await query("""
            SELECT level, from_level, (at AT TIME ZONE 'Asia/Phnom_Penh')::date::text, rule, cause
            FROM registry.complaint_escalations WHERE complaint_id = \(id) ORDER BY level
            """).decode((String, String, String, String, String).self) { out.append(row) }
        return out.map { (level: $0.0, from: $0.1, on: $0.2, rule: $0.3, cause: $0.4) }
    }

    /// Live deadlines of a case: the day each falls due (it fires when that day has ended) and whether
    /// it is held by a pause.
    public func complaintDeadlines(of id: String) async throws -> [(kind: String, due: String, held: Bool)] {
        var out: [(String, String, Bool)] = []
        for try await row in try await query("""
            SELECT kind, ((due_at - interval '1 microsecond') AT TIME ZONE 'Asia/Phnom_Penh')::date::text, held_since IS NOT NULL
            FROM registry.timers WHERE subject = \(id) AND kind LIKE 'complaint.%' AND fired_at IS NULL AND cancelled_at IS NULL
            ORDER BY due_at, kind
            """).decode((String, String, Bool).self) { out.append(row) }
        return out.map { (kind: $0.0, due: $0.1, held: $0.2) }
    }

    /// Sanction proposals raised by the case's deadlines (PEN-7).
    public func sanctionProposals(of id: String) async throws -> [(id: String, agency: String, rule: String, cause: String, state: String)] {
        var out: [(String, String, String, String, String)] = []
        for try await row in try await query("""
            SELECT id, agency_id, rule, cause, state FROM registry.sanction_proposals WHERE complaint_id = \(id) ORDER BY proposed_at, id
            """).decode((String, String, String, String, String).self) { out.append(row) }
        return out.map { (id: $0.0, agency: $0.1, rule: $0.2, cause: $0.3, state: $0.4) }
    }

    // MARK: - Applying a transition

    /// Applies a machine plan: state and level, timers, escalation (unique per case and level),
    /// sanction proposal, overdue flag and the event row, all in this transaction.
    public func applyComplaintPlan(_ plan: ComplaintMachine.Plan, to c: ComplaintRecord, event: String, detail: String) async throws {
        var overdue = c.overdue
        if let missed = plan.overdue, !overdue.contains(missed.shortName) { overdue.append(missed.shortName) }
        if plan.state != c.state || plan.level != c.level || overdue != c.overdue {
            try await query("""
                UPDATE registry.complaints SET state = \(plan.state.rawValue), level = \(plan.level.rawValue), overdue = \(overdue),
                       updated_at = registry.now()
                WHERE id = \(c.id)
                """)
        }
        if plan.criminalReferral {
            try await query("UPDATE registry.complaints SET criminal_referral = \(detail) WHERE id = \(c.id)")
        }
        // Cancel what the plan stops and what it re-arms (one live timer per kind and case), then arm.
        let stop = plan.cancelAll ? nil : Array(plan.cancel.union(plan.arm.keys).map(\.rawValue)).sorted()
        if plan.cancelAll || !(stop ?? []).isEmpty {
            try await query("""
                UPDATE registry.timers SET cancelled_at = registry.now(), outcome = 'cancelled'
                WHERE subject = \(c.id) AND kind LIKE 'complaint.%' AND fired_at IS NULL AND cancelled_at IS NULL
                  AND (\(stop)::text[] IS NULL OR kind = ANY (\(stop)::text[]))
                """)
        }
        if !plan.arm.isEmpty {
            // Due on day D: fires when D has ended.
            let arms = plan.arm.sorted { $0.key.rawValue < $1.key.rawValue }
            try await query("""
                INSERT INTO registry.timers (kind, subject, due_at, rule, held_since)
                SELECT kind, \(c.id), registry.day_start(due::date), rule,
                       (SELECT paused_since FROM registry.complaints WHERE id = \(c.id))
                FROM unnest(\(arms.map(\.key.rawValue))::text[], \(arms.map { $0.value.adding(days: 1).description })::text[],
                            \(arms.map(\.key.rule))::text[]) AS x(kind, due, rule)
                """)
        }
        if let e = plan.escalation {
            try await query("""
                INSERT INTO registry.complaint_escalations (complaint_id, level, from_level, at, rule, cause)
                VALUES (\(c.id), \(e.to.rawValue), \(e.from.rawValue), registry.now(), \(e.rule), \(e.cause))
                """)
        }
        if let s = plan.sanction, let agency = c.respondentAgency {
            try await query("""
                INSERT INTO registry.sanction_proposals (id, complaint_id, agency_id, rule, cause, proposed_at)
                VALUES ('SP-' || nextval('registry.sanction_proposal_seq'), \(c.id), \(agency), \(s.rule), \(s.cause), registry.now())
                ON CONFLICT (complaint_id, cause) DO NOTHING
                """)
        }
        try await recordComplaintEvent(c.id, event: event, state: plan.state, level: plan.level, rule: plan.rule, detail: detail)
    }

    /// Appends one event to the case's history.
    public func recordComplaintEvent(_ id: String, event: String, state: ComplaintState, level: ComplaintLevel, rule: String, detail: String) async throws {
        try await query("""
            INSERT INTO registry.complaint_events (complaint_id, at, actor, event, state_after, level_after, rule, detail)
            VALUES (\(id), registry.now(), \(context.actor), \(event), \(state.rawValue), \(level.rawValue), \(rule), \(detail))
            """)
    }

    // MARK: - Per-complainant effects

    /// Records a settlement outcome for the given complainants; returns how many rows changed.
    public func settleComplainants(_ id: String, numbers: [Int], outcome: ComplainantOutcome, amountUSD: String?, instalments: Int) async throws -> Int {
        var changed = 0
        for try await n in try await query("""
            UPDATE registry.complainants SET outcome = \(outcome.rawValue),
                   settled_usd = CASE WHEN \(outcome.owesMoney) THEN coalesce(\(amountUSD)::numeric, claimed_usd) ELSE 0 END,
                   instalments = \(instalments)
            WHERE complaint_id = \(id) AND n = ANY (\(numbers)::int[]) RETURNING n
            """).decode(Int32.self) { _ = n; changed += 1 }
        if outcome == .documentsReturned { _ = try await returnDocuments(id, numbers: numbers) }
        return changed
    }

    /// Marks documents held as returned (all, or those of the given complainants).
    public func returnDocuments(_ id: String, numbers: [Int]?) async throws -> Int {
        var changed = 0
        for try await _ in try await query("""
            UPDATE registry.complaint_documents SET returned_on = registry.today()
            WHERE complaint_id = \(id) AND returned_on IS NULL AND (\(numbers)::int[] IS NULL OR n = ANY (\(numbers)::int[])) RETURNING 1
            """) { changed += 1 }
        return changed
    }

    /// Records one payment of `amountUSD` to each of the given complainants (an instalment or the whole).
    public func recordPayments(_ id: String, numbers: [Int], amountUSD: String) async throws -> Int {
        var changed = 0
        for try await _ in try await query("""
            WITH paid AS (
                UPDATE registry.complainants SET repaid_usd = repaid_usd + \(amountUSD)::numeric
                WHERE complaint_id = \(id) AND n = ANY (\(numbers)::int[]) AND outcome IN ('full', 'partial') RETURNING n
            )
            INSERT INTO registry.complaint_payments (complaint_id, n, amount_usd, paid_on, recorded_by)
            SELECT \(id), n, \(amountUSD)::numeric, registry.today(), \(context.actor) FROM paid RETURNING 1
            """) { changed += 1 }
        return changed
    }

    // MARK: - Pause, transfer, merge, notes

    /// Holds every live deadline of the case.
    public func pauseComplaint(_ id: String, kind: String) async throws {
        try await query("""
            UPDATE registry.complaints SET paused_kind = \(kind), paused_since = registry.now(), updated_at = registry.now() WHERE id = \(id)
            """)
        try await query("""
            UPDATE registry.timers SET held_since = registry.now()
            WHERE subject = \(id) AND kind LIKE 'complaint.%' AND fired_at IS NULL AND cancelled_at IS NULL AND held_since IS NULL
            """)
    }

    /// Releases the deadlines, each moved on by the time paused in whole days (deadlines are kept in
    /// days: a pause of 15 days and a few seconds extends them by 15). Returns (days paused, days added).
    public func resumeComplaint(_ id: String) async throws -> (paused: Double, extended: Int) {
        var days = 0.0
        for try await d in try await query("""
            SELECT extract(epoch FROM registry.now() - paused_since)::float8 / 86400 FROM registry.complaints WHERE id = \(id)
            """).decode(Double?.self) { days = d ?? 0 }
        let extended = Int(days.rounded())
        try await query("""
            UPDATE registry.timers SET due_at = due_at + make_interval(days => \(extended)::int), held_since = NULL
            WHERE subject = \(id) AND kind LIKE 'complaint.%' AND fired_at IS NULL AND cancelled_at IS NULL AND held_since IS NOT NULL
            """)
        try await query("UPDATE registry.complaints SET paused_kind = NULL, paused_since = NULL, updated_at = registry.now() WHERE id = \(id)")
        return (days, extended)
    }

    /// Moves the case to another office; deadlines are untouched.
    public func transferComplaint(_ id: String, province: String, commune: String?) async throws {
        try await query("""
            UPDATE registry.complaints SET province = \(province), commune = \(commune), updated_at = registry.now() WHERE id = \(id)
            """)
    }

    /// Closes `duplicate` into `keep`: its complainants stay on it (with their history), its reference
    /// keeps answering with the kept case, its deadlines stop.
    public func mergeComplaint(_ duplicate: String, into keep: String) async throws {
        try await query("""
            UPDATE registry.complaints SET merged_into = \(keep), state = 'CLOSED', updated_at = registry.now() WHERE id = \(duplicate)
            """)
        try await query("""
            UPDATE registry.timers SET cancelled_at = registry.now(), outcome = 'merged'
            WHERE subject = \(duplicate) AND kind LIKE 'complaint.%' AND fired_at IS NULL AND cancelled_at IS NULL
            """)
    }

    /// Adds a note to the case.
    public func addComplaintNote(_ id: String, body: String) async throws {
        try await query("INSERT INTO registry.complaint_notes (complaint_id, at, actor, body) VALUES (\(id), registry.now(), \(context.actor), \(body))")
    }

    /// The case's notes, oldest first.
    public func complaintNotes(of id: String) async throws -> [(at: String, actor: String, body: String)] {
        var out: [(String, String, String)] = []
        for try await row in try await query("""
            SELECT to_char(at AT TIME ZONE 'Asia/Phnom_Penh', 'YYYY-MM-DD HH24:MI'), actor, body FROM registry.complaint_notes
            WHERE complaint_id = \(id) ORDER BY seq
            """).decode((String, String, String).self) { out.append(row) }
        return out.map { (at: $0.0, actor: $0.1, body: $0.2) }
    }

    // MARK: - Victim identity

    /// Identities of a case's complainants, through the audited gate.
    public func readIdentities(_ id: String, reason: String) async throws -> [(n: Int, name: String, idCard: String, phone: String, address: String)] {
        var out: [(Int, String, String, String, String)] = []
        let uid = context.peerUID.map { Int32($0) }
        for try await (n, name, card, phone, address) in try await query("""
            SELECT n, full_name, id_card, phone, address FROM registry.read_identities(\(id), \(reason), \(context.listener), \(uid))
            """).decode((Int32, String, String, String, String).self) { out.append((Int(n), name, card, phone, address)) }
        return out.map { (n: $0.0, name: $0.1, idCard: $0.2, phone: $0.3, address: $0.4) }
    }

    // MARK: - Statistics

    /// Persons in complaints received in `year` (within the caller's scope), grouped by `dimension`:
    /// `total`, `sex`, `category`, `level`, `outcome`, `destination`. Rows: (value, persons, female).
    public func complaintStats(year: Int, dimension: String) async throws -> [(value: String, persons: Int, female: Int, cases: Int)] {
        let key: String
        switch dimension {
        case "total": key = "'all'"
        case "sex": key = "p.sex"
        case "category": key = "cat"
        case "level": key = "c.level"
        case "outcome": key = "p.outcome"
        case "destination": key = "coalesce(c.destination, 'unknown')"
        default: throw StoreError.invalidValue("unknown statistics dimension \(dimension)")
        }
        let from = "FROM registry.complaints c JOIN registry.complainants p ON p.complaint_id = c.id"
            + (dimension == "category" ? " CROSS JOIN LATERAL unnest(c.categories) AS cat" : "")
        var sql = PostgresQuery(unsafeSQL: """
            SELECT \(key)::text, count(*), count(*) FILTER (WHERE p.sex = 'F'), count(DISTINCT c.id) \(from)
            WHERE c.received_on >= make_date($1::int, 1, 1) AND c.received_on < make_date($1::int + 1, 1, 1) AND c.merged_into IS NULL
            GROUP BY 1 ORDER BY 1
            """)
        sql.binds.append(year)
        var out: [(String, Int, Int, Int)] = []
        for try await (value, persons, female, cases) in try await query(sql).decode((String, Int64, Int64, Int64).self) {
            out.append((value, Int(persons), Int(female), Int(cases)))
        }
        return out.map { (value: $0.0, persons: $0.1, female: $0.2, cases: $0.3) }
    }
}

