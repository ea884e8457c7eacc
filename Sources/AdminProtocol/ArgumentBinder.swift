import LineGrammar

/// Checks tokens against a `CommandSpec` and builds the `Invocation` (arity, unknown names, types,
/// required values, payload allowed). The dispatcher runs it before any handler, so handlers never
/// see malformed arguments.
public enum ArgumentBinder {
    /// A binding failure, rendered as `501 BAD_ARGUMENTS arg=… usage=…`.
    public struct Failure: Error, Hashable, Sendable {
        public var argument: String
        public var message: String
        public var reason: String?

        /// The refusal as the client sees it, with the command's usage line.
        public func reply(usage: String) -> Reply {
            var fields = [Field("arg", Reply.echo(argument))]
            if let reason { fields.append(Field("reason", reason)) }
            fields.append(Field("usage", usage))
            fields.append(Field("msg", message))
            return Reply(.badArguments, fields: fields)
        }
    }

    /// Whether a flag's value means yes: empty (a bare `--flag`), true, yes, on or 1, in any case.
    public static func isTrue(_ value: String) -> Bool {
        ["", "true", "yes", "on", "1"].contains(value.lowercased())
    }

    /// Binds `arguments` (and the collected payload, if any) to `spec`.
    public static func bind(
        _ spec: CommandSpec, arguments: [Token], payload: String?, limits: ProtocolLimits
    ) throws(Failure) -> Invocation {
        if arguments.count > limits.maxArguments {
            throw Failure(argument: spec.name, message: "more than \(limits.maxArguments) arguments", reason: "too_many_arguments")
        }
        var inv = Invocation(command: spec.name)
        var words: [RedactedWord] = []
        words.reserveCapacity(arguments.count + 2)
        words.append(.word(spec.name))
        inv.fields.reserveCapacity(arguments.count)
        // Parameter lists are short: a linear search beats building dictionaries on every command.
        let fieldSpecs = spec.fields
        let optionSpecs = arguments.contains { if case .option = $0 { return true } else { return false } } ? spec.allOptions : []
        for token in arguments {
            switch token {
            case .positional(let value):
                let index = inv.positionals.count
                guard index < spec.positionals.count else {
                    throw Failure(argument: value, message: "unexpected argument")
                }
                let p = spec.positionals[index]
                try check(value, p)
                inv.positionals.append(value)
                words.append(.positional(value, sensitive: p.sensitive))
            case .field(let key, let value):
                guard let p = fieldSpecs.first(where: { $0.name == key }) else { throw Failure(argument: key, message: "unknown field") }
                try check(value, p)
                inv.fields.append(Field(key, value))
                words.append(.field(key: key, value: value, sensitive: p.sensitive))
            case .option(let key, let value):
                guard let p = optionSpecs.first(where: { $0.name == key }) else { throw Failure(argument: "--" + key, message: "unknown option") }
                if p.type == .boolean {
                    if let value, !["true", "false", "yes", "no", "on", "off", "1", "0"].contains(value.lowercased()) {
                        throw Failure(argument: "--" + key, message: "expects true or false")
                    }
                } else {
                    guard let value else { throw Failure(argument: "--" + key, message: "needs a value: --\(key)=…") }
                    try check(value, p)
                }
                let v = value ?? ""
                switch key {
                case "json": inv.json = isTrue(v)
                case "dry-run": inv.dryRun = isTrue(v)
                case "idempotency-key": inv.idempotencyKey = v
                case "reason":
                    guard !v.trimmingSpaces.isEmpty else { throw Failure(argument: "--reason", message: "must not be empty") }
                    inv.reason = v
                default: inv.options[key] = v
                }
                words.append(.option(key: key, value: value, sensitive: p.sensitive))
            }
        }
        for (i, p) in spec.positionals.enumerated() where p.required && i >= inv.positionals.count {
            throw Failure(argument: "<\(p.name)>", message: "missing \(p.name)")
        }
        for p in spec.fields where p.required && inv.field(p.name) == nil {
            throw Failure(argument: p.name, message: "missing field \(p.name)=")
        }
        if spec.flags.contains(.needsReason), inv.reason == nil {
            throw Failure(argument: "--reason", message: "a reason is required: --reason=\"…\"")
        }
        for p in spec.options where p.required && inv.options[p.name] == nil {
            throw Failure(argument: "--" + p.name, message: "missing option --\(p.name)")
        }
        if let payload {
            guard let p = spec.payload else {
                throw Failure(argument: "<<", message: "this command takes no payload", reason: "payload_not_allowed")
            }
            inv.payload = payload
            words.append(.word(p.sensitive ? "<<***" : "<<"))
        } else if let p = spec.payload, p.required {
            throw Failure(argument: "<<", message: "this command needs a payload: end the line with << and the text")
        }
        inv.redaction = words
        return inv
    }

    private static func check(_ value: String, _ p: ParameterSpec) throws(Failure) {
        switch p.type {
        case .text:
            break  // free text: the tokenizer already rejected controls; bidi marks are allowed and escaped on output
        case .identifier:
            guard !value.isEmpty, value.unicodeScalars.allSatisfy({ CharacterClass.isBareScalar($0.value) && $0 != "=" }) else {
                throw Failure(argument: p.name, message: "\(p.name) must be an identifier without spaces")
            }
        case .integer(let range):
            guard let n = Int(value), range.contains(n) else {
                throw Failure(argument: p.name, message: "\(p.name) must be a whole number in \(range.lowerBound)...\(range.upperBound)")
            }
        case .boolean:
            guard ["true", "false", "yes", "no", "on", "off", "1", "0"].contains(value.lowercased()) else {
                throw Failure(argument: p.name, message: "\(p.name) must be true or false")
            }
        case .date:
            guard isDate(value) else { throw Failure(argument: p.name, message: "\(p.name) must be a date YYYY-MM-DD") }
        case .oneOf(let words):
            guard words.contains(value) else {
                throw Failure(argument: p.name, message: "\(p.name) must be one of " + words.joined(separator: ", "))
            }
        case .list:
            let items = value.split(separator: ",", omittingEmptySubsequences: false)
            guard !items.contains(where: { $0.isEmpty }) || value.isEmpty else {
                throw Failure(argument: p.name, message: "\(p.name) must be a comma-separated list without empty items")
            }
        }
    }

    /// `YYYY-MM-DD` with a plausible month and day (the calendar checks the exact day count).
    public static func isDate(_ value: String) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return false }
        return y >= 1900 && y <= 2999 && (1...12).contains(m) && (1...31).contains(d)
    }
}

extension String {
    var trimmingSpaces: Substring {
        let s = self.drop { $0 == " " || $0 == "\t" }
        var end = s.endIndex
        while end > s.startIndex, s[s.index(before: end)] == " " || s[s.index(before: end)] == "\t" {
            end = s.index(before: end)
        }
        return s[s.startIndex..<end]
    }
}
