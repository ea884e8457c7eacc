import LineGrammar

/// Turns a `Reply` into bytes for the wire, in text or JSON Lines form (design-anchors §2.4.7, §2.4.9).
public enum ReplyRenderer {
    /// Text form: `NNN-` data lines, then `NNN STATUS key=value…`, each ending in LF.
    public static func text(_ reply: Reply) -> String {
        String(decoding: textBytes(reply), as: UTF8.self)
    }

    /// The text form as UTF-8 bytes, as the wire takes them (no String in between: validating and
    /// copying the bytes of a 900-byte reply back out of a String was measurable on every lookup).
    public static func textBytes(_ reply: Reply) -> [UInt8] {
        // Built as bytes: this is the hot path of every reply (measured: String appends and scalar-wise
        // quoting were most of a hotline name lookup's user time).
        var out: [UInt8] = []
        out.reserveCapacity(estimatedSize(reply))
        // Codes are three digits (§2.4.7); no String per reply for them.
        let c = reply.code.code
        let code: [UInt8] = (100...999).contains(c)
            ? [UInt8(0x30 + c / 100), UInt8(0x30 + c / 10 % 10), UInt8(0x30 + c % 10)] : Array(String(c).utf8)
        switch reply.data {
        case .none: break
        case .record(let fields):
            // By index: `for field in fields` copied each field (three references retained and released).
            for i in fields.indices {
                out.append(contentsOf: code)
                out.append(0x2D)
                append(fields[i], to: &out)
                out.append(0x0A)
            }
        case .table(let rows):
            for row in rows {
                out.append(contentsOf: code)
                out.append(0x2D)
                for (i, field) in row.enumerated() {
                    if i > 0 { out.append(0x20) }
                    append(field, to: &out)
                }
                out.append(0x0A)
            }
        case .text(let lines):
            for line in lines {
                out.append(contentsOf: code)
                out.append(0x2D)
                out.append(contentsOf: Quoter.escapeText(line).utf8)
                out.append(0x0A)
            }
        }
        out.append(contentsOf: code)
        out.append(0x20)
        out.append(contentsOf: reply.code.status.utf8)
        for field in reply.fields {
            out.append(0x20)
            append(field, to: &out)
        }
        out.append(0x0A)
        return out
    }

    /// About the text form's size, so that the buffer is allocated once (a hotline reply is ~900 bytes).
    private static func estimatedSize(_ reply: Reply) -> Int {
        func size(_ f: Field) -> Int { (f.text?.count ?? f.key.utf8.count + f.value.utf8.count + 3) + 5 }
        var n = 64
        for f in reply.fields { n += size(f) }
        switch reply.data {
        case .record(let fields): for f in fields { n += size(f) }
        case .table(let rows): for row in rows { for f in row { n += size(f) } }
        case .text(let lines): for line in lines { n += line.utf8.count + 8 }
        case .none: break
        }
        return n
    }

    private static func append(_ field: borrowing Field, to out: inout [UInt8]) {
        if let text = field.text {
            out.append(contentsOf: text)
        } else {
            render(key: field.key, value: field.value, to: &out)
        }
    }

    /// Appends `key=value` in the text form, the value bare, quoted or escaped as it needs.
    public static func render(key: String, value: String, to out: inout [UInt8]) {
        out.append(contentsOf: key.utf8)
        out.append(0x3D)
        switch Quoter.form(value) {
        case .bare:
            out.append(contentsOf: value.utf8)
        case .quoted:
            out.append(0x22)
            out.append(contentsOf: value.utf8)
            out.append(0x22)
        case .escaped:
            out.append(contentsOf: Quoter.quoted(value).utf8)
        }
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
