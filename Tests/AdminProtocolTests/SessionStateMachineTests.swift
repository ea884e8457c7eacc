import AdminProtocol
import Testing

/// The session state machine, event by event, without a socket.
@Suite struct SessionStateMachineTests {
    static let specs = BuiltinCommands.specs + [
        CommandSpec("note.add", summary: "test", positionals: [ParameterSpec("id", .identifier, required: true)],
                    payload: ParameterSpec("text", .text, required: true), capability: "complaint.file", flags: [.mutating]),
        CommandSpec("thing.show", summary: "test", positionals: [ParameterSpec("id", .identifier, required: true)],
                    fields: [ParameterSpec("n", .integer(1...9))], capability: "agency.read"),
        CommandSpec("thing.kill", summary: "test", positionals: [ParameterSpec("id", .identifier, required: true)],
                    capability: "licence.decide", flags: [.mutating, .needsReason]),
    ]

    static func machine(principal: String? = "staff:S-0001", capabilities: Set<String> = ["agency.read", "complaint.file"],
                        limits: ProtocolLimits = ProtocolLimits()) -> SessionStateMachine {
        SessionStateMachine(specs: specs, identity: SessionIdentity(principal: principal, uid: 1000, roles: ["inspector"],
                                                                    capabilities: capabilities, listener: "staff"),
                            limits: limits, server: "registryd/test")
    }

    static func line(_ text: String) -> SessionStateMachine.Event { .line(Array(text.utf8)) }

    static func written(_ actions: [SessionStateMachine.Action]) -> String {
        actions.compactMap { if case .write(let s) = $0 { return s.text } else { return nil } }.joined()
    }

    @Test func pingAnswersInline() {
        var m = Self.machine()
        #expect(Self.written(m.handle(Self.line("ping"))) == "211 STATUS msg=pong\n")
    }

    @Test func blankAndCommentLinesGetNoReply() {
        var m = Self.machine()
        #expect(m.handle(Self.line("")).isEmpty)
        #expect(m.handle(Self.line("   # note")).isEmpty)
    }

    @Test func unknownCommandAndSyntaxErrors() {
        var m = Self.machine()
        #expect(Self.written(m.handle(Self.line("frobnicate"))) == "500 UNKNOWN_COMMAND command=frobnicate msg=\"try help\"\n")
        #expect(Self.written(m.handle(Self.line("thing.show \"open"))) == "500 SYNTAX reason=unclosed_quote at=11\n")
        #expect(Self.written(m.handle(.line([0x70, 0xFF])) ) == "500 SYNTAX reason=invalid_utf8 at=1\n")
    }

    @Test func badArgumentsCarryUsage() {
        var m = Self.machine()
        let out = Self.written(m.handle(Self.line("thing.show")))
        #expect(out.hasPrefix("501 BAD_ARGUMENTS arg=<id> usage=\"thing.show <id> [n=<int>]\""))
        #expect(Self.written(m.handle(Self.line("thing.show A n=10"))).hasPrefix("501 BAD_ARGUMENTS arg=n"))
        #expect(Self.written(m.handle(Self.line("thing.show A m=1"))).hasPrefix("501 BAD_ARGUMENTS arg=m"))
    }

    @Test func authorisedCommandIsExecuted() {
        var m = Self.machine()
        let actions = m.handle(Self.line("thing.show A-1 n=3 --json"))
        guard case .execute(let inv, let pending)? = actions.first else { Issue.record("expected execute"); return }
        #expect(inv.positionals == ["A-1"])
        #expect(inv.field("n") == "3")
        #expect(pending.json)
        let done = Self.written(m.completed(pending, reply: Reply(.ok, data: .record([Field("id", "A-1")]))))
        #expect(done == "{\"v\":1,\"code\":200,\"status\":\"OK\",\"cmd\":[\"thing.show\",\"A-1\",\"n=3\",\"--json\"],\"data\":{\"id\":\"A-1\"}}\n")
    }

    @Test func unknownPrincipalGetsAuthRequiredExceptNoAuthCommands() {
        var m = Self.machine(principal: nil, capabilities: [])
        #expect(Self.written(m.handle(Self.line("ping"))) == "211 STATUS msg=pong\n")
        let actions = m.handle(Self.line("thing.show A"))
        guard case .refuse(let reply, _)? = actions.first else { Issue.record("expected refuse"); return }
        #expect(reply.code == .authRequired)
        #expect(reply.field("uid") == "1000")
    }

    @Test func missingCapabilityIsPermissionDenied() {
        var m = Self.machine()
        guard case .refuse(let reply, _)? = m.handle(Self.line("thing.kill A --reason=x")).first else {
            Issue.record("expected refuse"); return
        }
        #expect(reply.code == .permissionDenied)
        #expect(reply.field("need") == "licence.decide")
        #expect(reply.field("listener") == "staff")
    }

    @Test func reasonIsRequiredWhereTheTableSaysSo() {
        var m = Self.machine(capabilities: ["licence.decide"])
        #expect(Self.written(m.handle(Self.line("thing.kill A"))).hasPrefix("501 BAD_ARGUMENTS arg=\"--reason\""))
        #expect(Self.written(m.handle(Self.line("thing.kill A --reason=\"\""))).hasPrefix("501 BAD_ARGUMENTS arg=\"--reason\""))
    }

    @Test func heredocEndsAtEmptyLine() {
        var m = Self.machine()
        #expect(m.handle(Self.line("note.add C-1 <<")).isEmpty)
        #expect(m.handle(Self.line("ភ្នំពេញ — first line")).isEmpty)
        #expect(m.handle(Self.line("second line")).isEmpty)
        guard case .execute(let inv, _)? = m.handle(Self.line("")).first else { Issue.record("expected execute"); return }
        #expect(inv.payload == "ភ្នំពេញ — first line\nsecond line")
    }

    @Test func heredocEndsAtMarkerAndKeepsEmptyLines() {
        var m = Self.machine()
        _ = m.handle(Self.line("note.add C-1 <<END"))
        _ = m.handle(Self.line("a"))
        _ = m.handle(Self.line(""))
        _ = m.handle(Self.line("b\r"))
        guard case .execute(let inv, _)? = m.handle(Self.line("END")).first else { Issue.record("expected execute"); return }
        #expect(inv.payload == "a\n\nb")
    }

    @Test func payloadOnCommandWithoutPayloadIsRefusedAfterItEnds() {
        var m = Self.machine()
        #expect(m.handle(Self.line("ping <<")).isEmpty)
        #expect(m.handle(Self.line("ping")).isEmpty)  // part of the payload, not a command
        #expect(Self.written(m.handle(Self.line(""))).hasPrefix("501 BAD_ARGUMENTS arg=\"<<\" reason=payload_not_allowed"))
    }

    @Test func payloadTooLarge() {
        var limits = ProtocolLimits()
        limits.maxPayloadLines = 3
        var m = Self.machine(limits: limits)
        _ = m.handle(Self.line("note.add C-1 <<"))
        for _ in 0..<5 { _ = m.handle(Self.line("x")) }
        #expect(Self.written(m.handle(Self.line(""))).hasPrefix("501 BAD_ARGUMENTS reason=payload_too_large"))
    }

    @Test func invalidPayloadLineIsASyntaxError() {
        var m = Self.machine()
        _ = m.handle(Self.line("note.add C-1 <<"))
        _ = m.handle(.line([0x61, 0x00]))
        #expect(Self.written(m.handle(Self.line(""))) == "500 SYNTAX reason=forbidden_character at=1 in=payload\n")
    }

    @Test func errorLimitCloses() {
        var limits = ProtocolLimits()
        limits.maxErrors = 3
        var m = Self.machine(limits: limits)
        _ = m.handle(Self.line("x1"))
        _ = m.handle(Self.line("x2"))
        let last = m.handle(Self.line("x3"))
        #expect(Self.written(last).hasSuffix("421 CLOSING reason=too_many_errors\n"))
        #expect(last.last == .close)
        #expect(m.handle(Self.line("ping")).isEmpty)
    }

    @Test func halfCloseDrainsThenCloses() {
        var m = Self.machine()
        #expect(m.handle(.inputClosed) == [.close])
    }

    @Test func halfCloseInsideHeredoc() {
        var m = Self.machine()
        _ = m.handle(Self.line("note.add C-1 <<"))
        let actions = m.handle(.inputClosed)
        #expect(Self.written(actions) == "500 SYNTAX reason=unterminated_heredoc\n")
        #expect(actions.last == .close)
    }

    @Test func timeoutsAndShutdownSay421() {
        var a = Self.machine(), b = Self.machine(), c = Self.machine(), d = Self.machine()
        #expect(Self.written(a.handle(.idleTimeout)) == "421 CLOSING reason=idle\n")
        #expect(Self.written(b.handle(.partialLineTimeout)) == "421 CLOSING reason=partial_line_timeout\n")
        #expect(Self.written(c.handle(.shutdown)) == "421 CLOSING reason=shutdown\n")
        #expect(Self.written(d.handle(.lineTooLong)).hasPrefix("500 SYNTAX reason=line_too_long"))
    }

    @Test func httpLookingLineClosesSilently() {
        var m = Self.machine()
        #expect(m.handle(Self.line("GET / HTTP/1.1")) == [.closeSilently])
        var n = Self.machine()
        #expect(n.handle(Self.line("Host: localhost")) == [.closeSilently])
    }

    @Test func promptModeShowsPrompts() {
        var m = Self.machine()
        let entering = Self.written(m.handle(Self.line("prompt")))
        #expect(entering.hasPrefix("211 STATUS proto=1 server=registryd/test principal=staff:S-0001"))
        #expect(entering.hasSuffix("> "))
        #expect(m.idleTimeoutSeconds == 600)
        #expect(Self.written(m.handle(Self.line("note.add C-1 <<"))) == "+ ")
        #expect(Self.written(m.handle(Self.line("text"))) == "+ ")
    }

    @Test func formatJSONGivesOneObjectPerReply() {
        var m = Self.machine()
        _ = m.handle(Self.line("format json"))
        for request in ["ping", "frobnicate", "thing.show", "help", "hello"] {
            let out = Self.written(m.handle(Self.line(request)))
            #expect(out.hasPrefix("{") && out.hasSuffix("}\n"), "\(request)")
            #expect(out.filter { $0 == "\n" }.count == 1, "\(request)")
        }
    }

    @Test func quitSaysByeAndCloses() {
        var m = Self.machine()
        let actions = m.handle(Self.line("quit"))
        #expect(actions == [.write("221 BYE\n"), .close])
    }

    @Test func helpListsOnlyWhatTheSessionMayRun() {
        var m = Self.machine()
        let text = Self.written(m.handle(Self.line("help")))
        #expect(text.contains("thing.show"))
        #expect(!text.contains("thing.kill"))
        var anonymous = Self.machine(principal: nil, capabilities: [])
        let limited = Self.written(anonymous.handle(Self.line("help")))
        #expect(limited.contains("ping") && !limited.contains("thing.show"))
    }

    @Test func sensitiveArgumentsAreRedacted() throws {
        let spec = CommandSpec("victim.show", summary: "t", positionals: [ParameterSpec("id", .identifier, required: true, sensitive: true)],
                               capability: "victim.read")
        let inv = try ArgumentBinder.bind(spec, arguments: [.positional("ID-123")], payload: nil, limits: ProtocolLimits())
        #expect(inv.redactedWords == ["victim.show", "***"])
    }
}
