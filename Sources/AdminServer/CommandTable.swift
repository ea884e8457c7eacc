import AdminProtocol
import RegistryDomain

/// The one declarative command table: built-ins plus every domain command. It drives dispatch,
/// argument checking, permission checks, `help` and the README command reference.
public struct CommandTable: Sendable {
    public let commands: [String: Command]
    /// Specs in table order (built-ins first), as `help` and README list them.
    public let specs: [CommandSpec]

    public init(_ commands: [Command]) {
        var byName: [String: Command] = [:]
        for command in commands { byName[command.spec.name] = command }
        self.commands = byName
        self.specs = BuiltinCommands.specs + commands.map(\.spec)
    }

    /// The table of this build.
    public static let standard = CommandTable(
        ServerCommands.all + RuleCommands.all + CalendarCommands.all + StaffCommands.all + AuditCommands.all
            + VerifyCommand.all + AgencyCommands.all + LicenceCommands.all + DepositCommands.all + RegistrationCommands.all
            + ComplaintCommands.all + ComplaintHandlingCommands.all + VictimCommands.all + ComplaintStatsCommand.all
            + ClockCommands.all
    )

    /// Problems that must stop the daemon: duplicate names, unknown capabilities, bad names.
    public func validate() -> [String] {
        var problems: [String] = []
        var seen: Set<String> = []
        let known = Set(Capability.allCases.map(\.rawValue))
        for spec in specs {
            if !seen.insert(spec.name).inserted { problems.append("\(spec.name): defined twice") }
            if let cap = spec.capability, !known.contains(cap) { problems.append("\(spec.name): unknown capability \(cap)") }
            if spec.capability == nil, !spec.flags.contains(.session) { problems.append("\(spec.name): needs a capability") }
            if spec.name != spec.name.lowercased() { problems.append("\(spec.name): names are lower case") }
            if !spec.flags.contains(.session), commands[spec.name] == nil { problems.append("\(spec.name): no handler") }
        }
        return problems
    }

    /// The README command reference, rendered from the table (a test keeps README in step).
    public func markdownReference() -> String {
        var out = "| command | capability | summary |\n|---|---|---|\n"
        for spec in specs {
            let flags = [spec.flags.contains(.mutating) ? "mutating" : nil, spec.flags.contains(.needsReason) ? "needs --reason" : nil]
                .compactMap { $0 }
            let cap = spec.capability ?? "none (built-in)"
            let usage = spec.usage.replacingOccurrences(of: "|", with: "\\|")
            out += "| `\(usage)` | \(cap) | \(spec.summary)\(flags.isEmpty ? "" : " (" + flags.joined(separator: ", ") + ")") |\n"
        }
        return out
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
