import AdminProtocol
import RegistryDomain
import RegistryStore

/// Server administration.
enum ServerCommands {
    static let all: [Command] = [status]

    static let status = Command(CommandSpec(
        "server.status", summary: "schema version, database reachability, rulebook size",
        capability: Capability.systemStatus.rawValue, shape: .record
    )) { _, ctx in
        let version = try await ctx.read { tx -> Int in
            var v = 0
            for try await n in try await tx.query("SELECT coalesce(max(version), 0) FROM registry.schema_migrations").decode(Int.self) { v = n }
            return v
        }
        return Reply(.ok, data: .record([
            Field("server", ctx.services.serverName), Field("schema", String(version)),
            Field("schema_expected", String(SchemaVersion.expected)), Field("database", "up"),
            Field("rules", String(ctx.services.rulebook.keys.count)),
            Field("holiday_years", ctx.services.calendar.years.map(String.init).joined(separator: ",")),
        ]))
    }
}
