import Foundation
import Testing

/// The admin protocol over a real Unix socket, driven by socat, nc and raw bytes, against a real registryd
/// and PostgreSQL.
@Suite(.serialized) struct ProtocolEndToEndTests {
    @Test func helloPingRuleShowThroughSocatAndNc() async throws {
        let daemon = try await Daemon.configured()
        defer { daemon.tearDown() }
        let out = try await offPool { try daemon.socat("hello\nping\nrule.show complaint.first_action_days\n") }
        #expect(out.finalLines.count == 3, "\(out)")
        #expect(out.lines.first?.hasPrefix("211 STATUS proto=1 server=registryd/") == true)
        #expect(out.contains("211 STATUS msg=pong\n"))
        #expect(out.contains("200-value=10\n") && out.contains("200-tag=S\n") && out.contains("200-basis=CMP-4\n"))
        #expect(out.contains("200-source=\"Prakas 249"))
        #expect(out.hasSuffix("200 OK\n"))
        let viaNc = try await offPool { try daemon.nc("ping\nrule.show complaint.first_action_days --json\n") }
        #expect(viaNc.lines.count == 2)
        let json = try JSONSerialization.jsonObject(with: Data(viaNc.lines[1].utf8)) as? [String: Any]
        #expect((json?["data"] as? [String: String])?["value"] == "10")
    }

    @Test func malformedInputGetsDocumentedCodes() async throws {
        let daemon = try await Daemon.configured()
        defer { daemon.tearDown() }
        // Invalid UTF-8: a syntax error, and the connection goes on.
        let bad = try await offPool { try daemon.socatBytes(Array("ping\n".utf8) + [0x72, 0xC3, 0x28, 0x0A] + Array("ping\n".utf8)) }
        #expect(bad.lines == ["211 STATUS msg=pong", "500 SYNTAX reason=invalid_utf8 at=1", "211 STATUS msg=pong"])
        // Unclosed quote, unknown command, bad arguments: each answered, connection stays.
        let errs = try await offPool { try daemon.socat("rule.show \"abc\nfrobnicate now\nrule.show\nping\n") }
        #expect(errs.lines.count == 4)
        #expect(errs.lines[0] == "500 SYNTAX reason=unclosed_quote at=10")
        #expect(errs.lines[1].hasPrefix("500 UNKNOWN_COMMAND command=frobnicate"))
        #expect(errs.lines[2].hasPrefix("501 BAD_ARGUMENTS arg=<key>"))
        #expect(errs.lines[3] == "211 STATUS msg=pong")
        // A line over 8 KiB: 500 line_too_long, then the server closes (the ping after it gets nothing).
        let long = "ping " + String(repeating: "x", count: 9000) + "\nping\n"
        let tooLong = try await offPool { try daemon.socat("ping\n" + long) }
        #expect(tooLong.lines == ["211 STATUS msg=pong", "500 SYNTAX reason=line_too_long msg=\"line longer than 8192 bytes\""])
        // An HTTP request line: closed without a reply; earlier replies still arrive.
        let http = try await offPool { try daemon.socat("ping\nGET / HTTP/1.1\nHost: x\n\nping\n") }
        #expect(http.lines == ["211 STATUS msg=pong"])
        // The daemon is unharmed.
        let after = try await offPool { try daemon.socat("ping\n") }
        #expect(after == "211 STATUS msg=pong\n")
    }

    @Test func roleAndListenerLimits() async throws {
        let daemon = try await Daemon.configured()
        defer { daemon.tearDown() }
        // A hotline operator (uid 1001) may read rules but not administer accounts.
        let created = try await offPool { try daemon.socat("staff.add name=\"ចាន់ សុភា\" uid=1001 roles=hotline_operator provinces=14\n") }
        #expect(created.hasSuffix("201 CREATED id=S-0002\n"), "\(created)")
        let hotline = try await offPool { try daemon.socat("rule.show deposit.required_usd\nstaff.list\n", asUID: 1001) }
        #expect(hotline.contains("200-value=100000\n"))
        #expect(hotline.finalLines.last == "537 PERMISSION_DENIED need=staff.admin listener=admin msg=\"not allowed for this account on this listener\"")
        // An unknown uid: ping and help work, everything else is 530.
        let stranger = try await offPool { try daemon.socat("ping\nrule.show complaint.first_action_days\n", asUID: 4242) }
        #expect(stranger.lines == ["211 STATUS msg=pong", "530 AUTH_REQUIRED uid=4242 msg=\"no staff account for this uid\""])
        // The admin on the readonly socket is capped by the listener's ceiling.
        let capped = try await offPool { try daemon.socat("rule.show fees.cap_usd\nstaff.list\n", socket: daemon.readonlySocket) }
        #expect(capped.finalLines == ["200 OK", "537 PERMISSION_DENIED need=staff.admin listener=readonly msg=\"not allowed for this account on this listener\""])
        // Refusals are audited.
        let audit = try await offPool { try daemon.socat("audit.tail --limit=10\n") }
        #expect(audit.contains("actor=uid:4242") && audit.contains("result=\"530 AUTH_REQUIRED\""))
        #expect(audit.contains("actor=S-0002") && audit.contains("result=\"537 PERMISSION_DENIED\""))
    }

    @Test func pipelinedBatchGetsEveryReplyInOrder() async throws {
        let daemon = try await Daemon.configured()
        defer { daemon.tearDown() }
        var input = ""
        for i in 0..<300 { input += i % 3 == 0 ? "rule.show complaint.ack_days\n" : "ping\n" }
        let batch = input
        let out = try await offPool { try daemon.socat(batch) }
        let finals = out.finalLines
        #expect(finals.count == 300)
        for (i, line) in finals.enumerated() { #expect(line == (i % 3 == 0 ? "200 OK" : "211 STATUS msg=pong")) }
    }

    @Test func heredocPayloadAndPromptMode() async throws {
        let daemon = try await Daemon.configured()
        defer { daemon.tearDown() }
        let out = try await offPool { try daemon.socat("prompt\nping <<\nnot a command\n\nquit\nping\n") }
        #expect(out.contains("211 STATUS proto=1"))
        #expect(out.contains("> + + 501 BAD_ARGUMENTS arg=\"<<\" reason=payload_not_allowed"))
        #expect(out.hasSuffix("> 221 BYE\n"))
    }

    @Test func errorLimitClosesTheSession() async throws {
        let daemon = try await Daemon.configured()
        defer { daemon.tearDown() }
        let out = try await offPool { try daemon.socat(String(repeating: "nope\n", count: 25) + "ping\n") }
        #expect(out.lines.count == 21)
        #expect(out.lines.last == "421 CLOSING reason=too_many_errors")
    }

    @Test func registryctlOneShotExitCodes() async throws {
        let daemon = try await Daemon.configured()
        defer { daemon.tearDown() }
        let ok = try await offPool { try Subprocess.run([Daemon.registryctl, "--socket", daemon.adminSocket, "rule.show", "complaint.first_action_days"]) }
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("200-value=10"))
        let missing = try await offPool { try Subprocess.run([Daemon.registryctl, "--socket", daemon.adminSocket, "rule.show", "no.such.key"]) }
        #expect(missing.status == 68)
        #expect(missing.stdout.hasPrefix("550 NOT_FOUND kind=rule"))
        let khmer = try await offPool {
            try Subprocess.run([Daemon.registryctl, "--socket", daemon.adminSocket, "staff.add", "name=ស្រី ពៅ", "uid=1500", "roles=inspector", "provinces=14,21"])
        }
        #expect(khmer.status == 0, "\(khmer.stdout)")
        #expect(khmer.stdout.contains("201-name=\"ស្រី ពៅ\""))
        let json = try await offPool { try Subprocess.run([Daemon.registryctl, "--socket", daemon.adminSocket, "--json", "staff.show", "S-0002"]) }
        #expect(json.stdout.hasPrefix("{\"v\":1,\"code\":200"))
        let down = try await offPool { try Subprocess.run([Daemon.registryctl, "--socket", "/tmp/no-such.sock", "ping"]) }
        #expect(down.status == 69)
    }
}
