/// The value of one rulebook parameter.
public enum RuleValue: Hashable, Sendable, CustomStringConvertible {
    case integer(Int)
    case boolean(Bool)
    case text(String)
    /// Explicitly unknown: the law sets no figure and nothing is enforced (e.g. `fees.cap_usd`).
    case null

    public var description: String {
        switch self {
        case .integer(let n): return String(n)
        case .boolean(let b): return b ? "true" : "false"
        case .text(let s): return s
        case .null: return "null"
        }
    }
}

/// How trustworthy a parameter's value is (legal-rules §0.2).
public enum RuleTag: String, CaseIterable, Hashable, Sendable {
    /// Stated in a source describing the instrument itself.
    case S
    /// Reported practice.
    case R
    /// Inferred.
    case I
    /// Default proposed: no figure found.
    case D
    /// Analog borrowed from another instrument.
    case A
}
