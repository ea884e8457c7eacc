import LineGrammar

/// The pure per-connection protocol core: lines and timer events in, actions out (design-anchors §2.4.3,
/// §2.4.6, §2.4.10–11). The NIO handler only frames bytes into lines, feeds them here one at a time, and
/// executes the returned actions; nothing here touches a socket or a database, so every transition is
/// tested event by event.
///
/// ```
///            line ──► [ready] ──request with << ──► [collecting payload] ──terminator──► dispatch
///                        │  ▲                                   │
///   session built-ins ◄──┤  └──── completed(reply) ◄── execute ◄┘
///   (hello ping help quit prompt format)
///   error limit / quit / shutdown / idle / line too long ──► [closed]
/// ```
public struct SessionStateMachine: Sendable {
    /// Input events.
    public enum Event: Hashable, Sendable {
        /// One line without its LF.
        case line([UInt8])
        /// More than `maxLineBytes` arrived without an LF.
        case lineTooLong
        case partialLineTimeout
        case idleTimeout
        /// The client half-closed and every queued line has been handled.
        case inputClosed
        /// The server is shutting down.
        case shutdown
    }

    /// What the reply to an executed or refused command needs: the output format and the redacted words.
    public struct Pending: Hashable, Sendable {
        public var command: String
        public var redaction: [RedactedWord]
        /// The request's redacted words (`Invocation.redactedWords`), built when asked for.
        public var words: [String] { redaction.map(\.text) }
        public var json: Bool
        public var mutating: Bool
    }

    /// Bytes for the wire: a rendered reply or a prompt.
    public struct Output: Hashable, Sendable, ExpressibleByStringLiteral {
        public var bytes: [UInt8]

        public init(bytes: [UInt8]) { self.bytes = bytes }
        public init(_ text: String) { bytes = Array(text.utf8) }
        public init(stringLiteral text: String) { self.init(text) }

        /// The bytes as text (they are always valid UTF-8).
        public var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// Actions for the I/O shell, executed in order.
    public enum Action: Hashable, Sendable {
        /// Write these bytes.
        case write(Output)
        /// Run the command's handler, then call `completed(_:reply:)`.
        case execute(Invocation, Pending)
        /// Record the refusal in the audit trail, then call `completed(_:reply:)` with this reply.
        case refuse(Reply, Pending)
        /// Close the connection after the writes before it.
        case close
        /// Close without a reply (cross-protocol guard).
        case closeSilently
    }

    private struct PayloadCollector: Sendable {
        var command: String
        var arguments: [Token]
        var marker: HeredocMarker
        var text: String = ""
        var bytes = 0
        var lines = 0
        var overflow = false
        var invalid: TokenizeError?
    }

    private static let ready: Output = "> "
    private static let continuation: Output = "+ "
    private static let pong = Output(bytes: ReplyRenderer.textBytes(Reply.final(.status, Field("msg", "pong"))))

    public let server: String
    public let limits: ProtocolLimits
    private let catalog: [String: CommandSpec]
    private let ordered: [CommandSpec]
    public private(set) var identity: SessionIdentity
    public private(set) var json = false
    public private(set) var prompt = false
    public private(set) var errors = 0
    public private(set) var closed = false
    private var payload: PayloadCollector?

    /// - Parameters:
    ///   - specs: the command table's specs (built-ins included).
    ///   - identity: who the peer is; `principal == nil` means only no-auth commands run.
    public init(specs: [CommandSpec], identity: SessionIdentity, limits: ProtocolLimits, server: String) {
        self.ordered = specs
        self.catalog = Dictionary(specs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.identity = identity
        self.limits = limits
        self.server = server
    }

    /// Replaces the identity (the server re-resolved it after a database outage).
    public mutating func reidentify(_ identity: SessionIdentity) {
        self.identity = identity
    }

    /// Seconds of idleness allowed now (longer in prompt mode, where a person types).
    public var idleTimeoutSeconds: Int { prompt ? limits.promptIdleTimeoutSeconds : limits.idleTimeoutSeconds }

    /// True while a heredoc is open.
    public var collectingPayload: Bool { payload != nil }

    /// Feeds one event.
    public mutating func handle(_ event: Event) -> [Action] {
        guard !closed else { return [] }
        switch event {
        case .line(let bytes):
            return line(bytes)
        case .lineTooLong:
            return closeWith(Reply.final(.syntax, Field("reason", "line_too_long"), msg: "line longer than \(limits.maxLineBytes) bytes"), countsAsError: false)
        case .partialLineTimeout:
            return closeWith(Reply.final(.closing, Field("reason", "partial_line_timeout")), countsAsError: false)
        case .idleTimeout:
            return closeWith(Reply.final(.closing, Field("reason", "idle")), countsAsError: false)
        case .shutdown:
            return closeWith(Reply.final(.closing, Field("reason", "shutdown")), countsAsError: false)
        case .inputClosed:
            var actions: [Action] = []
            if payload != nil {
                payload = nil
                actions += emit(Reply.final(.syntax, Field("reason", "unterminated_heredoc")), pending: nil)
            }
            closed = true
            return actions + [.close]
        }
    }

    /// The reply of an `execute` or `refuse` action.
    public mutating func completed(_ pending: Pending, reply: Reply) -> [Action] {
        guard !closed else { return [] }
        return emit(reply, pending: pending)
    }

    // MARK: - Lines

    private mutating func line(_ raw: [UInt8]) -> [Action] {
        if payload != nil { return payloadLine(raw) }
        if HTTPGuard.looksLikeHTTP(raw) {
            closed = true
            return [.closeSilently]
        }
        let parsed: Tokenizer.Line
        do {
            parsed = try Tokenizer.parseRequest(raw)
        } catch {
            return emit(Reply.final(.syntax, Field("reason", error.reason.rawValue), Field("at", String(error.offset))), pending: nil)
        }
        switch parsed {
        case .blank:
            return prompt ? [.write(Self.ready)] : []
        case .request(let command, let arguments, let heredoc?):
            payload = PayloadCollector(command: command, arguments: arguments, marker: heredoc)
            return prompt ? [.write(Self.continuation)] : []
        case .request(let command, let arguments, nil):
            return dispatch(command, arguments, payload: nil)
        }
    }

    private mutating func payloadLine(_ raw: [UInt8]) -> [Action] {
        var bytes = raw
        if bytes.last == 0x0D { bytes.removeLast() }
        let text = String(decoding: bytes, as: UTF8.self)
        var collector = payload!
        if collector.invalid == nil, let problem = Self.validatePayloadLine(bytes) {
            collector.invalid = problem
        }
        if collector.invalid == nil, collector.marker.isTerminator(text[...]) {
            payload = nil
            if collector.overflow {
                return emit(Reply.final(.badArguments, Field("reason", "payload_too_large"),
                                        msg: "payload over \(limits.maxPayloadBytes) bytes or \(limits.maxPayloadLines) lines"), pending: nil)
            }
            return dispatch(collector.command, collector.arguments, payload: collector.text)
        }
        if collector.invalid != nil, collector.marker.isTerminator(text[...]) {
            payload = nil
            let e = collector.invalid!
            return emit(Reply.final(.syntax, Field("reason", e.reason.rawValue), Field("at", String(e.offset)),
                                    Field("in", "payload")), pending: nil)
        }
        collector.lines += 1
        collector.bytes += bytes.count + 1
        if collector.lines > limits.maxPayloadLines || collector.bytes > limits.maxPayloadBytes {
            collector.overflow = true
            collector.text = ""
        } else if !collector.overflow {
            if collector.lines > 1 { collector.text += "\n" }
            collector.text += text
        }
        payload = collector
        return prompt ? [.write(Self.continuation)] : []
    }

    /// Payload lines are validated like request lines: strict UTF-8, no controls but tab.
    static func validatePayloadLine(_ bytes: [UInt8]) -> TokenizeError? {
        bytes.withUnsafeBufferPointer { buffer -> TokenizeError? in
            var i = 0
            while i < buffer.count {
                guard let (v, n) = UTF8Scanner.decode(buffer, at: i) else { return TokenizeError(.invalidUTF8, at: i) }
                if v == 0x0D { return TokenizeError(.bareCarriageReturn, at: i) }
                if v != 0x09, CharacterClass.isControl(v) { return TokenizeError(.forbiddenCharacter, at: i) }
                i += n
            }
            return nil
        }
    }

    // MARK: - Dispatch

    private mutating func dispatch(_ command: String, _ arguments: [Token], payload: String?) -> [Action] {
        guard let spec = catalog[command] else {
            return emit(Reply.final(.unknownCommand, Field("command", Reply.echo(command)), msg: "try help"), pending: nil)
        }
        let invocation: Invocation
        do {
            invocation = try ArgumentBinder.bind(spec, arguments: arguments, payload: payload, limits: limits)
        } catch {
            return emit(error.reply(usage: spec.usage), pending: Pending(command: spec.name, redaction: [.word(spec.name)], json: json, mutating: false))
        }
        let pending = Pending(command: spec.name, redaction: invocation.redaction, json: json || invocation.json,
                              mutating: spec.flags.contains(.mutating))
        if !spec.flags.contains(.noAuth), identity.principal == nil {
            var fields: [Field] = []
            if let uid = identity.uid { fields.append(Field("uid", String(uid))) }
            fields.append(Field("msg", "no staff account for this uid"))
            return [.refuse(Reply(.authRequired, fields: fields), pending)]
        }
        if let capability = spec.capability, !identity.capabilities.contains(capability) {
            return [.refuse(Reply.final(.permissionDenied, Field("need", capability), Field("listener", identity.listener),
                                        msg: "not allowed for this account on this listener"), pending)]
        }
        if spec.flags.contains(.session) { return session(invocation, pending) }
        return [.execute(invocation, pending)]
    }

    private mutating func session(_ inv: Invocation, _ pending: Pending) -> [Action] {
        switch inv.command {
        case "ping":
            // The liveness probe is answered from a constant in text mode.
            if !pending.json, !prompt { return [.write(Self.pong)] }
            return emit(Reply.final(.status, Field("msg", "pong")), pending: pending)
        case "hello":
            return emit(Reply(.status, fields: helloFields), pending: pending)
        case "quit":
            closed = true
            return [.write(render(Reply(.bye), pending: pending)), .close]
        case "prompt":
            prompt.toggle()
            if prompt { return emit(Reply(.status, fields: helloFields + [Field("prompt", "on")]), pending: pending) }
            return emit(Reply.final(.ok, Field("prompt", "off")), pending: pending)
        case "format":
            json = inv.positional(0) == "json"
            var p = pending
            p.json = json || inv.json
            return emit(Reply.final(.ok, Field("format", json ? "json" : "text")), pending: p)
        case "help":
            return emit(help(inv), pending: pending)
        default:
            return emit(Reply.final(.notImplemented, Field("command", inv.command)), pending: pending)
        }
    }

    /// Fields of `hello` and of the `211 STATUS` line that opens prompt mode.
    public var helloFields: [Field] {
        var fields = [Field("proto", "1"), Field("server", server)]
        fields.append(Field("principal", identity.principal ?? "none"))
        if let uid = identity.uid { fields.append(Field("uid", String(uid))) }
        fields.append(Field("roles", identity.roles.joined(separator: ",")))
        fields.append(Field("listener", identity.listener))
        if !identity.provinces.isEmpty { fields.append(Field("provinces", identity.provinces.joined(separator: ","))) }
        if !identity.communes.isEmpty { fields.append(Field("communes", identity.communes.joined(separator: ","))) }
        fields.append(Field("format", json ? "json" : "text"))
        fields.append(Field("max_line", String(limits.maxLineBytes)))
        fields.append(Field("idle", "\(idleTimeoutSeconds)s"))
        return fields
    }

    private func mayRun(_ spec: CommandSpec) -> Bool {
        if spec.flags.contains(.noAuth) { return true }
        guard identity.principal != nil else { return false }
        return spec.capability.map(identity.capabilities.contains) ?? true
    }

    private func help(_ inv: Invocation) -> Reply {
        if let name = inv.positional(0) {
            guard let spec = catalog[name.lowercased()] else {
                return Reply.final(.notFound, Field("kind", "command"), Field("id", Reply.echo(name)))
            }
            if inv.json || json {
                var fields = [Field("name", spec.name), Field("usage", spec.usage), Field("summary", spec.summary)]
                fields.append(Field("capability", spec.capability ?? "none"))
                for p in spec.positionals { fields.append(Field("positional", "\(p.name):\(p.type.name):\(p.required ? "required" : "optional")")) }
                for p in spec.fields { fields.append(Field("field", "\(p.name):\(p.type.name):\(p.required ? "required" : "optional")")) }
                for p in spec.allOptions { fields.append(Field("option", "\(p.name):\(p.type.name):\(p.required ? "required" : "optional")")) }
                if let p = spec.payload { fields.append(Field("payload", p.name)) }
                return Reply(.help, data: .record(fields))
            }
            var lines = [spec.usage, "  " + spec.summary]
            if !spec.help.isEmpty { lines += spec.help.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 } }
            for p in spec.positionals { lines.append("  <\(p.name)>  \(p.type.name)  \(p.summary)") }
            for p in spec.fields { lines.append("  \(p.name)=  \(p.type.name)\(p.required ? " (required)" : "")  \(p.summary)") }
            for p in spec.allOptions { lines.append("  --\(p.name)  \(p.type.name)\(p.required ? " (required)" : "")  \(p.summary)") }
            if let p = spec.payload { lines.append("  <<  payload: \(p.summary)") }
            lines.append("  capability: \(spec.capability ?? "none")")
            return Reply(.help, data: .text(lines))
        }
        let visible = ordered.filter { !$0.flags.contains(.hidden) && mayRun($0) }
        if inv.json || json {
            return Reply(.help, data: .table(visible.map {
                [Field("name", $0.name), Field("usage", $0.usage), Field("summary", $0.summary), Field("capability", $0.capability ?? "none")]
            }))
        }
        let width = min(48, visible.map { $0.usage.count }.max() ?? 0)
        return Reply(.help, data: .text(visible.map { spec in
            let usage = spec.usage
            let pad = usage.count < width ? String(repeating: " ", count: width - usage.count) : ""
            return usage + pad + "  " + spec.summary
        }))
    }

    // MARK: - Output

    private func render(_ reply: Reply, pending: Pending?) -> Output {
        let asJSON = pending?.json ?? json
        return asJSON ? Output(ReplyRenderer.json(reply, command: pending?.words ?? [])) : Output(bytes: ReplyRenderer.textBytes(reply))
    }

    private mutating func emit(_ reply: Reply, pending: Pending?) -> [Action] {
        var actions: [Action] = [.write(render(reply, pending: pending))]
        if reply.code.isPermanent {
            errors += 1
            if errors >= limits.maxErrors {
                closed = true
                actions.append(.write(render(Reply.final(.closing, Field("reason", "too_many_errors")), pending: nil)))
                actions.append(.close)
                return actions
            }
        }
        if prompt { actions.append(.write(payload != nil ? Self.continuation : Self.ready)) }
        return actions
    }

    private mutating func closeWith(_ reply: Reply, countsAsError: Bool) -> [Action] {
        closed = true
        payload = nil
        return [.write(render(reply, pending: nil)), .close]
    }
}
