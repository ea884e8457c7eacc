import PostgresNIO

extension Transaction {
    /// The most recent entries, newest first.
    public func auditTail(limit: Int, before: Int64?) async throws -> [AuditRecord] {
        let rows = try await query("""
            SELECT seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), actor, listener, peer_uid,
                   command, arguments, code, status, detail, coalesce(encode(hash, 'hex'), 'unsealed')
            FROM registry.audit_log WHERE seq < \(before ?? Int64.max) ORDER BY seq DESC LIMIT \(limit)
            """)
        var out: [AuditRecord] = []
        for try await row in rows {
            let (seq, at, actor, listener, uid, command, args, code, status, detail, hash) = try row.decode(
                (Int64, String, String, String, Int?, String, String, Int, String, String, String).self)
            out.append(AuditRecord(seq: seq, at: at, actor: actor, listener: listener, peerUID: uid, command: command,
                                   arguments: args, code: code, status: status, detail: detail, hash: hash))
        }
        return out
    }

    /// Walks the whole chain in the database.
    public func auditVerify() async throws -> AuditVerification {
        // Entries committed since the last timer round are sealed first, so the walk covers all of them.
        try await sealAudit()
        for try await (checked, bad, ok) in try await query("SELECT checked, first_bad, head_ok FROM registry.audit_verify()")
            .decode((Int64, Int64?, Bool).self)
        {
            return AuditVerification(checked: checked, firstBad: bad, headOK: ok)
        }
        throw StoreError.internalError("audit_verify returned nothing")
    }

    /// Seals committed entries into the hash chain (see sql/0004); returns how many.
    @discardableResult
    public func sealAudit(maxRows: Int = 10_000) async throws -> Int {
        for try await n in try await query("SELECT registry.audit_seal(\(maxRows)::int)").decode(Int32.self) { return Int(n) }
        return 0
    }
}
