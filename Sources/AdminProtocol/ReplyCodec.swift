import LineGrammar

/// Stores a reply as text and reads it back: used for idempotency keys, whose retries must get the
/// first execution's reply byte for byte. The stored form is the text rendering behind a shape line.
public enum ReplyCodec {
    /// The stored form of `reply`.
    public static func encode(_ reply: Reply) -> String {
        let shape: String
        switch reply.data {
        case .none: shape = "none"
        case .record: shape = "record"
        case .table: shape = "table"
        case .text: shape = "text"
        }
        return "shape=\(shape)\n" + ReplyRenderer.text(reply)
    }

    /// The reply `encode` stored, or nil when `text` is not such a form.
    public static func decode(_ text: String) -> Reply? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard lines.count >= 2, lines[0].hasPrefix("shape=") else { return nil }
        let shape = String(lines[0].dropFirst(6))
        let final = lines[lines.count - 1]
        let data = lines[1..<(lines.count - 1)].map { String($0.dropFirst(4)) }
        let head = final.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard head.count >= 2, let code = Int(head[0]) else { return nil }
        func fields(_ s: String) -> [Field]? {
            guard let tokens = try? Tokenizer.tokenize(Array(s.utf8)).tokens else { return nil }
            return tokens.compactMap { if case .field(let k, let v) = $0 { return Field(k, v) } else { return nil } }
        }
        let finals = head.count == 3 ? (fields(String(head[2])) ?? []) : []
        let body: ReplyData
        switch shape {
        case "record": body = .record(data.compactMap(fields).flatMap { $0 })
        case "table": body = .table(data.compactMap(fields))
        case "text": body = .text(data)
        default: body = .none
        }
        return Reply(ReplyCode(code, String(head[1])), data: body, fields: finals)
    }
}
