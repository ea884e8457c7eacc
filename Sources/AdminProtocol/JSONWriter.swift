/// Minimal JSON text writer: escapes only what RFC 8259 requires, so Khmer stays readable.
///
/// Written by hand rather than with Foundation's encoder to keep member order stable (scripts diff
/// replies) and to keep the reply path free of Foundation on the hot `ping` loop.
public enum JSONWriter {
    /// `value` as a JSON string literal.
    public static func string(_ value: String) -> String {
        var out = "\""
        out.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Fields as a JSON object; a repeated key becomes an array of its values.
    public static func object(_ fields: [Field]) -> String {
        var order: [String] = []
        var values: [String: [String]] = [:]
        for field in fields {
            if values[field.key] == nil { order.append(field.key) }
            values[field.key, default: []].append(field.value)
        }
        let members = order.map { key -> String in
            let vs = values[key]!
            let rendered = vs.count == 1 ? string(vs[0]) : "[" + vs.map(string).joined(separator: ",") + "]"
            return string(key) + ":" + rendered
        }
        return "{" + members.joined(separator: ",") + "}"
    }
}
