import LineGrammar

/// One `key=value` pair of a data line or of a reply's final line. Multi-valued fields repeat the key.
public struct Field: Hashable, Sendable {
    public var key: String {
        // A value kept only in the text form is taken out of it before the text goes.
        willSet { if storedValue == nil { storedValue = value } }
        didSet { text = nil }
    }
    /// The value; for a field built from its text form alone (`init(_:text:)`), read back from it.
    public var value: String {
        get { storedValue ?? Field.value(ofText: text ?? [], key: key) }
        set {
            storedValue = newValue
            text = nil
        }
    }
    /// Nil only when `text` is the field's one form.
    private var storedValue: String?
    /// The text form `key=value` as bytes, when rendered ahead by `prepared` for a field shown on many
    /// replies (the hotline index's facts); nil: rendered when the reply is.
    public private(set) var text: [UInt8]?

    public init(_ key: String, _ value: String) {
        self.key = key
        self.storedValue = value
        self.text = nil
    }

    /// A field whose text form is rendered now, once, rather than at every reply that shows it (a
    /// hotline reply is mostly such fields: appending their bytes is one copy each).
    public static func prepared(_ key: String, _ value: String) -> Field {
        var field = Field(key, value)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(key.utf8.count + value.utf8.count + 3)
        ReplyRenderer.render(key: key, value: value, to: &bytes)
        field.text = bytes
        return field
    }

    /// A field whose text form the caller assembled from parts rendered ahead (a candidate line: its
    /// label quoted once per agency, the score per lookup). `text` must be exactly what `prepared(key,
    /// value)` renders; `ReplyRendererTests` holds the callers to it.
    public init(_ key: String, _ value: String, text: [UInt8]) {
        self.key = key
        self.storedValue = value
        self.text = text
    }

    /// A field known by its text form `key=value` alone (what `prepared(key, value)` renders): the
    /// value is read back from it only when asked for (JSON, comparisons), never on the way out as
    /// text. Why: a hotline reply's candidate lines are assembled as text, and building each value
    /// string as well was a share of every ambiguous lookup.
    public init(_ key: String, text: [UInt8]) {
        self.key = key
        self.storedValue = nil
        self.text = text
    }

    /// The value in `key=value` text, by the tokenizer (the inverse of the quoter that rendered it).
    static func value(ofText text: [UInt8], key: String) -> String {
        guard let tokens = try? Tokenizer.tokenize(text).tokens, tokens.count == 1,
              case .field(let k, let v) = tokens[0], k == key else {
            // A caller broke the contract of `init(_:text:)`: a test catches it; a running daemon shows
            // the text after `key=` as it is rather than stop.
            assertionFailure("a field's text form is not key=value for its key")
            return String(decoding: text.dropFirst(key.utf8.count + 1), as: UTF8.self)
        }
        return v
    }

    /// Equal when key and value are: the cached text is derived from them.
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
