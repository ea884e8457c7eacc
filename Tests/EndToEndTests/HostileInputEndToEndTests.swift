import AdminProtocol
import AdminServer
import Foundation
import LineGrammar
import Testing

/// No request crashes the daemon: every command of the table, its arguments filled with values that
/// pass the grammar and the binder's type checks but are odd for the command (`destination=,` once
/// brought the whole daemon down from a hotline lookup), each gets its reply, and the daemon still
/// answers afterwards.
@Suite(.serialized) struct HostileInputEndToEndTests {
    /// Odd values per declared type: empty-ish lists, lone separators, huge numbers, impossible dates.
    static func values(for type: ValueType) -> [String] {
        switch type {
        case .identifier: return [",", "-", "/", ",,", "0", "-1", "99999999999999999999", "A-", "L-", "CMP-", "TH/", "/x", "x,/", "R-", "៨"]
        case .text: return ["", " ", ",", "\u{202E}", String(repeating: "ក", count: 300), "--x", "a=b"]
        case .list: return [",", ",,", "x,", ",x", "-"]
        case .date: return ["2026-02-29", "0000-01-01", "9999-12-31", "2026-13-01"]
        case .integer(let range): return [String(range.lowerBound), String(range.upperBound)]
        case .oneOf(let options): return options
        case .boolean: return ["true"]
        }
    }

    @Test func oddArgumentsNeverCrashTheDaemon() async throws {
        let d = try await Daemon.configured(extraEnvironment: ["REGISTRYD_TESTING_CLOCK": "true", "REGISTRYD_DEMO_LOAD": "false"])
        defer { d.tearDown() }
        _ = try await offPool { try d.socat("staff.update S-0001 roles=admin,licensing_officer,inspector,auditor,commune_chief,hotline_operator\n") }
        // Commands that end the session or change the caller's own account are left out: they would
        // stop the rest of the run, not crash anything.
        let skipped: Set<String> = ["quit", "staff.update", "staff.disable", "prompt", "format"]
        var lines: [String] = []
        for spec in CommandTable.standard.specs where !skipped.contains(spec.name) {
            let params = spec.positionals + spec.fields
            for (i, p) in params.enumerated() {
                for value in Self.values(for: p.type) {
                    // The odd value in place `i`; every other required parameter gets its type's first odd value.
                    var words = [spec.name]
                    for (j, q) in params.enumerated() where j == i || q.required {
                        let v = j == i ? value : Self.values(for: q.type)[0]
                        let quoted = Quoter.quote(v)
                        words.append(j < spec.positionals.count ? quoted : "\(q.name)=\(quoted)")
                    }
                    if spec.flags.contains(.needsReason) { words.append("--reason=fuzz") }
                    // Mutations run for real (on this test's own database), each under its own key.
                    if spec.flags.contains(.mutating) { words.append("--idempotency-key=fuzz-key-\(lines.count)") }
                    if spec.payload != nil { words.append("<<\ncomplainant sex=F age=18-24 holds=,\n") }  // ends at the blank line below
                    lines.append(words.joined(separator: " ") + (spec.payload != nil ? "\n\n" : "\n"))
                }
            }
        }
        #expect(lines.count > 200)
        // In chunks, each on its own connection (a session closes after 20 error replies): every request
        // gets exactly one final line.
        var answered = 0
        for chunk in stride(from: 0, to: lines.count, by: 15).map({ Array(lines[$0..<min($0 + 15, lines.count)]) }) {
            let out = try await offPool { try d.socat(chunk.joined()) }
            let finals = out.finalLines
            #expect(finals.count == chunk.count, "replies \(finals.count) for \(chunk.count) requests; after: \(finals.last ?? "-"); daemon running: \(d.isRunning)\n\(chunk.joined())\n---\n\(out)")
            #expect(d.isRunning, "the daemon stopped during: \(chunk.prefix(finals.count + 1).last ?? "")")
            if !d.isRunning { return }
            answered += finals.count
            // A server-side fault answers 500-something with a reference; none is expected.
            for line in finals { #expect(!line.hasPrefix("5") || !line.contains("INTERNAL"), "\(line)") }
        }
        #expect(answered == lines.count)
        let pong = try await offPool { try d.socat("ping\n") }
        #expect(pong.finalLines == ["211 STATUS msg=pong"] || pong.contains("pong"))
    }
}
