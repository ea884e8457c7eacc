import Foundation
import PostgresNIO
import RegistryDomain

extension Transaction {
    // MARK: - Clock

    /// Today in Cambodia by the registry clock.
    public func today() async throws -> CivilDate {
        for try await text in try await query("SELECT registry.today()::text").decode(String.self) {
            if let d = CivilDate(text) { return d }
        }
        throw StoreError.internalError("no clock")
    }

    /// Moves the registry clock (test daemons only; the command checks).
    public func advanceClock(seconds: Int64) async throws -> String {
        try await query("UPDATE registry.clock SET offset_seconds = offset_seconds + \(seconds) WHERE id = 1")
        for try await now in try await query("SELECT to_char(registry.now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')").decode(String.self) {
            return now
        }
        return ""
    }

    // MARK: - Agencies and people

    /// Registers an agency with its names in both scripts and their search keys (`NameKey`), and the
    /// key of its address (for "reopened under a new name" checks); returns its new id.
    public func createAgency(nameEN: String, nameKM: String, registrationNo: String?, address: String, province: String?,
                             phone: String, association: String) async throws -> String {
        let rows = try await query("""
            INSERT INTO registry.agencies (name_en, name_km, key_en, key_km, registration_no, address, address_key, province, phone, association)
            VALUES (\(nameEN), \(nameKM), \(NameKey.make(nameEN)), \(NameKey.make(nameKM)), \(registrationNo), \(address),
                    \(NameKey.make(address)), \(province), \(phone), \(association))
            RETURNING id
            """)
        for try await id in rows.decode(String.self) { return id }
        throw StoreError.internalError("insert returned nothing")
    }

    /// The agency with `id`, or nil.
    public func agency(id: String) async throws -> AgencyRecord? {
        for try await (id, en, km, reg, address, province, phone, assoc) in try await query("""
            SELECT id, name_en, name_km, registration_no, address, province, phone, association FROM registry.agencies WHERE id = \(id)
            """).decode((String, String, String, String?, String, String?, String, String).self) {
            return AgencyRecord(id: id, nameEN: en, nameKM: km, registrationNo: reg, address: address, province: province,
                                phone: phone, association: assoc)
        }
        return nil
    }

    /// Finds a person by ID card, or creates one.
    public func person(name: String, idCard: String?) async throws -> String {
        if let idCard {
            for try await id in try await query("SELECT id FROM registry.people WHERE id_card = \(idCard)").decode(String.self) { return id }
        }
        for try await id in try await query("""
            INSERT INTO registry.people (name, key, id_card) VALUES (\(name), \(NameKey.make(name)), \(idCard)) RETURNING id
            """).decode(String.self) { return id }
        throw StoreError.internalError("insert returned nothing")
    }

    /// Links a person to an agency in a role (owner, director, representative…) from `since`; linking
    /// again in the same role reopens an ended link.
    public func linkPerson(_ personID: String, to agencyID: String, role: String, since: CivilDate) async throws {
        try await query("""
            INSERT INTO registry.agency_people (agency_id, person_id, role, since) VALUES (\(agencyID), \(personID), \(role), \(since.description)::date)
            ON CONFLICT (agency_id, person_id, role) DO UPDATE SET until = NULL
            """)
    }

    /// Records and returns "reopened under a new name" links: the agency shares an owner/director or its
    /// premises with an agency whose licence was revoked.
    public func flagReopening(agencyID: String) async throws -> [(related: String, via: String)] {
        let rows = try await query("""
            WITH revoked AS (
                SELECT DISTINCT l.agency_id FROM registry.licences l WHERE l.state = 'REVOKED' AND l.agency_id <> \(agencyID)
            ), via_person AS (
                SELECT r.agency_id AS related, 'person:' || mine.person_id AS via
                FROM registry.agency_people mine
                JOIN registry.agency_people theirs ON theirs.person_id = mine.person_id AND theirs.role IN ('owner', 'director')
                JOIN revoked r ON r.agency_id = theirs.agency_id
                WHERE mine.agency_id = \(agencyID) AND mine.role IN ('owner', 'director')
            ), via_address AS (
                SELECT r.agency_id AS related, 'address' AS via
                FROM registry.agencies mine JOIN registry.agencies theirs ON theirs.address_key = mine.address_key
                JOIN revoked r ON r.agency_id = theirs.id
                WHERE mine.id = \(agencyID) AND mine.address_key <> ''
            ), found AS (SELECT * FROM via_person UNION SELECT * FROM via_address)
            INSERT INTO registry.agency_flags (agency_id, kind, related_agency, via, at)
            SELECT \(agencyID), 'reopened_after_revocation', related, via, registry.now() FROM found
            ON CONFLICT DO NOTHING
            RETURNING related_agency, via
            """)
        var out: [(String, String)] = []
        for try await (related, via) in rows.decode((String, String).self) { out.append((related, via)) }
        return out.map { (related: $0.0, via: $0.1) }
    }

    /// The warnings recorded on an agency (kind, the related agency, and how they are related).
    public func flags(agencyID: String) async throws -> [(kind: String, related: String, via: String)] {
        var out: [(String, String, String)] = []
        for try await row in try await query("""
            SELECT kind, related_agency, via FROM registry.agency_flags WHERE agency_id = \(agencyID) ORDER BY id
            """).decode((String, String, String).self) { out.append(row) }
        return out.map { (kind: $0.0, related: $0.1, via: $0.2) }
    }

    /// The people currently linked to an agency, by role.
    public func people(agencyID: String) async throws -> [(id: String, name: String, role: String)] {
        var out: [(String, String, String)] = []
        for try await row in try await query("""
            SELECT p.id, p.name, ap.role FROM registry.agency_people ap JOIN registry.people p ON p.id = ap.person_id
            WHERE ap.agency_id = \(agencyID) AND ap.until IS NULL ORDER BY ap.role, p.id
            """).decode((String, String, String).self) { out.append(row) }
        return out.map { (id: $0.0, name: $0.1, role: $0.2) }
    }

    /// Owners and directors of `agencyID` under an active relicensing bar (PEN-5) on `day`.
    public func barredPeople(agencyID: String, on day: CivilDate) async throws -> [(person: String, until: String)] {
        var out: [(String, String)] = []
        for try await row in try await query("""
            SELECT DISTINCT b.person_id, b.until_on::text FROM registry.relicensing_bars b
            JOIN registry.agency_people ap ON ap.person_id = b.person_id AND ap.role IN ('owner', 'director') AND ap.until IS NULL
            WHERE ap.agency_id = \(agencyID) AND \(day.description)::date >= b.from_on AND \(day.description)::date < b.until_on
            """).decode((String, String).self) { out.append(row) }
        return out.map { (person: $0.0, until: $0.1) }
    }

    // MARK: - Deposits

    /// The agency's deposit held at the ministry: lodgements and top-ups less every other entry.
    public func depositBalance(agencyID: String) async throws -> Decimal {
        for try await text in try await query("""
            SELECT coalesce(sum(CASE WHEN kind IN ('lodgement', 'topup') THEN amount_usd ELSE -amount_usd END), 0)::text
            FROM registry.deposit_entries WHERE agency_id = \(agencyID)
            """).decode(String.self) { return Decimal(string: text) ?? 0 }
        return 0
    }

    /// Records one deposit movement (`amount` is a decimal string in USD), by the transaction's actor.
    public func addDepositEntry(agencyID: String, kind: String, amount: String, reference: String) async throws {
        try await query("""
            INSERT INTO registry.deposit_entries (agency_id, kind, amount_usd, at, reference, actor)
            VALUES (\(agencyID), \(kind), \(amount)::numeric, registry.now(), \(reference), \(context.actor))
            """)
    }

    // MARK: - Licences

    /// The next licence number of `year` (serials come from one sequence; the check digit is the number's own).
    public func nextLicenceNumber(year: Int) async throws -> LicenceNumber {
        for try await serial in try await query("SELECT nextval('registry.licence_serial')::int").decode(Int.self) {
            return LicenceNumber(year: year, serial: serial % 10_000)
        }
        throw StoreError.internalError("no serial")
    }

    /// The agency's licence that has not reached a terminal state (expired, revoked, surrendered), if any.
    public func liveLicence(agencyID: String) async throws -> LicenceRecord? {
        try await licences(agencyID: agencyID).first { !$0.state.isTerminal }
    }

    /// The licence with `number`, or nil.
    public func licence(number: String) async throws -> LicenceRecord? {
        try await decodeLicences(query("""
            SELECT number, agency_id, state, issued_on::text, expires_on::text, suspended_until::text,
                   to_char(state_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            FROM registry.licences WHERE number = \(number)
            """)).first
    }

    /// An agency's licences, newest first.
    public func licences(agencyID: String) async throws -> [LicenceRecord] {
        try await decodeLicences(query("""
            SELECT number, agency_id, state, issued_on::text, expires_on::text, suspended_until::text,
                   to_char(state_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            FROM registry.licences WHERE agency_id = \(agencyID) ORDER BY issued_on DESC, number DESC
            """))
    }

    private func decodeLicences(_ rows: QueryRows) async throws -> [LicenceRecord] {
        var out: [LicenceRecord] = []
        for try await (number, agency, state, issued, expires, until, since) in rows.decode((String, String, String, String, String, String?, String).self) {
            out.append(LicenceRecord(number: number, agencyID: agency, state: LicenceState(rawValue: state) ?? .expired,
                                     issuedOn: CivilDate(issued)!, expiresOn: CivilDate(expires)!,
                                     suspendedUntil: until.flatMap { CivilDate($0) }, stateSince: since))
        }
        return out
    }

    /// Creates an ACTIVE licence with its scope, first event and lifecycle timers.
    public func insertLicence(number: LicenceNumber, agencyID: String, issuedOn: CivilDate, expiresOn: CivilDate,
                              scope: [DestinationScope], durations: LicenceMachine.Durations, reason: String) async throws {
        let at = issuedOn.description
        try await query("""
            INSERT INTO registry.licences (number, agency_id, state, issued_on, expires_on, state_since)
            VALUES (\(number.description), \(agencyID), 'ACTIVE', \(at)::date, \(expiresOn.description)::date,
                    least(registry.now(), registry.day_start(\(at)::date)))
            """)
        for s in scope {
            try await query("""
                INSERT INTO registry.licence_scope (licence, country, sector, valid_from)
                VALUES (\(number.description), \(s.country), \(s.sector ?? ""), least(registry.now(), registry.day_start(\(at)::date)))
                """)
        }
        try await recordLicenceEvent(number.description, event: "issue", before: nil, after: .active, rule: "PRA-1",
                                     until: expiresOn, reason: reason, at: issuedOn)
        for (kind, due) in LicenceMachine.lifecycleTimers(expiry: expiresOn, durations) {
            try await armTimer(kind: kind.rawValue, subject: number.description, due: due, rule: "PRA-13")
        }
    }

    /// Applies a licence event through the pure state machine: state, history, timers, in this transaction.
    @discardableResult
    public func applyLicenceEvent(_ event: LicenceMachine.Event, to number: String, durations: LicenceMachine.Durations,
                                  reason: String) async throws -> Result<LicenceRecord, LicenceMachine.Refusal> {
        guard var licence = try await lockLicence(number) else { throw StoreError.notFound(kind: "licence", id: number) }
        switch LicenceMachine.apply(event, to: licence.state, durations: durations) {
        case .failure(let refusal):
            return .failure(refusal)
        case .success(let (decided, plan)):
            var next = decided
            let today = try await self.today()
            if next == .active, event == .liftRecruitmentSuspension || event == .reinstate {
                next = LicenceMachine.activePhase(today: today, expiry: licence.expiresOn, durations)
            }
            var until: CivilDate?
            switch event {
            case .renew(let newExpiry): licence.expiresOn = newExpiry; until = newExpiry
            case .suspendRecruitment(let end): until = end
            default: break
            }
            try await query("""
                UPDATE registry.licences SET state = \(next.rawValue), state_since = registry.now(),
                       expires_on = \(licence.expiresOn.description)::date,
                       suspended_until = \(next == .recruitmentSuspended ? until?.description : nil)::date
                WHERE number = \(number)
                """)
            for kind in plan.cancel { try await cancelTimer(kind: kind.rawValue, subject: number) }
            for (kind, due) in plan.arm { try await armTimer(kind: kind.rawValue, subject: number, due: due, rule: event.rule) }
            try await recordLicenceEvent(number, event: event.name, before: licence.state, after: next, rule: event.rule,
                                         until: until, reason: reason, at: nil)
            licence.state = next
            licence.suspendedUntil = next == .recruitmentSuspended ? until : nil
            return .success(licence)
        }
    }

    private func lockLicence(_ number: String) async throws -> LicenceRecord? {
        try await query("SELECT 1 FROM registry.licences WHERE number = \(number) FOR UPDATE")
        return try await licence(number: number)
    }

    func recordLicenceEvent(_ number: String, event: String, before: LicenceState?, after: LicenceState, rule: String,
                            until: CivilDate?, reason: String, at: CivilDate?) async throws {
        try await query("""
            INSERT INTO registry.licence_events (licence, at, event, state_before, state_after, rule, until, reason, actor)
            VALUES (\(number), CASE WHEN \(at?.description)::date IS NULL THEN registry.now()
                                    ELSE least(registry.now(), registry.day_start(\(at?.description)::date)) END,
                    \(event), \(before?.rawValue), \(after.rawValue), \(rule), \(until?.description)::date, \(reason), \(context.actor))
            """)
    }

    /// Every recorded transition of a licence, oldest first, each with the rule it applied.
    public func licenceHistory(_ number: String) async throws -> [LicenceEventRecord] {
        var out: [LicenceEventRecord] = []
        for try await (at, event, before, after, rule, until, reason, actor) in try await query("""
            SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), event, state_before, state_after, rule,
                   until::text, reason, actor
            FROM registry.licence_events WHERE licence = \(number) ORDER BY at, id
            """).decode((String, String, String?, String, String, String?, String, String).self) {
            out.append(LicenceEventRecord(at: at, event: event, stateBefore: before, stateAfter: after, rule: rule,
                                          until: until, reason: reason, actor: actor))
        }
        return out
    }

    /// Revocation bars the agency's owners and directors from a new licence (PEN-5).
    public func barOwners(agencyID: String, licence: String, years: Int) async throws -> Int {
        var n = 0
        for try await _ in try await query("""
            INSERT INTO registry.relicensing_bars (person_id, licence, from_on, until_on)
            SELECT DISTINCT person_id, \(licence), registry.today(), (registry.today() + make_interval(years => \(years)::int))::date
            FROM registry.agency_people WHERE agency_id = \(agencyID) AND role IN ('owner', 'director') AND until IS NULL
            RETURNING id
            """) { n += 1 }
        return n
    }

    // MARK: - Timers

    /// Arms a timer due at the start of `due` (Cambodian day); replaces a live timer of the same kind.
    public func armTimer(kind: String, subject: String, due: CivilDate, rule: String) async throws {
        try await cancelTimer(kind: kind, subject: subject)
        try await query("""
            INSERT INTO registry.timers (kind, subject, due_at, rule) VALUES (\(kind), \(subject), registry.day_start(\(due.description)::date), \(rule))
            """)
    }

    /// Cancels the live timer of `kind` for `subject`, if there is one.
    public func cancelTimer(kind: String, subject: String) async throws {
        try await query("""
            UPDATE registry.timers SET cancelled_at = registry.now(), outcome = 'cancelled'
            WHERE kind = \(kind) AND subject = \(subject) AND fired_at IS NULL AND cancelled_at IS NULL
            """)
    }

    /// Claims due timers; other daemons skip the locked rows, so each timer fires once.
    public func claimDueTimers(limit: Int) async throws -> [DueTimer] {
        var out: [DueTimer] = []
        for try await (id, kind, subject, due, rule) in try await query("""
            WITH due AS MATERIALIZED (
                SELECT id, subject, due_at FROM registry.timers
                -- The clock read once (an InitPlan), not per row: registry.now() is a PL/pgSQL function,
                -- and under stale statistics (a fresh cluster that filled faster than autovacuum
                -- analyses) the planner walked every live timer with it as a filter: 1.2 s per claim at
                -- 100,000 live timers, four claims a round, a core burnt while nothing was due.
                WHERE fired_at IS NULL AND cancelled_at IS NULL AND held_since IS NULL AND due_at <= (SELECT registry.now())
                ORDER BY due_at, id LIMIT \(limit * 4)
            ), mine AS MATERIALIZED (
                -- One timer per subject at a time, taken in due order: a later deadline of a case waits
                -- while another worker fires an earlier one (transaction-scoped advisory lock on the
                -- subject). Only the due candidates above are tried: as a filter on the table the lock
                -- could be evaluated before the cheaper-looking due test, on every live timer (seen:
                -- 130,000 locks and "out of shared memory" under stale statistics).
                SELECT id FROM due WHERE pg_try_advisory_xact_lock(hashtextextended('timer:' || subject, 0))
            )
            SELECT t.id, t.kind, t.subject, to_char(t.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), t.rule
            FROM registry.timers t JOIN mine ON mine.id = t.id
            WHERE t.fired_at IS NULL AND t.cancelled_at IS NULL AND t.held_since IS NULL
            ORDER BY t.due_at, t.id LIMIT \(limit) FOR UPDATE OF t SKIP LOCKED
            """).decode((Int64, String, String, String, String).self) {
            out.append(DueTimer(id: id, kind: kind, subject: subject, dueAt: due, rule: rule))
        }
        return out
    }

    /// Marks a claimed timer fired, with what its firing did; in the transaction of that effect.
    public func markFired(_ timer: DueTimer, outcome: String) async throws {
        try await query("UPDATE registry.timers SET fired_at = registry.now(), outcome = \(outcome) WHERE id = \(timer.id)")
    }

    /// The deadlines still running for `subject`, soonest first, as Cambodian days.
    public func liveTimers(subject: String) async throws -> [(kind: String, due: String)] {
        var out: [(String, String)] = []
        for try await row in try await query("""
            SELECT kind, to_char(due_at AT TIME ZONE 'Asia/Phnom_Penh', 'YYYY-MM-DD') FROM registry.timers
            WHERE subject = \(subject) AND fired_at IS NULL AND cancelled_at IS NULL ORDER BY due_at
            """).decode((String, String).self) { out.append(row) }
        return out.map { (kind: $0.0, due: $0.1) }
    }

    // MARK: - Registrations, watch-list, bans

    /// Sets an agency's registration in a province (PRA-10) and records the change with its reason.
    public func setRegistration(agencyID: String, province: String, state: String, reason: String) async throws {
        try await query("""
            INSERT INTO registry.registrations (agency_id, province, state, since) VALUES (\(agencyID), \(province), \(state), registry.now())
            ON CONFLICT (agency_id, province) DO UPDATE SET state = excluded.state, since = excluded.since
            """)
        try await query("""
            INSERT INTO registry.registration_events (agency_id, province, at, state_after, reason, actor)
            VALUES (\(agencyID), \(province), registry.now(), \(state), \(reason), \(context.actor))
            """)
    }

    /// Puts an unlicensed operator or illegal broker on the public watch-list; returns its id.
    public func addWatch(kind: String, name: String, idCard: String?, province: String?, warning: String, caseRef: String,
                         publishedOn: CivilDate) async throws -> String {
        for try await id in try await query("""
            INSERT INTO registry.watchlist (kind, name, key, id_card, province, warning, case_ref, published_on)
            VALUES (\(kind), \(name), \(NameKey.make(name)), \(idCard), \(province), \(warning), \(caseRef), \(publishedOn.description)::date)
            RETURNING id
            """).decode(String.self) { return id }
        throw StoreError.internalError("insert returned nothing")
    }

    /// Records a sending ban on a destination (and sector); returns its id.
    public func addBan(_ ban: SendingBan, reason: String) async throws -> String {
        for try await id in try await query("""
            INSERT INTO registry.sending_bans (country, sector, from_on, until_on, grandfather_before, reason)
            VALUES (\(ban.destination.country), \(ban.destination.sector ?? ""), \(ban.from.description)::date,
                    \(ban.until?.description)::date, \(ban.grandfatherRegisteredBefore?.description)::date, \(reason))
            RETURNING id
            """).decode(String.self) { return id }
        throw StoreError.internalError("insert returned nothing")
    }

    /// Ends a ban on `day`; false when it was unknown or had already ended by then.
    public func liftBan(id: String, on day: CivilDate) async throws -> Bool {
        var n = 0
        for try await _ in try await query("""
            UPDATE registry.sending_bans SET until_on = \(day.description)::date WHERE id = \(id) AND (until_on IS NULL OR until_on > \(day.description)::date) RETURNING id
            """) { n += 1 }
        return n == 1
    }

    /// Every sending ban ever recorded, in order of recording.
    public func bans() async throws -> [(id: String, ban: SendingBan, reason: String)] {
        var out: [(String, SendingBan, String)] = []
        for try await (id, country, sector, from, until, grand, reason) in try await query("""
            SELECT id, country, sector, from_on::text, until_on::text, grandfather_before::text, reason FROM registry.sending_bans ORDER BY id
            """).decode((String, String, String, String, String?, String?, String).self) {
            let ban = SendingBan(destination: DestinationScope(country: country, sector: sector.isEmpty ? nil : sector),
                                 from: CivilDate(from)!, until: until.flatMap { CivilDate($0) },
                                 grandfatherRegisteredBefore: grand.flatMap { CivilDate($0) })
            out.append((id, ban, reason))
        }
        return out.map { (id: $0.0, ban: $0.1, reason: $0.2) }
    }
}
