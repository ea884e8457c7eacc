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

    /// One range of the chain from position `from`, `prev` the hash of the entry before it (nil at the
    /// start): how many entries hold, the first bad one, the last hash, and at the chain's end whether
    /// the head matches (sql/0011).
    public func auditVerifyRange(from: Int64, prev: ByteBuffer?, limit: Int) async throws -> AuditRange {
        for try await (checked, bad, last, atEnd, headOK) in try await query("""
            SELECT checked, first_bad, last_hash, at_end, head_ok FROM registry.audit_verify_range(\(from), \(prev), \(limit)::int)
            """).decode((Int64, Int64?, ByteBuffer, Bool, Bool?).self) {
            return AuditRange(checked: checked, firstBad: bad, lastHash: last, atEnd: atEnd, headOK: headOK ?? false)
        }
        throw StoreError.internalError("audit_verify_range returned nothing")
    }

    /// Seals committed entries into the hash chain (see sql/0004); returns how many.
    @discardableResult
    public func sealAudit(maxRows: Int = 10_000) async throws -> Int {
        for try await n in try await query("SELECT registry.audit_seal(\(maxRows)::int)").decode(Int32.self) { return Int(n) }
        return 0
    }
}

/// One range of an audit chain walk (`Transaction.auditVerifyRange`).
public struct AuditRange: Sendable {
    public var checked: Int64
    public var firstBad: Int64?
    public var lastHash: ByteBuffer
    public var atEnd: Bool
    public var headOK: Bool
}

extension Store {
    /// Walks the whole chain, `chunk` entries per statement and transaction (sql/0011): however long
    /// the chain grows, no statement outgrows the command deadline. Entries committed since the last
    /// timer round are sealed first, so the walk covers all of them.
    public func auditVerify(_ context: ActorContext, chunk: Int) async throws -> AuditVerification {
        try await transaction(context) { tx in _ = try await tx.sealAudit() }
        var from: Int64 = 1, prev: ByteBuffer?, checked: Int64 = 0
        while true {
            let (start, previous) = (from, prev)
            let part = try await transaction(context) { tx in
                try await tx.auditVerifyRange(from: start, prev: previous, limit: max(1, chunk))
            }
            checked += part.checked
            if part.firstBad != nil || part.atEnd {
                return AuditVerification(checked: checked, firstBad: part.firstBad, headOK: part.headOK)
            }
            from += part.checked
            prev = part.lastHash
        }
    }
}
