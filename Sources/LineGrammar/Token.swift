/// One argument of a request line, classified from its raw (still quoted) form.
///
/// Classification follows design-anchors §2.4.4: a raw token starting with `--` is an option,
/// one of the form `key=…` is a field, anything else (including anything that starts with `"`)
/// is a positional value.
public enum Token: Hashable, Sendable {
    /// An identifier or required value, e.g. `A-0012` or `"សុខ ដារ៉ា"`.
    case positional(String)
    /// A domain field, e.g. `province=ភ្នំពេញ`.
    case field(key: String, value: String)
    /// A modifier, e.g. `--json` (no value) or `--reason="forged documents"`.
    case option(key: String, value: String?)
}

/// The heredoc that closes a request line: `<<` ends at the first empty line, `<<MARK` at a line equal to `MARK`.
public enum HeredocMarker: Hashable, Sendable {
    case emptyLine
    case marker(String)

    /// True when `line` (without its line ending) closes this heredoc.
    public func isTerminator(_ line: Substring) -> Bool {
        switch self {
        case .emptyLine: return line.isEmpty
        case .marker(let mark): return line == mark
        }
    }
}

/// A tokenized line: every token in order, and the heredoc marker if the line ended with one.
public struct TokenizedLine: Hashable, Sendable {
    public var tokens: [Token]
    public var heredoc: HeredocMarker?

    public init(tokens: [Token], heredoc: HeredocMarker? = nil) {
        self.tokens = tokens
        self.heredoc = heredoc
    }
}
