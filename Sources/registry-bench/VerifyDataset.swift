import Foundation
import RegistryDomain

/// Bulk-loads the verify benchmark's dataset with psql into the embedded cluster of the benchmark's
/// own registryd: 10,000 licensed agencies registered in one province each, 100,000 recruiters.
enum VerifyDataset {
    /// A licence number with a valid check digit that the dataset contains (agency 4711).
    static var sampleLicence: String { LicenceNumber(year: 2024, serial: 4711).description }

    static let sql = """
        INSERT INTO registry.agencies (id, name_en, name_km, key_en, key_km, province)
        SELECT 'B-' || i, 'Bench ' || i || ' Manpower Co., Ltd.', 'ក្រុមហ៊ុន បេញ ' || i, 'bench ' || i || ' manpower', 'បេញ ' || i,
               lpad((1 + i % 25)::text, 2, '0')
        FROM generate_series(1, 10000) i;
        INSERT INTO registry.licences (number, agency_id, state, issued_on, expires_on, state_since)
        SELECT 'L-2024-' || lpad(i::text, 4, '0') || '-' || registry_bench_luhn('2024' || lpad(i::text, 4, '0')), 'B-' || i,
               'ACTIVE', date '2024-01-01', date '2028-12-31', now()
        FROM generate_series(1, 9999) i;
        INSERT INTO registry.licence_events (licence, at, event, state_after, rule, until, actor)
        SELECT number, timestamptz '2024-01-01', 'issue', 'ACTIVE', 'PRA-1', expires_on, 'bench' FROM registry.licences WHERE agency_id LIKE 'B-%';
        INSERT INTO registry.licence_scope (licence, country, valid_from)
        SELECT number, 'TH', timestamptz '2024-01-01' FROM registry.licences WHERE agency_id LIKE 'B-%';
        INSERT INTO registry.registrations (agency_id, province, state, since)
        SELECT 'B-' || i, '05', 'REGISTERED', now() FROM generate_series(1, 10000) i;
        INSERT INTO registry.registration_events (agency_id, province, at, state_after, actor)
        SELECT 'B-' || i, '05', timestamptz '2024-01-02', 'REGISTERED', 'bench' FROM generate_series(1, 10000) i;
        INSERT INTO registry.people (id, name, key, id_card)
        SELECT 'Q-' || i, 'Recruiter ' || i, 'recruiter ' || i, lpad(i::text, 9, '0') FROM generate_series(1, 100000) i;
        INSERT INTO registry.agency_people (agency_id, person_id, role, since)
        SELECT 'B-' || (1 + i % 10000), 'Q-' || i, 'broker', date '2024-01-01' FROM generate_series(1, 100000) i;
        ANALYZE;
        """

    static let luhnFunction = """
        CREATE OR REPLACE FUNCTION registry_bench_luhn(d text) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
        DECLARE s int := 0; x int; BEGIN
          FOR i IN 0 .. length(d) - 1 LOOP
            x := substr(d, length(d) - i, 1)::int;
            IF i % 2 = 0 THEN x := x * 2; IF x > 9 THEN x := x - 9; END IF; END IF;
            s := s + x;
          END LOOP;
          RETURN (10 - s % 10) % 10; END $$;
        """

    static func load(stateDirectory: String) throws {
        let psql = ["/usr/lib/postgresql/15/bin/psql", "/usr/bin/psql"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "psql"
        for script in [luhnFunction, sql] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: getuid() == 0 ? "/usr/sbin/runuser" : psql)
            let args = ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", stateDirectory + "/pg", "-U", "postgres", "-d", "registry", "-c", script]
            p.arguments = getuid() == 0 ? ["-u", "postgres", "--", psql] + args : args
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw CocoaError(.fileReadUnknown) }
        }
    }
}
