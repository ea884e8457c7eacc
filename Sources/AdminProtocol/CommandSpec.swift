/// The type a parameter's value must have; checked by `ArgumentBinder` before any handler runs.
public enum ValueType: Hashable, Sendable {
    /// Free UTF-8 text (names in Khmer or Latin script, reasons, notes).
    case text
    /// An identifier such as `S-0001`, `A-0012`, a rule key or a licence number: printable, no spaces.
    case identifier
    /// A whole number within the range.
    case integer(ClosedRange<Int>)
    /// `true`/`false`, `yes`/`no`, `on`/`off`.
    case boolean
    /// A calendar date `YYYY-MM-DD`.
    case date
    /// One of the listed words.
    case oneOf([String])
    /// A comma-separated list of identifiers.
    case list

    /// Short name used in usage lines and `help --json`.
    public var name: String {
        switch self {
        case .text: return "text"
        case .identifier: return "id"
        case .integer: return "int"
        case .boolean: return "bool"
        case .date: return "date"
        case .oneOf(let words): return words.joined(separator: "|")
        case .list: return "list"
        }
    }
}

/// One positional parameter, field, option or payload of a command.
public struct ParameterSpec: Hashable, Sendable {
    public var name: String
    public var type: ValueType
    public var required: Bool
    /// Sensitive values are shown as `***` in audit entries, logs and JSON `cmd`.
    public var sensitive: Bool
    public var summary: String

    public init(_ name: String, _ type: ValueType, required: Bool = false, sensitive: Bool = false, _ summary: String = "") {
        self.name = name
        self.type = type
        self.required = required
        self.sensitive = sensitive
        self.summary = summary
    }
}

/// Behavioural flags of a command.
public struct CommandFlags: OptionSet, Hashable, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Changes state: accepts `--dry-run` and `--idempotency-key=`, and is audited in its own transaction.
    public static let mutating = CommandFlags(rawValue: 1 << 0)
    /// May run without an authenticated principal (`hello ping help quit`).
    public static let noAuth = CommandFlags(rawValue: 1 << 1)
    /// Needs expert mode.
    public static let expert = CommandFlags(rawValue: 1 << 2)
    /// Not listed by `help` (still documented in README).
    public static let hidden = CommandFlags(rawValue: 1 << 3)
    /// Requires `--reason=` (suspensions, revocations, reads of a victim's identity).
    public static let needsReason = CommandFlags(rawValue: 1 << 4)
    /// Handled by the session itself, never reaches a handler.
    public static let session = CommandFlags(rawValue: 1 << 5)
}

/// Shape of the data lines a command returns.
public enum ReplyShape: String, Hashable, Sendable {
    case none, record, table, text
}

/// The declarative description of one command: the single source for dispatch, argument checking,
/// permission checks, `help` and the README command reference.
public struct CommandSpec: Hashable, Sendable {
    public var name: String
    public var summary: String
    public var help: String
    public var positionals: [ParameterSpec]
    public var fields: [ParameterSpec]
    public var options: [ParameterSpec]
    public var payload: ParameterSpec?
    /// Capability the caller needs; nil for built-ins every session may run.
    public var capability: String?
    public var flags: CommandFlags
    public var shape: ReplyShape

    public init(
        _ name: String, summary: String, help: String = "", positionals: [ParameterSpec] = [],
        fields: [ParameterSpec] = [], options: [ParameterSpec] = [], payload: ParameterSpec? = nil,
        capability: String?, flags: CommandFlags = [], shape: ReplyShape = .none
    ) {
        self.name = name
        self.summary = summary
        self.help = help
        self.positionals = positionals
        self.fields = fields
        self.options = options
        self.payload = payload
        self.capability = capability
        self.flags = flags
        self.shape = shape
    }

    /// Options every command accepts, or every mutating command, in addition to its own.
    public var allOptions: [ParameterSpec] {
        var all = options
        all.append(ParameterSpec("json", .boolean, "reply as one JSON object"))
        if flags.contains(.mutating) {
            all.append(ParameterSpec("dry-run", .boolean, "validate and authorise, commit nothing"))
            all.append(ParameterSpec("idempotency-key", .identifier, "a retry with the same key returns the first result"))
        }
        if flags.contains(.needsReason) {
            all.append(ParameterSpec("reason", .text, required: true, "why; recorded in the audit trail"))
        }
        return all
    }

    /// The usage line, derived from the parameters: `name <pos> [field=<type>] [--opt=<type>] [<<]`.
    public var usage: String {
        var parts = [name]
        for p in positionals { parts.append(p.required ? "<\(p.name)>" : "[<\(p.name)>]") }
        for f in fields { parts.append(f.required ? "\(f.name)=<\(f.type.name)>" : "[\(f.name)=<\(f.type.name)>]") }
        for o in options { parts.append(o.required ? "--\(o.name)=<\(o.type.name)>" : (o.type == .boolean ? "[--\(o.name)]" : "[--\(o.name)=<\(o.type.name)>]")) }
        if flags.contains(.needsReason) { parts.append("--reason=<text>") }
        if let payload { parts.append(payload.required ? "<<" : "[<<]") }
        return parts.joined(separator: " ")
    }
}
