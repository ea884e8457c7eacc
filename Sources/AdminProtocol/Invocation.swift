import LineGrammar

/// A command after its arguments were checked against its `CommandSpec`: what a handler receives.
public struct Invocation: Hashable, Sendable {
    public var command: String
    public var positionals: [String]
    /// Fields in the order given; a repeated key appears once per occurrence.
    public var fields: [Field]
    /// Command-specific options (universal ones are lifted into the properties below).
    public var options: [String: String]
    public var payload: String?
    public var json: Bool
    public var dryRun: Bool
    public var idempotencyKey: String?
    public var reason: String?
    /// The request's words as given, each knowing whether its value is sensitive (`redactedWords`).
    public var redaction: [RedactedWord]

    /// The request's words in canonical quoted form, sensitive values replaced by `***`: for audit entries,
    /// logs and JSON `cmd`. Joined with spaces they tokenize back to the request. Built when asked for:
    /// most requests (a hotline lookup in text form) never need them.
    public var redactedWords: [String] { redaction.map(\.text) }

    public init(
        command: String, positionals: [String] = [], fields: [Field] = [], options: [String: String] = [:],
        payload: String? = nil, json: Bool = false, dryRun: Bool = false, idempotencyKey: String? = nil,
        reason: String? = nil, redactedWords: [String] = []
    ) {
        self.command = command
        self.positionals = positionals
        self.fields = fields
        self.options = options
        self.payload = payload
        self.json = json
        self.dryRun = dryRun
        self.idempotencyKey = idempotencyKey
        self.reason = reason
        self.redaction = (redactedWords.isEmpty ? [command] : redactedWords).map { .word($0) }
    }

    /// The last value given for field `key`.
    public func field(_ key: String) -> String? { fields.last { $0.key == key }?.value }

    /// Positional value at `index`, if given.
    public func positional(_ index: Int) -> String? { index < positionals.count ? positionals[index] : nil }

    /// Was the boolean option `--key` given (without a value, or with a true value)?
    public func flag(_ key: String) -> Bool { options[key].map(ArgumentBinder.isTrue) ?? false }
}

/// One word of a request as the audit trail and JSON `cmd` show it: kept as given, quoted (and its
/// value replaced by `***` when the parameter is sensitive) only when its text is asked for.
public enum RedactedWord: Hashable, Sendable {
    /// Shown as is: the command name, `<<`, `<<***`.
    case word(String)
    case positional(String, sensitive: Bool)
    case field(key: String, value: String, sensitive: Bool)
    case option(key: String, value: String?, sensitive: Bool)

    /// The word in canonical quoted form, redacted when sensitive.
    public var text: String {
        switch self {
        case .word(let word): return word
        case .positional(let value, let sensitive): return sensitive ? "***" : Quoter.quote(value)
        case .field(let key, let value, let sensitive): return key + "=" + (sensitive ? "***" : Quoter.quote(value))
        case .option(let key, let value, let sensitive): return "--" + key + (value.map { "=" + (sensitive ? "***" : Quoter.quote($0)) } ?? "")
        }
    }
}
