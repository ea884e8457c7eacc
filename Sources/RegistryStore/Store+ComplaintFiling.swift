import PostgresNIO

extension Store {
    /// Files a complaint: durable when this returns. Goes with the filings that arrive at the same time
    /// (`FilingBatcher`), one commit for all of them.
    public func file(_ request: FilingRequest) async throws -> FilingRequest.Outcome {
        try await filingBatcher.file(request, store: self)
    }

    /// Writes one batch. If it fails, no filing of it was written (one transaction), and each is tried
    /// alone so that only the filing at fault gets the error. While the database is unreachable every
    /// filing gets that answer at once.
    func writeFilings(_ batch: [FilingRequest]) async -> [Result<FilingRequest.Outcome, any Error>] {
        do {
            return try await writeOnce(batch).map { .success($0) }
        } catch StoreError.unavailable {
            return batch.map { _ in .failure(StoreError.unavailable) }
        } catch {
            guard batch.count > 1 else { return [.failure(error)] }
            // No error text: it may quote a value of the filing.
            logger.info("filing batch refused; filing one by one", metadata: ["filings": "\(batch.count)"])
            var results: [Result<FilingRequest.Outcome, any Error>] = []
            for request in batch {
                do { results.append(.success(try await writeOnce([request])[0])) } catch { results.append(.failure(error)) }
            }
            return results
        }
    }

    private func writeOnce(_ batch: [FilingRequest]) async throws -> [FilingRequest.Outcome] {
        let query = try FilingRequest.query(batch)
        return try await autocommit { conn in
            try await FilingRequest.outcomes(try await conn.queryIfOpen(query, logger: self.logger), count: batch.count)
        }
    }
}

extension Transaction {
    /// The same filing inside a transaction, alone (a dry run rolls it back).
    public func file(_ request: FilingRequest) async throws -> FilingRequest.Outcome {
        try await FilingRequest.outcomes(try await query(try FilingRequest.query([request])), count: 1)[0]
    }
}
