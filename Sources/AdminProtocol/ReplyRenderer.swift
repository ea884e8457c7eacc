import LineGrammar

/// Turns a `Reply` into bytes for the wire, in text or JSON Lines form (design-anchors §2.4.7, §2.4.9).
public enum ReplyRenderer {
    /// Text form: `NNN-` data lines, then `NNN STATUS key=value…`, each ending in LF.
    public static func text(_ reply: Reply) -> String {
        let code = String(reply.code.code)
        var out = ""
        func dataLine(_ body: String) {
            out += code
            out += "-"
            out += body
            out += "\n"
        }
        switch reply.data {
        case .none: break
        case .record(let fields): for field in fields { dataLine(render(field)) }
        case .table(let rows): for row in rows { dataLine(row.map(render).joined(separator: " ")) }
        case .text(let lines): for line in lines { dataLine(Quoter.escapeText(line)) }
        }
        out += code
        out += " "
        out += reply.code.status
        for field in reply.fields {
            out += " "
            out += render(field)
        }
        out += "\n"
        return out
    }

    /// JSON form: exactly one object on one line. `command` is the request's words with sensitive values
    /// already replaced by `***`.
    public static func json(_ reply: Reply, command: [String]) -> String {
        var members: [String] = [
            "\"v\":1",
            "\"code\":\(reply.code.code)",
            "\"status\":" + JSONWriter.string(reply.code.status),
        ]
        if !command.isEmpty {
            members.append("\"cmd\":[" + command.map(JSONWriter.string).joined(separator: ",") + "]")
        }
        switch reply.data {
        case .none: break
        case .record(let fields): members.append("\"data\":" + JSONWriter.object(fields))
        case .table(let rows): members.append("\"data\":[" + rows.map(JSONWriter.object).joined(separator: ",") + "]")
        case .text(let lines): members.append("\"data\":[" + lines.map(JSONWriter.string).joined(separator: ",") + "]")
        }
        let reserved: Set<String> = ["v", "code", "status", "cmd", "data"]
        let finals = reply.fields.filter { !reserved.contains($0.key) }
        if !finals.isEmpty {
            let object = JSONWriter.object(finals)
            members.append(String(object.dropFirst().dropLast()))
        }
        return "{" + members.joined(separator: ",") + "}\n"
    }

    private static func render(_ field: Field) -> String {
        field.key + "=" + Quoter.quote(field.value)
    }
}
