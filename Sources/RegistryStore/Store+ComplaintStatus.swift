import PostgresNIO

extension Store {
    /// Status by tracking reference, for anyone holding it (no scope, no names).
    ///
    /// One statement on its own (autocommit), not a transaction: the lookup goes through
    /// `registry.complaint_status`, which needs no scope and writes nothing, so BEGIN, the scope settings
    /// and COMMIT were three more round trips to PostgreSQL for each hotline or villager's status check.
    public func complaintStatus(reference: String) async throws -> ComplaintStatus? {
        try await autocommit { conn in
            for try await (id, ref, state, level, received, kind, due, paused, mergedFrom) in try await conn.queryIfOpen("""
                SELECT id, reference, state, level, received_on::text, next_deadline, due_on::text, paused, merged_from
                FROM registry.complaint_status(\(reference))
                """, logger: self.logger).decode((String, String, String, String, String, String?, String?, String?, String?).self) {
                return ComplaintStatus(id: id, reference: ref, state: state, level: level, receivedOn: received, nextDeadline: kind,
                                       dueOn: due, paused: paused, mergedFrom: mergedFrom)
            }
            return nil
        }
    }
}
