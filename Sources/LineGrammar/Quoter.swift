/// Renders values and tokens in the line grammar; the exact inverse of `Tokenizer`.
///
/// `Tokenizer.tokenize(Quoter.render(tokens))` gives back `tokens` for every valid token list (proven by a
/// property test). Printable non-ASCII, Khmer included, is written raw; controls, bidi controls and
/// unassigned code points are written as `\u{…}` inside quotes.
public enum Quoter {
    /// How a value is written: bare, in quotes, or in quotes with escapes.
    public enum Form: Sendable, Equatable {
        case bare, quoted, escaped
    }

    /// The form `value` needs, in one pass over its UTF-8 bytes (this runs for every field of every
    /// reply; walking unicode scalars through the String API was most of a hotline reply's rendering).
    public static func form(_ value: String) -> Form {
        let utf8 = value.utf8
        guard let first = utf8.first else { return .quoted }
        var quote = first == UInt8(ascii: "#") || first == UInt8(ascii: "\"")
        // Byte-wise: a combining mark after "-" would make Character-wise hasPrefix("--") miss it.
        if first == 0x2D || first == 0x3C, utf8.dropFirst().first == first { quote = true }  // "--", "<<"
        let scanned: Form? = utf8.withContiguousStorageIfAvailable { bytes -> Form in
            var i = 0
            let n = bytes.count
            while i < n {
                // Eight ASCII bytes at a time (names, dates and codes are mostly ASCII runs).
                if i + 8 <= n {
                    let w = UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self)
                    if w & Self.highBits == 0 {
                        if Self.hasByteBelow(w, 0x20) || Self.hasByte(w, 0x22) || Self.hasByte(w, 0x5C) || Self.hasByte(w, 0x7F) {
                            return .escaped
                        }
                        if !quote, Self.hasByte(w, 0x20) || Self.hasByte(w, 0x3D) { quote = true }
                        i += 8
                        continue
                    }
                }
                let b = bytes[i]
                if b < 0x80 {
                    if b == 0x22 || b == 0x5C || b < 0x20 || b == 0x7F { return .escaped }
                    if b == 0x20 || b == 0x3D { quote = true }
                    i += 1
                    continue
                }
                // Valid UTF-8 (a Swift string): decode the scalar in place.
                let v: UInt32, length: Int
                if b >= 0xF0 {
                    v = UInt32(b & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F)
                    length = 4
                } else if b >= 0xE0 {
                    v = UInt32(b & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
                    length = 3
                } else {
                    v = UInt32(b & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
                    length = 2
                }
                if CharacterClass.isControl(v) || CharacterClass.isBidiControl(v) || isUnassigned(Unicode.Scalar(v)!) { return .escaped }
                i += length
            }
            return quote ? .quoted : .bare
        }
        if let scanned { return scanned }
        // Not contiguous (a bridged string): the same rules scalar by scalar.
        for scalar in value.unicodeScalars {
            let v = scalar.value
            if v == 0x22 || v == 0x5C || CharacterClass.isControl(v) || CharacterClass.isBidiControl(v) || isUnassigned(scalar) {
                return .escaped
            }
            if v == 0x20 || v == 0x3D { quote = true }
        }
        return quote ? .quoted : .bare
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Does any byte of `w` (all below 0x80) equal `b`? (A zero byte of w ^ b…b, found without a loop.)
    @inline(__always)
    private static func hasByte(_ w: UInt64, _ b: UInt8) -> Bool {
        let x = w ^ (ones &* UInt64(b))
        return (x &- ones) & ~x & highBits != 0
    }

    /// Is any byte of `w` (all below 0x80) less than `n` (at most 0x80)?
    @inline(__always)
    private static func hasByteBelow(_ w: UInt64, _ n: UInt8) -> Bool {
        (w &- ones &* UInt64(n)) & ~w & highBits != 0
    }

    /// True when `value` cannot stand as a bare token and must be quoted.
    public static func needsQuotes(_ value: String) -> Bool {
        form(value) != .bare
    }

    /// The value, bare when it can be, quoted and escaped otherwise.
    public static func quote(_ value: String) -> String {
        needsQuotes(value) ? quoted(value) : value
    }

    /// Always quotes: `"…"` with the grammar's escapes.
    public static func quoted(_ value: String) -> String {
        // Most quoted values (names with spaces, Khmer text) need no escape: copy them whole rather than
        // scalar by scalar (measured: the scalar-wise copy was 15 % of a hotline name lookup).
        if form(value) != .escaped {
            var out = ""
            out.reserveCapacity(value.utf8.count + 2)
            out += "\""
            out += value
            out += "\""
            return out
        }
        var out = "\""
        out.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                let v = scalar.value
                if CharacterClass.isControl(v) || CharacterClass.isBidiControl(v) || isUnassigned(scalar) {
                    out += "\\u{" + String(v, radix: 16, uppercase: true) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
        return out
    }

    /// Escapes free text for a `214-`/log line: like `quoted` but without the surrounding quotes, and
    /// leaving `"` and `\` alone (help text is not fed back to the tokenizer).
    public static func escapeText(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if CharacterClass.isControl(v) || CharacterClass.isBidiControl(v) {
                out += "\\u{" + String(v, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// One token in its canonical written form.
    public static func render(_ token: Token) -> String {
        switch token {
        case .positional(let value): return quote(value)
        case .field(let key, let value): return key + "=" + quote(value)
        case .option(let key, nil): return "--" + key
        case .option(let key, let value?): return "--" + key + "=" + quote(value)
        }
    }

    /// A whole line (without line ending) in canonical form.
    public static func render(_ line: TokenizedLine) -> String {
        var parts = line.tokens.map(render)
        switch line.heredoc {
        case nil: break
        case .emptyLine?: parts.append("<<")
        case .marker(let mark)?: parts.append("<<" + mark)
        }
        return parts.joined(separator: " ")
    }

    private static func isUnassigned(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        // Fast path for the blocks every reply is made of (Latin, Khmer letters, signs and digits): all
        // assigned, so no property lookup on the hot path.
        if v < 0x0378 || (0x1780...0x17DD).contains(v) || (0x17E0...0x17E9).contains(v) || (0x2000...0x2064).contains(v) {
            return false
        }
        return scalar.properties.generalCategory == .unassigned
    }
}
