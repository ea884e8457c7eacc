import PostgresNIO
import RegistryDomain

/// Rows behind the in-memory hotline index: everything `verify` needs to answer "now", for all agencies
/// or one.
public struct VerifySnapshotRows: Sendable {
    /// An agency's names and their search keys.
    public struct Agency: Sendable {
        public var id: String, nameEN: String, nameKM: String, keyEN: String, keyKM: String
    }
    /// A licence's state and dates, as the hotline's verdicts need them.
    public struct Licence: Sendable {
        public var agencyID: String, number: String, state: LicenceState, expiresOn: String, suspendedUntil: String?, since: String
    }
    /// A watch-listed operator or broker and its public warning.
    public struct Watch: Sendable {
        public var id: String, name: String, key: String, idCard: String?, warning: String
    }
    public var agencies: [Agency] = []
    public var licences: [Licence] = []
    public var scope: [(licence: String, scope: DestinationScope)] = []
    public var registrations: [(agency: String, province: String)] = []
    public var recruiters: [(card: String, agency: String, role: String)] = []
    public var watches: [Watch] = []
    public var bans: [SendingBan] = []
    /// The registry clock's offset from the database clock (test daemons move it).
    public var clockOffsetSeconds: Int64 = 0
}

extension Transaction {
    /// Loads the index rows; with `agencyID`, only that agency's (watch-list and bans always whole).
    public func verifySnapshotRows(agencyID: String?) async throws -> VerifySnapshotRows {
        var rows = VerifySnapshotRows()
        let all = agencyID == nil
        let id = agencyID ?? ""
        for try await (id, en, km, ken, kkm) in try await query("""
            SELECT id, name_en, name_km, key_en, key_km FROM registry.agencies WHERE \(all) OR id = \(id)
            """).decode((String, String, String, String, String).self) {
            rows.agencies.append(.init(id: id, nameEN: en, nameKM: km, keyEN: ken, keyKM: kkm))
        }
        for try await (agency, number, state, expires, until, since) in try await query("""
            SELECT DISTINCT ON (agency_id) agency_id, number, state, expires_on::text, suspended_until::text,
                   to_char(state_since AT TIME ZONE 'Asia/Phnom_Penh', 'YYYY-MM-DD')
            FROM registry.licences WHERE \(all) OR agency_id = \(id)
            ORDER BY agency_id, issued_on DESC, number DESC
            """).decode((String, String, String, String, String?, String).self) {
            rows.licences.append(.init(agencyID: agency, number: number, state: LicenceState(rawValue: state) ?? .expired,
                                       expiresOn: expires, suspendedUntil: until, since: since))
        }
        for try await (licence, country, sector) in try await query("""
            SELECT s.licence, s.country, s.sector FROM registry.licence_scope s JOIN registry.licences l ON l.number = s.licence
            WHERE s.valid_to IS NULL AND (\(all) OR l.agency_id = \(id))
            """).decode((String, String, String).self) {
            rows.scope.append((licence, DestinationScope(country: country, sector: sector.isEmpty ? nil : sector)))
        }
        for try await row in try await query("""
            SELECT agency_id, province FROM registry.registrations WHERE state = 'REGISTERED' AND (\(all) OR agency_id = \(id))
            """).decode((String, String).self) { rows.registrations.append(row) }
        // The registry's day read once per query (an InitPlan): as a filter, the PL/pgSQL clock ran once
        // per row, 0.9 s of a full load's 1 s over 100,000 recruiters.
        for try await row in try await query("""
            SELECT p.id_card, ap.agency_id, ap.role FROM registry.agency_people ap JOIN registry.people p ON p.id = ap.person_id
            WHERE p.id_card IS NOT NULL AND ap.until IS NULL AND ap.since <= (SELECT registry.today())
              AND (\(all) OR ap.agency_id = \(id))
            ORDER BY ap.since DESC
            """).decode((String, String, String).self) { rows.recruiters.append(row) }
        for try await (wid, name, key, card, warning) in try await query("""
            SELECT id, name, key, id_card, warning FROM registry.watchlist
            WHERE published_on <= (SELECT registry.today()) AND (lifted_on IS NULL OR lifted_on > (SELECT registry.today()))
            """).decode((String, String, String, String?, String).self) {
            rows.watches.append(.init(id: wid, name: name, key: key, idCard: card, warning: warning))
        }
        rows.bans = try await bans().map { $0.ban }
        for try await offset in try await query("SELECT offset_seconds FROM registry.clock WHERE id = 1").decode(Int64.self) {
            rows.clockOffsetSeconds = offset
        }
        return rows
    }

    /// Tells every daemon's hotline index that something changed (delivered at commit).
    public func notifyChange(_ what: String) async throws {
        try await query("SELECT pg_notify('registry_changed', \(what))")
    }
}
