import PostgresNIO

/// Database failures in the vocabulary the protocol answers with (design-anchors §2.4.8 SQLSTATE table).
public enum StoreError: Error, Sendable, Equatable {
    /// No such row, or a referenced row is missing (23503).
    case notFound(kind: String, id: String)
    /// Unique violation (23505) or an idempotency key reused with other arguments.
    case conflict(String)
    /// Check violation or data exception (23514, class 22).
    case invalidValue(String)
    /// Serialization failure, deadlock or lock not available: retry.
    case busy
    /// Statement timeout (57014).
    case timeout
    /// Connection or server unavailable (class 08, 53, 57P01…).
    case unavailable
    /// Insufficient privilege (42501): a dispatcher bug or an attack.
    case permissionDenied
    /// A domain rule raised by the database (custom SQLSTATE `RG…`).
    case refused(rule: String, message: String)
    case invalidState(state: String, rule: String)
    /// Anything else; detail goes to the log only.
    case internalError(String)

    /// Maps any error thrown by PostgresNIO (unwrapping transaction errors).
    public static func from(_ error: any Error) -> StoreError {
        if let e = error as? StoreError { return e }
        if let t = error as? PostgresTransactionError {
            if let inner = t.closureError ?? t.commitError ?? t.beginError { return from(inner) }
            return .unavailable
        }
        if let e = error as? PSQLError {
            if let state = e.serverInfo?[.sqlState] {
                let message = e.serverInfo?[.message] ?? ""
                switch state {
                case "23505": return .conflict(e.serverInfo?[.constraintName] ?? "unique")
                case "23503": return .notFound(kind: e.serverInfo?[.constraintName] ?? "reference", id: "")
                case "23514", "23502": return .invalidValue(e.serverInfo?[.constraintName] ?? e.serverInfo?[.columnName] ?? "value")
                case "40001", "40P01", "55P03": return .busy
                case "57014": return .timeout
                case "42501": return .permissionDenied
                case "RG001": return .invalidState(state: message, rule: e.serverInfo?[.detail] ?? "")
                case "RG002": return .refused(rule: e.serverInfo?[.detail] ?? "", message: message)
                case "P0002": return .notFound(kind: "complaint", id: "")
                case "RG003": return .notFound(kind: e.serverInfo?[.detail] ?? "object", id: message)
                default:
                    if state.hasPrefix("22") { return .invalidValue(e.serverInfo?[.columnName] ?? "value") }
                    if state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57P") { return .unavailable }
                    return .internalError("sqlstate \(state)")
                }
            }
            switch e.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown:
                return .unavailable
            case .queryCancelled: return .timeout
            default: return .unavailable
            }
        }
        if error is CancellationError { return .unavailable }
        // The pool's own refusals that PostgresNIO passes on unwrapped (its circuit breaker after a long
        // outage): the database is out of reach, a retryable answer, and the pool is replaced.
        if String(reflecting: type(of: error)).hasSuffix("ConnectionPoolError") { return .unavailable }
        return .internalError(String(describing: type(of: error)))
    }
}
