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
    /// The request's words in canonical quoted form, sensitive values replaced by `***`: for audit entries,
    /// logs and JSON `cmd`. Joined with spaces they tokenize back to the request.
    public var redactedWords: [String]

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
        self.redactedWords = redactedWords.isEmpty ? [command] : redactedWords
    }

    /// The last value given for field `key`.
    public func field(_ key: String) -> String? { fields.last { $0.key == key }?.value }

    /// Positional value at `index`, if given.
    public func positional(_ index: Int) -> String? { index < positionals.count ? positionals[index] : nil }

    /// Was the boolean option `--key` given (without a value, or with a true value)?
    public func flag(_ key: String) -> Bool { options[key].map(ArgumentBinder.isTrue) ?? false }
}
