import PostgresNIO
import RegistryDomain

extension Transaction {
    /// Agencies whose name matches `name` in either script: the exact canonical key first, then pg_trgm
    /// similarity (tolerates a wrong letter, a missing "Co., Ltd.", swapped words).
    public func agencyCandidates(name: String, limit: Int) async throws -> [AgencyCandidate] {
        let key = NameKey.make(name)
        guard !key.isEmpty else { return [] }
        var out: [AgencyCandidate] = []
        // Nearest neighbours by trigram distance in each script (GiST KNN), then the best of both.
        for try await (id, en, km, score, exact) in try await query("""
            WITH near AS (
                (SELECT id FROM registry.agencies ORDER BY key_en <-> \(key) LIMIT \(limit))
                UNION
                (SELECT id FROM registry.agencies ORDER BY key_km <-> \(key) LIMIT \(limit))
                UNION
                (SELECT id FROM registry.agencies WHERE key_en = \(key) OR key_km = \(key))
            )
            SELECT a.id, a.name_en, a.name_km,
                   greatest(similarity(a.key_en, \(key)), similarity(a.key_km, \(key)))::float8 AS score,
                   (a.key_en = \(key) OR a.key_km = \(key)) AS exact
            FROM near JOIN registry.agencies a USING (id)
            WHERE a.key_en = \(key) OR a.key_km = \(key)
               OR greatest(similarity(a.key_en, \(key)), similarity(a.key_km, \(key))) >= 0.3
            ORDER BY exact DESC, score DESC, a.id
            LIMIT \(limit)
            """).decode((String, String, String, Double, Bool).self) {
            out.append(AgencyCandidate(id: id, nameEN: en, nameKM: km, score: score, exact: exact))
        }
        return out
    }

    /// Watch-listed operators whose name matches, best first, with their similarity.
    public func watchlistMatches(name: String, on day: CivilDate) async throws -> [(id: String, name: String, score: Double, warning: String)] {
        let key = NameKey.make(name)
        guard !key.isEmpty else { return [] }
        var out: [(String, String, Double, String)] = []
        for try await row in try await query("""
            SELECT id, name, (CASE WHEN key = \(key) THEN 1.0 ELSE similarity(key, \(key)) END)::float8 AS score, warning
            FROM registry.watchlist
            WHERE (key = \(key) OR key % \(key)) AND published_on <= \(day.description)::date
              AND (lifted_on IS NULL OR lifted_on > \(day.description)::date)
            ORDER BY score DESC LIMIT 3
            """).decode((String, String, Double, String).self) { out.append(row) }
        return out.map { (id: $0.0, name: $0.1, score: $0.2, warning: $0.3) }
    }

    /// A recruiter by ID card: the agencies they work for, and whether they are watch-listed.
    public func recruiter(idCard: String, on day: CivilDate) async throws -> (agencies: [(String, String)], watch: String?) {
        var agencies: [(String, String)] = []
        for try await row in try await query("""
            SELECT ap.agency_id, ap.role FROM registry.people p JOIN registry.agency_people ap ON ap.person_id = p.id
            WHERE p.id_card = \(idCard) AND ap.since <= \(day.description)::date AND (ap.until IS NULL OR ap.until > \(day.description)::date)
            ORDER BY ap.since DESC
            """).decode((String, String).self) { agencies.append(row) }
        var watch: String?
        for try await id in try await query("""
            SELECT id FROM registry.watchlist WHERE id_card = \(idCard) AND published_on <= \(day.description)::date
              AND (lifted_on IS NULL OR lifted_on > \(day.description)::date) LIMIT 1
            """).decode(String.self) { watch = id }
        return (agencies, watch)
    }

    /// The agency's licence and its state as of the end of `day` (nil: now), from the recorded events.
    public func licenceAsOf(agencyID: String, day: CivilDate?) async throws -> (number: String, state: LicenceState, validUntil: String?, since: String, until: String?)? {
        let rows = try await query("""
            WITH asof AS (SELECT CASE WHEN \(day?.description)::date IS NULL THEN registry.now()
                                      ELSE registry.day_start((\(day?.description)::date + 1)) - interval '1 microsecond' END AS t)
            SELECT l.number, e.state_after,
                   (SELECT until::text FROM registry.licence_events x, asof WHERE x.licence = l.number AND x.event IN ('issue', 'renew')
                      AND x.at <= asof.t ORDER BY x.at DESC, x.id DESC LIMIT 1),
                   to_char(e.at AT TIME ZONE 'Asia/Phnom_Penh', 'YYYY-MM-DD'), e.until::text
            FROM registry.licences l, asof
            JOIN LATERAL (SELECT state_after, at, until FROM registry.licence_events
                          WHERE licence = l.number AND at <= asof.t ORDER BY at DESC, id DESC LIMIT 1) e ON true
            WHERE l.agency_id = \(agencyID)
            ORDER BY e.at DESC, l.issued_on DESC LIMIT 1
            """)
        for try await (number, state, validUntil, since, until) in rows.decode((String, String, String?, String, String?).self) {
            return (number, LicenceState(rawValue: state) ?? .expired, validUntil, since, until)
        }
        return nil
    }

    /// Destination scope of a licence as of the end of `day` (nil: now).
    public func scope(licence: String, asOf day: CivilDate?) async throws -> [DestinationScope] {
        var out: [DestinationScope] = []
        for try await (country, sector) in try await query("""
            WITH asof AS (SELECT CASE WHEN \(day?.description)::date IS NULL THEN registry.now()
                                      ELSE registry.day_start((\(day?.description)::date + 1)) - interval '1 microsecond' END AS t)
            SELECT country, sector FROM registry.licence_scope, asof
            WHERE licence = \(licence) AND valid_from <= asof.t AND (valid_to IS NULL OR valid_to > asof.t)
            ORDER BY country, sector
            """).decode((String, String).self) {
            out.append(DestinationScope(country: country, sector: sector.isEmpty ? nil : sector))
        }
        return out
    }

    /// Provinces where the agency was REGISTERED as of the end of `day` (nil: now): the last event per
    /// province decides.
    public func registeredProvinces(agencyID: String, asOf day: CivilDate?) async throws -> Set<String> {
        var out: Set<String> = []
        for try await province in try await query("""
            WITH asof AS (SELECT CASE WHEN \(day?.description)::date IS NULL THEN registry.now()
                                      ELSE registry.day_start((\(day?.description)::date + 1)) - interval '1 microsecond' END AS t)
            SELECT province FROM (
                SELECT DISTINCT ON (province) province, state_after FROM registry.registration_events e, asof
                WHERE agency_id = \(agencyID) AND e.at <= asof.t
                ORDER BY province, e.at DESC, e.id DESC) last
            WHERE state_after = 'REGISTERED'
            """).decode(String.self) { out.insert(province) }
        return out
    }

    /// The agency's registration in each province where it has one, whatever its state.
    public func registrationsOf(agencyID: String) async throws -> [(province: String, state: String)] {
        var out: [(String, String)] = []
        for try await row in try await query("""
            SELECT province, state FROM registry.registrations WHERE agency_id = \(agencyID) ORDER BY province
            """).decode((String, String).self) { out.append(row) }
        return out.map { (province: $0.0, state: $0.1) }
    }

    /// Adds the day's counts of verify answers by verdict (hotline statistics; no question or caller kept).
    public func countVerifications(_ counts: [String: Int], day: CivilDate) async throws {
        for (verdict, n) in counts {
            try await query("""
                INSERT INTO registry.verify_stats (day, verdict, count) VALUES (\(day.description)::date, \(verdict), \(n))
                ON CONFLICT (day, verdict) DO UPDATE SET count = registry.verify_stats.count + excluded.count
                """)
        }
    }
}
