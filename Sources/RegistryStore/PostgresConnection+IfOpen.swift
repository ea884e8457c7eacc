import Logging
import NIOCore
import PostgresNIO

extension PostgresConnection {
    /// `query`, refused with `StoreError.unavailable` when the connection has closed; the rows come
    /// back all at once (`QueryRows`).
    ///
    /// Why: PostgresNIO 1.33 writes a query to the channel without a write promise; on a channel that
    /// has already closed and shed its handlers the write fails and the query's own promise is never
    /// completed, so the caller waits for ever. Seen when PostgreSQL ended a session between two
    /// statements of a transaction (idle_in_transaction_session_timeout after the daemon had been
    /// frozen; pg_terminate_backend under load): the timer service hung for good and the daemon could no
    /// longer stop. The check and the write run in one turn of the connection's own event loop, so the
    /// channel cannot close between them; a query written to an open channel is failed by the
    /// connection's handler if the channel closes later.
    @discardableResult
    func queryIfOpen(_ query: PostgresQuery, logger: Logger) async throws -> QueryRows {
        let loop = eventLoop
        let result = loop.flatSubmit { () -> EventLoopFuture<PostgresQueryResult> in
            guard !self.isClosed else { return loop.makeFailedFuture(StoreError.unavailable) }
            return self.query(query, logger: logger)
        }
        return QueryRows(rows: try await result.get().rows)
    }
}

/// A query's rows, all received: iterated as `PostgresRow`s, or decoded to a column type or a tuple of
/// them, as `PostgresRowSequence` offers.
public struct QueryRows: AsyncSequence, Sendable {
    public typealias Element = PostgresRow
    public let rows: [PostgresRow]

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: IndexingIterator<[PostgresRow]>
        public mutating func next() async throws -> PostgresRow? { base.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: rows.makeIterator()) }

    /// The rows' one column as `Column`.
    public func decode<Column: PostgresDecodable>(_: Column.Type, file: String = #fileID, line: Int = #line) throws -> Decoded<Column> {
        Decoded(values: try rows.map { try $0.decode(Column.self, file: file, line: line) })
    }

    /// The rows' columns as a tuple.
    public func decode<each Column: PostgresDecodable>(_: (repeat each Column).Type, file: String = #fileID,
                                                      line: Int = #line) throws -> Decoded<(repeat each Column)> {
        Decoded(values: try rows.map { try $0.decode((repeat each Column).self, file: file, line: line) })
    }

    /// Decoded rows, iterated with `for try await` as the rows of a stream are.
    public struct Decoded<Value>: AsyncSequence {
        public typealias Element = Value
        let values: [Value]

        public struct AsyncIterator: AsyncIteratorProtocol {
            var base: IndexingIterator<[Value]>
            public mutating func next() async throws -> Value? { base.next() }
        }

        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: values.makeIterator()) }
    }
}
