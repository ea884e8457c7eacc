import LineGrammar

/// The validated set of legal parameters the daemon runs with (legal-rules §11).
///
/// File format, one parameter per line in the admin protocol's own line grammar:
/// ```
/// complaint.first_action_days value=10 unit=days tag=S basis=CMP-4 source="[L3][L4][L5][L6] …"
/// ```
/// Loading fails, naming the key and line, on an unknown key, a value of the wrong type, a missing
/// required key, a duplicate, or a missing tag, basis or source.
public struct Rulebook: Sendable {
    public let entries: [String: RuleEntry]
    /// Keys in file order.
    public let keys: [String]

    /// Parses and validates rulebook text. `file` is used in error messages.
    public static func parse(_ text: String, file: String = "rulebook.conf") throws(RulebookError) -> Rulebook {
        var entries: [String: RuleEntry] = [:]
        var keys: [String] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let tokenized: TokenizedLine
            do {
                tokenized = try Tokenizer.tokenize(Array(rawLine.utf8))
            } catch {
                throw RulebookError(file: file, line: lineNumber, key: nil, message: "syntax: \(error.reason.rawValue) at byte \(error.offset)")
            }
            guard let first = tokenized.tokens.first else { continue }
            guard case .positional(let key) = first else {
                throw RulebookError(file: file, line: lineNumber, key: nil, message: "a line must start with the parameter key")
            }
            guard let schema = RuleSchema.entry(for: key) else {
                throw RulebookError(file: file, line: lineNumber, key: key, message: "unknown key")
            }
            if entries[key] != nil {
                throw RulebookError(file: file, line: lineNumber, key: key, message: "defined twice")
            }
            var attributes: [String: String] = [:]
            for token in tokenized.tokens.dropFirst() {
                guard case .field(let name, let value) = token else {
                    throw RulebookError(file: file, line: lineNumber, key: key, message: "expected name=value attributes")
                }
                guard ["value", "unit", "tag", "basis", "source", "note"].contains(name) else {
                    throw RulebookError(file: file, line: lineNumber, key: key, message: "unknown attribute \(name)")
                }
                attributes[name] = value
            }
            func required(_ name: String) throws(RulebookError) -> String {
                guard let v = attributes[name], !v.isEmpty else {
                    throw RulebookError(file: file, line: lineNumber, key: key, message: "missing \(name)=")
                }
                return v
            }
            let rawValue = try required("value")
            let value = try convert(rawValue, schema.kind, file: file, line: lineNumber, key: key)
            guard let tag = RuleTag(rawValue: try required("tag")) else {
                throw RulebookError(file: file, line: lineNumber, key: key, message: "tag must be one of S, R, I, D, A")
            }
            entries[key] = RuleEntry(key: key, value: value, unit: attributes["unit"], tag: tag,
                                     basis: try required("basis"), source: try required("source"),
                                     note: attributes["note"], line: lineNumber)
            keys.append(key)
        }
        for key in RuleSchema.requiredKeys where entries[key] == nil {
            let last = text.split(separator: "\n", omittingEmptySubsequences: false).count
            throw RulebookError(file: file, line: last, key: key, message: "required key missing")
        }
        return Rulebook(entries: entries, keys: keys)
    }

    private static func convert(_ raw: String, _ kind: RuleSchema.Kind, file: String, line: Int, key: String) throws(RulebookError) -> RuleValue {
        func wrong() -> RulebookError {
            RulebookError(file: file, line: line, key: key, message: "value \(Reply_echo(raw)) is not \(kind.name)")
        }
        switch kind {
        case .integer:
            guard let n = Int(raw) else { throw wrong() }
            return .integer(n)
        case .nullableInteger:
            if raw == "null" { return .null }
            guard let n = Int(raw) else { throw wrong() }
            return .integer(n)
        case .boolean:
            switch raw {
            case "true": return .boolean(true)
            case "false": return .boolean(false)
            default: throw wrong()
            }
        case .text:
            return .text(raw)
        case .oneOf(let words):
            guard words.contains(raw) else { throw wrong() }
            return .text(raw)
        case .weekdays:
            let days = raw.split(separator: ",").map(String.init)
            guard !days.isEmpty, days.allSatisfy(RuleSchema.weekdayNames.contains) else { throw wrong() }
            return .text(raw)
        }
    }

    /// The entry for `key`.
    public subscript(key: String) -> RuleEntry? { entries[key] }

    /// An integer parameter; nil if the key is absent or null. Callers name keys, never numbers.
    public func integer(_ key: String) -> Int? {
        if case .integer(let n)? = entries[key]?.value { return n }
        return nil
    }

    /// A boolean parameter.
    public func boolean(_ key: String) -> Bool? {
        if case .boolean(let b)? = entries[key]?.value { return b }
        return nil
    }

    /// A text parameter.
    public func text(_ key: String) -> String? {
        if case .text(let s)? = entries[key]?.value { return s }
        return nil
    }

    /// ISO weekdays (1 = Monday) that are working days, from `calendar.working_days`.
    public var workingWeekdays: Set<Int> {
        let names = (text("calendar.working_days") ?? "").split(separator: ",").map(String.init)
        return Set(names.compactMap { RuleSchema.weekdayNames.firstIndex(of: $0).map { $0 + 1 } })
    }
}

/// Truncated echo of a bad value for error messages.
func Reply_echo(_ s: String) -> String { s.count > 40 ? String(s.prefix(37)) + "..." : s }
