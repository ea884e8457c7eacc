import Logging
import PostgresNIO

extension PostgresConnection {
    /// `query`, refused at once with `StoreError.unavailable` when the connection has closed.
    ///
    /// Why: PostgresNIO 1.33 writes a query to the channel without a write promise; on a channel that
    /// has already closed (and shed its handlers) the write fails and the query's own promise is never
    /// completed, so the caller waits for ever. Seen when PostgreSQL ended a session between two
    /// statements of a transaction (idle_in_transaction_session_timeout after the daemon had been
    /// frozen): the timer service hung for good and the daemon could no longer stop. A query written
    /// while the channel is still open but closing is failed by the connection's handler. What remains
    /// is the instant between this check and the write while another thread closes the channel.
    @discardableResult
    func queryIfOpen(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        guard !isClosed else { throw StoreError.unavailable }
        return try await self.query(query, logger: logger)
    }
}
