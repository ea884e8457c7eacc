/// Group commit for complaint filings: while one batch is being written, the filings that arrive
/// wait and then go together, one statement and one commit for all of them.
///
/// Why: a filing's cost in PostgreSQL was mostly per statement and per transaction (executor
/// start-up, policy checks, commit), not per row; writing the filings of many clients together
/// divides that cost among them. A filing that arrives when the batcher is idle goes at once, so a
/// lone client waits no longer than before. PostgreSQL has its own group commit for the WAL flush;
/// this one also shares the statements.
///
/// Batches hold filings of one row-level scope (set once per transaction) and never the same
/// caller's idempotency key twice (the later one waits for the next batch and then replays).
actor FilingBatcher {
    private struct Waiting {
        let request: FilingRequest
        let continuation: CheckedContinuation<FilingRequest.Outcome, any Error>
    }

    private var queue: [Waiting] = []
    private var inFlight = 0
    /// Batches written at the same time: one is being executed while the other waits for its commit
    /// to reach the disk. Measured with 8 clients on 2 cores: 1 in flight 825 filings/s (batches of
    /// 4), 2 in flight 1,070/s (batches of 1.7), 4 in flight 990/s, 8 (no batching) 880/s.
    let maxInFlight: Int
    let maxBatch: Int

    init(maxInFlight: Int = 2, maxBatch: Int = 64) {
        self.maxInFlight = max(1, maxInFlight)
        self.maxBatch = max(1, maxBatch)
    }

    func file(_ request: FilingRequest, store: Store) async throws -> FilingRequest.Outcome {
        try await withCheckedThrowingContinuation { continuation in
            queue.append(Waiting(request: request, continuation: continuation))
            startBatches(store)
        }
    }

    private func startBatches(_ store: Store) {
        while inFlight < maxInFlight, !queue.isEmpty {
            let batch = takeBatch()
            inFlight += 1
            Task {
                let results = await store.writeFilings(batch.map(\.request))
                for (waiting, result) in zip(batch, results) { waiting.continuation.resume(with: result) }
                self.finished(store)
            }
        }
    }

    private func finished(_ store: Store) {
        inFlight -= 1
        startBatches(store)
    }

    /// The oldest filing and every later one with its scope, up to `maxBatch`, one per idempotency key.
    private func takeBatch() -> [Waiting] {
        let scope = queue[0].request.scopeKey
        var batch: [Waiting] = [], rest: [Waiting] = [], claims = Set<[String]>()
        for waiting in queue {
            if batch.count < maxBatch, waiting.request.scopeKey == scope, claims.insert(waiting.request.claim).inserted {
                batch.append(waiting)
            } else {
                rest.append(waiting)
            }
        }
        queue = rest
        return batch
    }
}
