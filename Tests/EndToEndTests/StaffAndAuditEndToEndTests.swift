import Foundation
import Testing

/// Staff accounts, the audit trail and the database's least-privilege guarantees.
@Suite(.serialized) struct StaffAndAuditEndToEndTests {
    @Test func staffLifecycleIsAuditedInTheSameTransaction() async throws {
        let daemon = try await Daemon.configured()
        defer { daemon.tearDown() }
        let out = try await offPool {
            try daemon.socat("""
                staff.add name="Sok Dara" uid=2001 roles=commune_chief provinces=14 communes=140101 --dry-run
                staff.list
                staff.add name="Sok Dara" uid=2001 roles=commune_chief provinces=14 communes=140101
                staff.add name="Twin" uid=2001 roles=inspector
                staff.add name="Nobody" roles=wizard
                staff.add name="Far" roles=inspector provinces=99
                staff.update S-0002 roles=commune_chief,hotline_operator
                staff.disable S-0002
                staff.disable S-0002 --reason="left the commune office"
                staff.disable S-0001 --reason="test"
                audit.verify

                """)
        }
        let finals = out.finalLines
        #expect(finals.count == 11, "\(out)")
        #expect(finals[0] == "201 CREATED dry_run=true id=S-0002")
        #expect(finals[1] == "200 OK rows=1")  // the dry run committed nothing
        #expect(finals[2] == "201 CREATED id=S-0003")  // sequences are not transactional; ids may skip
        #expect(finals[3].hasPrefix("552 CONFLICT"))
        #expect(finals[4].hasPrefix("553 INVALID_VALUE field=roles"))
        #expect(finals[5].hasPrefix("553 INVALID_VALUE field=staff_provinces"))
        #expect(finals[6].hasPrefix("550 NOT_FOUND kind=staff id=S-0002"))
        #expect(finals[7].hasPrefix("501 BAD_ARGUMENTS arg=\"--reason\""))
        #expect(finals[8].hasPrefix("550 NOT_FOUND"))
        #expect(finals[9].hasPrefix("554 REFUSED rule=last_admin"))
        #expect(finals[10].hasPrefix("200 OK checked="))
        #expect(finals[10].hasSuffix("chain=intact"))
        let tail = try await offPool { try daemon.socat("audit.tail --limit=50\n") }
        #expect(tail.contains("command=staff.add args=\"name=\\\"Sok Dara\\\" uid=2001 roles=commune_chief provinces=14 communes=140101\" result=\"201 CREATED\" detail=S-0003"))
        #expect(tail.contains("command=bootstrap-admin"))
        #expect(tail.contains("result=\"554 REFUSED\""))
        #expect(!tail.contains("dry-run"))
    }

    @Test func auditChainDetectsTamperingAndRefusesChanges() async throws {
        // Three entries per range: the walk crosses ranges carrying the hash (sql/0011).
        let daemon = try await Daemon.configured(extraEnvironment: ["REGISTRYD_LIMITS_AUDIT_VERIFY_CHUNK": "3"])
        defer { daemon.tearDown() }
        let db = daemon.database!
        _ = try await offPool {
            try daemon.socat((1...6).map { "staff.add name=A\($0) uid=\(3000 + $0) roles=auditor\n" }.joined())
        }
        // The runtime role cannot change or remove entries (trigger and grants).
        for sql in ["UPDATE registry.audit_log SET actor = 'x'", "DELETE FROM registry.audit_log", "TRUNCATE registry.audit_log"] {
            #expect(throws: (any Error).self, "\(sql)") { try TestCluster.shared.psql(sql, database: db, user: "registry_app") }
        }
        // Least privilege (D1): not superuser, no BYPASSRLS, owns nothing, no DDL.
        let role = try await offPool {
            try TestCluster.shared.psql("SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = 'registry_app'", database: db)
        }
        #expect(role == "f|f|f")
        let owned = try await offPool {
            try TestCluster.shared.psql("SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = 'registry_app')", database: db)
        }
        #expect(owned == "0")
        #expect(throws: (any Error).self) { try TestCluster.shared.psql("CREATE TABLE registry.x (a int)", database: db, user: "registry_app") }
        // A superuser who edits a sealed entry behind the triggers' back is caught by the chain. (Entries
        // are sealed within a timer round of their commit; audit.verify seals what is pending first.)
        let before = try await offPool { try daemon.socat("audit.verify\n") }
        let sealed = try TestCluster.shared.psql("SELECT count(*) FROM registry.audit_log WHERE chain_pos IS NOT NULL", database: db)
        #expect(before == "200 OK checked=\(sealed) chain=intact\n" && (Int(sealed) ?? 0) > 6, "\(before)")
        // An entry in the third range, changed behind the triggers' back.
        let original = try TestCluster.shared.psql("SELECT arguments FROM registry.audit_log WHERE chain_pos = 7", database: db)
        try await offPool {
            try TestCluster.shared.psql("""
                ALTER TABLE registry.audit_log DISABLE TRIGGER audit_no_update;
                UPDATE registry.audit_log SET arguments = 'uid=9999' WHERE chain_pos = 7;
                ALTER TABLE registry.audit_log ENABLE TRIGGER audit_no_update;
                """, database: db)
        }
        let seq = try TestCluster.shared.psql("SELECT seq FROM registry.audit_log WHERE chain_pos = 7", database: db)
        let verify = try await offPool { try daemon.socat("audit.verify\n") }
        #expect(verify.hasPrefix("551 INVALID_STATE checked=6 first_bad=\(seq)"), "\(verify)")
        // Put back, the chain holds again; then the last sealed entry removed: every range holds, the
        // head (which names the last entry) does not.
        try await offPool {
            try TestCluster.shared.psql("""
                ALTER TABLE registry.audit_log DISABLE TRIGGER audit_no_update;
                UPDATE registry.audit_log SET arguments = $a$\(original)$a$ WHERE chain_pos = 7;
                ALTER TABLE registry.audit_log ENABLE TRIGGER audit_no_update;
                """, database: db)
        }
        let restored = try await offPool { try daemon.socat("audit.verify\n") }
        #expect(restored.hasPrefix("200 OK") && restored.hasSuffix("chain=intact\n"), "\(restored)")
        let last = try TestCluster.shared.psql("SELECT max(chain_pos) FROM registry.audit_log", database: db)
        try await offPool {
            try TestCluster.shared.psql("""
                ALTER TABLE registry.audit_log DISABLE TRIGGER audit_no_update;
                DELETE FROM registry.audit_log WHERE chain_pos = \(last);
                ALTER TABLE registry.audit_log ENABLE TRIGGER audit_no_update;
                """, database: db)
        }
        let truncated = try await offPool { try daemon.socat("audit.verify\n") }
        #expect(truncated.hasPrefix("551 INVALID_STATE checked=\((Int(last) ?? 0) - 1) first_bad=\(last)"), "\(truncated)")
    }
}
