import AdminProtocol
import RegistryDomain

/// `rule.list` and `rule.show`: the loaded rulebook with each value's tag, legal basis and source.
enum RuleCommands {
    static let all: [Command] = [list, show]

    static let list = Command(CommandSpec(
        "rule.list", summary: "list every legal parameter with value, tag and basis",
        fields: [ParameterSpec("prefix", .identifier, "only keys starting with this, e.g. complaint.")],
        capability: Capability.ruleRead.rawValue, shape: .table
    ), sync: { (inv: Invocation, ctx: CommandContext) throws -> Reply in
        let prefix = inv.field("prefix") ?? ""
        let rows = ctx.services.rulebook.keys.filter { $0.hasPrefix(prefix) }.compactMap { ctx.services.rulebook[$0] }.map { e in
            var row = [Field("key", e.key), Field("value", e.value.description)]
            if let unit = e.unit { row.append(Field("unit", unit)) }
            row += [Field("tag", e.tag.rawValue), Field("basis", e.basis)]
            return row
        }
        return Reply(.ok, data: .table(rows), fields: [Field("rows", String(rows.count))])
    })

    static let show = Command(CommandSpec(
        "rule.show", summary: "one legal parameter: value, unit, tag, basis (rule ID) and source",
        positionals: [ParameterSpec("key", .identifier, required: true, "parameter key, e.g. complaint.first_action_days")],
        capability: Capability.ruleRead.rawValue, shape: .record
    ), sync: { (inv: Invocation, ctx: CommandContext) throws -> Reply in
        let key = inv.positionals[0]
        guard let e = ctx.services.rulebook[key] else {
            return Reply.final(.notFound, Field("kind", "rule"), Field("id", Reply.echo(key)))
        }
        var fields = [Field("key", e.key), Field("value", e.value.description)]
        if let unit = e.unit { fields.append(Field("unit", unit)) }
        fields += [Field("tag", e.tag.rawValue), Field("basis", e.basis), Field("source", e.source)]
        if let note = e.note { fields.append(Field("note", note)) }
        fields.append(Field("line", String(e.line)))
        return Reply(.ok, data: .record(fields))
    })
}
