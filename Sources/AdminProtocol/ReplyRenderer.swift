import LineGrammar

/// Turns a `Reply` into bytes for the wire, in text or JSON Lines form (design-anchors §2.4.7, §2.4.9).
public enum ReplyRenderer {
    /// Text form: `NNN-` data lines, then `NNN STATUS key=value…`, each ending in LF.
    public static func text(_ reply: Reply) -> String {
        let code = String(reply.code.code)
        var out = ""
        out.reserveCapacity(256)
        // Fields are appended in place: this is the hot path of every reply (measured: string building
        // was the largest user-space cost of a hotline lookup).
        switch reply.data {
        case .none: break
        case .record(let fields):
            for field in fields {
                out += code
                out += "-"
                append(field, to: &out)
                out += "\n"
            }
        case .table(let rows):
            for row in rows {
                out += code
                out += "-"
                for (i, field) in row.enumerated() {
                    if i > 0 { out += " " }
                    append(field, to: &out)
                }
                out += "\n"
            }
        case .text(let lines):
            for line in lines {
                out += code
                out += "-"
                out += Quoter.escapeText(line)
                out += "\n"
            }
        }
        out += code
        out += " "
        out += reply.code.status
        for field in reply.fields {
            out += " "
            append(field, to: &out)
        }
        out += "\n"
        return out
    }

    private static func append(_ field: Field, to out: inout String) {
        out += field.key
        out += "="
        if Quoter.needsQuotes(field.value) { out += Quoter.quoted(field.value) } else { out += field.value }
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

}
