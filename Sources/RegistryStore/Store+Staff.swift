import PostgresNIO

extension Store {
    /// The enabled account a peer uid maps to, if any.
    public func staff(uid: Int) async throws -> StaffAccount? {
        try await transaction(.system) { tx in
            try await tx.enabledStaff(uid: uid)
        }
    }
}

extension Transaction {
    /// The enabled account of a peer uid.
    public func enabledStaff(uid: Int) async throws -> StaffAccount? {
        try await decodeStaff(query("""
            SELECT id, uid, name, roles, provinces, communes, enabled, development FROM registry.staff
            WHERE uid = \(uid) AND enabled
            """)).first
    }

    /// One account by id (disabled ones included).
    public func staff(id: String) async throws -> StaffAccount? {
        try await decodeStaff(query("SELECT id, uid, name, roles, provinces, communes, enabled, development FROM registry.staff WHERE id = \(id)")).first
    }

    /// All accounts in id order.
    public func allStaff(limit: Int, after: String?) async throws -> [StaffAccount] {
        try await decodeStaff(query("""
            SELECT id, uid, name, roles, provinces, communes, enabled, development FROM registry.staff
            WHERE id > \(after ?? "") ORDER BY id LIMIT \(limit)
            """))
    }

    /// Creates an account; returns it with its new id.
    public func createStaff(uid: Int?, name: String, roles: [String], provinces: [String], communes: [String],
                            development: Bool = false) async throws -> StaffAccount {
        let rows = try await query("""
            INSERT INTO registry.staff (uid, name, roles, provinces, communes, development)
            VALUES (\(uid), \(name), \(roles), \(provinces), \(communes), \(development))
            RETURNING id, uid, name, roles, provinces, communes, enabled, development
            """)
        guard let account = try await decodeStaff(rows).first else { throw StoreError.internalError("insert returned nothing") }
        return account
    }

    /// Replaces an account's attributes; returns the new state, or nil if there is no such account.
    public func updateStaff(_ account: StaffAccount) async throws -> StaffAccount? {
        try await decodeStaff(query("""
            UPDATE registry.staff SET uid = \(account.uid), name = \(account.name), roles = \(account.roles),
                   provinces = \(account.provinces), communes = \(account.communes), enabled = \(account.enabled)
            WHERE id = \(account.id)
            RETURNING id, uid, name, roles, provinces, communes, enabled, development
            """)).first
    }

    /// Number of enabled accounts holding `role`.
    public func countStaff(role: String) async throws -> Int {
        var n = 0
        for try await c in try await query("SELECT count(*)::int FROM registry.staff WHERE enabled AND \(role) = ANY(roles)").decode(Int.self) {
            n = c
        }
        return n
    }

    private func decodeStaff(_ rows: QueryRows) async throws -> [StaffAccount] {
        var out: [StaffAccount] = []
        for try await (id, uid, name, roles, provinces, communes, enabled, dev) in rows.decode(
            (String, Int?, String, [String], [String], [String], Bool, Bool).self)
        {
            out.append(StaffAccount(id: id, uid: uid, name: name, roles: roles, provinces: provinces, communes: communes,
                                    enabled: enabled, development: dev))
        }
        return out
    }
}
