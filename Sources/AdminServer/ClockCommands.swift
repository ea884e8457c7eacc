import AdminProtocol
import RegistryDomain
import RegistryStore

/// The registry clock and timers. `clock.advance` moves the clock that every deadline uses; it exists
/// for test daemons (testing.clock) and refuses everywhere else.
enum ClockCommands {
    static let all: [Command] = [advance, timers]

    static let advance = Command(CommandSpec(
        "clock.advance", summary: "move the registry clock forward (test daemons only)",
        fields: [ParameterSpec("days", .integer(0...36_500)), ParameterSpec("hours", .integer(0...1_000_000))],
        capability: Capability.timerControl.rawValue, flags: [.mutating], shape: .none
    )) { inv, ctx in
        guard ctx.services.testClock else {
            return Reply.final(.badSequence, Field("need", "testing.clock"), msg: "the clock only moves on a test daemon")
        }
        let seconds = Int64(inv.field("days").flatMap(Int.init) ?? 0) * 86_400 + Int64(inv.field("hours").flatMap(Int.init) ?? 0) * 3_600
        let reply = try await ctx.mutate(inv) { tx in
            let now = try await tx.advanceClock(seconds: seconds)
            return MutationResult(Reply.final(.ok, Field("now", now)), detail: "\(seconds)s", changes: ["clock"])
        }
        ctx.services.timerKick?()
        return reply
    }

    static let timers = Command(CommandSpec(
        "timer.list", summary: "pending timers, soonest first",
        options: [ParameterSpec("limit", .integer(1...1000), "default 50")],
        capability: Capability.timerRead.rawValue, shape: .table
    )) { inv, ctx in
        let limit = inv.options["limit"].flatMap(Int.init) ?? 50
        let rows = try await ctx.read { tx -> [[Field]] in
            var out: [[Field]] = []
            // Two index scans merged (sql/0010): timers that can fire, and those held by a paused case
            // (their due time moves when the case resumes).
            for try await (kind, subject, due, rule, held) in try await tx.query("""
                SELECT kind, subject, to_char(due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), rule, held FROM (
                    (SELECT kind, subject, due_at, id, rule, false AS held FROM registry.timers
                     WHERE fired_at IS NULL AND cancelled_at IS NULL AND held_since IS NULL ORDER BY due_at, id LIMIT \(limit))
                    UNION ALL
                    (SELECT kind, subject, due_at, id, rule, true FROM registry.timers
                     WHERE fired_at IS NULL AND cancelled_at IS NULL AND held_since IS NOT NULL ORDER BY due_at, id LIMIT \(limit))
                ) live ORDER BY due_at, id LIMIT \(limit)
                """).decode((String, String, String, String, Bool).self) {
                out.append([Field("kind", kind), Field("subject", subject), Field("due", due), Field("rule", rule),
                            Field("held", held ? "yes" : "no")])
            }
            return out
        }
        return Reply(.ok, data: .table(rows), fields: [Field("rows", String(rows.count))])
    }
}
