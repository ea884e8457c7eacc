import LineGrammar

/// One `key=value` pair of a data line or of a reply's final line. Multi-valued fields repeat the key.
public struct Field: Hashable, Sendable {
    public var key: String
    public var value: String {
        didSet { form = nil }
    }
    /// How the text form writes `value` (bare, quoted, escaped), when decided ahead by `prepared` for a
    /// value rendered on many replies (the hotline index's facts); nil: decided when rendered.
    public private(set) var form: Quoter.Form?

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
        self.form = nil
    }

    /// A field whose quoting is decided now, once, rather than at every rendering.
    public static func prepared(_ key: String, _ value: String) -> Field {
        var field = Field(key, value)
        field.form = Quoter.form(value)
        return field
    }

    /// Equal when key and value are: the cached form is derived from the value.
    public static func == (a: Field, b: Field) -> Bool { a.key == b.key && a.value == b.value }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(key)
        hasher.combine(value)
    }
}

/// The data lines of a reply, in one of the shapes a command declares.
public enum ReplyData: Hashable, Sendable {
    /// No data lines.
    case none
    /// One `key=value` per line (`show` commands).
    case record([Field])
    /// One record per line (`list` commands).
    case table([[Field]])
    /// Free text lines (`help`).
    case text([String])
}

/// A complete reply: data lines, then exactly one final line `NNN STATUS key=value…`.
public struct Reply: Hashable, Sendable {
    public var code: ReplyCode
    public var data: ReplyData
    /// Fields of the final line; a human explanation, if any, is the last field `msg=…`.
    public var fields: [Field]

    public init(_ code: ReplyCode, data: ReplyData = .none, fields: [Field] = []) {
        self.code = code
        self.data = data
        self.fields = fields
    }

    /// A reply with only a final line.
    public static func final(_ code: ReplyCode, _ fields: Field..., msg: String? = nil) -> Reply {
        var all = fields
        if let msg { all.append(Field("msg", msg)) }
        return Reply(code, fields: all)
    }

    /// Value of the first final-line field named `key`.
    public func field(_ key: String) -> String? { fields.first { $0.key == key }?.value }
}

extension Reply {
    /// Truncates echoed user input to 64 bytes (on a scalar boundary) before it goes into an error reply.
    public static func echo(_ input: String) -> String {
        guard input.utf8.count > 64 else { return input }
        var out = ""
        for scalar in input.unicodeScalars {
            if out.utf8.count + String(scalar).utf8.count > 61 { break }
            out.unicodeScalars.append(scalar)
        }
        return out + "..."
    }
}
