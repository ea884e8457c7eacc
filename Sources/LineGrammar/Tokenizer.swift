/// Splits one line of the registryd line grammar into tokens (design-anchors §2.4.4–2.4.5).
///
/// The tokenizer works on bytes: every delimiter is ASCII, and UTF-8 continuation bytes never collide with
/// ASCII, so splitting before decoding is safe. Each scalar is still decoded strictly, so that ill-formed
/// UTF-8 is rejected with the byte offset where it starts. Only ASCII space and tab separate tokens:
/// U+200B (used between Khmer words), ZWNJ/ZWJ and no-break spaces are ordinary characters.
public enum Tokenizer {
    /// What one line of input turned out to be.
    public enum Line: Hashable, Sendable {
        /// An empty line or a `#` comment: produces no reply.
        case blank
        /// A request: command name (folded to lower case), its arguments and an optional heredoc.
        case request(command: String, arguments: [Token], heredoc: HeredocMarker?)
    }

    /// Parses a request line (without its LF; a trailing CR is dropped).
    public static func parseRequest(_ line: some Collection<UInt8>) throws(TokenizeError) -> Line {
        // One copy into a concrete array: the generic collection is not specialised across modules, and
        // walking it through witnesses was a visible share of every request.
        let bytes = Array(line)
        var all = try tokenize(bytes)
        guard let first = all.tokens.first else { return .blank }
        guard case .positional(let name) = first, !name.isEmpty, CharacterClass.isCommandName(name.utf8),
            !firstTokenWasQuoted(bytes)
        else {
            throw TokenizeError(.badCommandName, at: leadingWhitespace(bytes))
        }
        let folded = name.utf8.contains { $0 >= 0x41 && $0 <= 0x5A } ? name.lowercased() : name
        // In place: the line's own token array (no copy of the arguments on every request).
        all.tokens.removeFirst()
        return .request(command: folded, arguments: all.tokens, heredoc: all.heredoc)
    }

    /// Splits a line into classified tokens. A blank or comment line gives no tokens.
    public static func tokenize(_ line: some Collection<UInt8>) throws(TokenizeError) -> TokenizedLine {
        try tokenize(Array(line))
    }

    /// `tokenize` on a concrete array (no generic dispatch on the hot path).
    public static func tokenize(_ line: [UInt8]) throws(TokenizeError) -> TokenizedLine {
        var storage = line
        if storage.last == 0x0D { storage.removeLast() }  // CRLF is accepted as a line ending
        return try storage.withUnsafeBufferPointer { (buffer) throws(TokenizeError) -> TokenizedLine in
            var scanner = Scanner(bytes: buffer)
            return try scanner.run()
        }
    }

    private static func leadingWhitespace(_ line: [UInt8]) -> Int {
        var n = 0
        while n < line.count, line[n] == 0x20 || line[n] == 0x09 { n += 1 }
        return n
    }

    private static func firstTokenWasQuoted(_ line: [UInt8]) -> Bool {
        let n = leadingWhitespace(line)
        return n < line.count && line[n] == 0x22
    }
}

/// The byte scanner behind `Tokenizer`; one instance per line.
private struct Scanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private static let space: UInt8 = 0x20, tab: UInt8 = 0x09, quote: UInt8 = 0x22, backslash: UInt8 = 0x5C
    private static let equals: UInt8 = 0x3D, dash: UInt8 = 0x2D, less: UInt8 = 0x3C, hash: UInt8 = 0x23
    private static let cr: UInt8 = 0x0D

    private func isSeparator(_ b: UInt8) -> Bool { b == Self.space || b == Self.tab }

    mutating func run() throws(TokenizeError) -> TokenizedLine {
        var tokens: [Token] = []
        tokens.reserveCapacity(8)  // requests have a few words; growing from empty allocated three times
        var heredoc: HeredocMarker?
        skipSeparators()
        if index < bytes.count, bytes[index] == Self.hash { return TokenizedLine(tokens: []) }
        while index < bytes.count {
            let start = index
            if heredoc != nil { throw TokenizeError(.heredocNotLast, at: start) }
            switch try scanToken() {
            case .token(let token): tokens.append(token)
            case .heredoc(let marker): heredoc = marker
            }
            skipSeparators()
        }
        return TokenizedLine(tokens: tokens, heredoc: heredoc)
    }

    private mutating func skipSeparators() {
        while index < bytes.count, isSeparator(bytes[index]) { index += 1 }
    }

    private enum Scanned { case token(Token), heredoc(HeredocMarker) }

    private mutating func scanToken() throws(TokenizeError) -> Scanned {
        let start = index
        if bytes[index] == Self.quote {
            let value = try scanQuoted()
            return .token(.positional(value))
        }
        var firstEquals: Int?
        while index < bytes.count {
            let b = bytes[index]
            if isSeparator(b) { break }
            if b == Self.quote {
                // A quote may only open the value of `key="…"` or `--key="…"`.
                guard let eq = firstEquals, eq == index - 1 else { throw TokenizeError(.quoteInsideBareToken, at: index) }
                let value = try scanQuoted()
                return .token(try classify(start: start, equals: eq, end: eq + 1, quotedValue: value))
            }
            if b == Self.backslash { throw TokenizeError(.backslashOutsideQuotes, at: index) }
            if b == Self.cr { throw TokenizeError(.bareCarriageReturn, at: index) }
            guard let (scalar, length) = UTF8Scanner.decode(bytes, at: index) else {
                throw TokenizeError(.invalidUTF8, at: index)
            }
            guard CharacterClass.isBareScalar(scalar) else { throw TokenizeError(.forbiddenCharacter, at: index) }
            if b == Self.equals, firstEquals == nil { firstEquals = index }
            index += length
        }
        let end = index
        if end - start >= 2, bytes[start] == Self.less, bytes[start + 1] == Self.less {
            let marker = UnsafeBufferPointer(rebasing: bytes[(start + 2)..<end])
            if marker.isEmpty { return .heredoc(.emptyLine) }
            guard CharacterClass.isHeredocMarker(marker) else { throw TokenizeError(.badHeredocMarker, at: start) }
            return .heredoc(.marker(String(decoding: marker, as: UTF8.self)))
        }
        return .token(try classify(start: start, equals: firstEquals, end: end, quotedValue: nil))
    }

    /// Classifies the raw token `bytes[start..<end]`; `quotedValue` replaces the bytes after `=` when quoted.
    private func classify(start: Int, equals: Int?, end: Int, quotedValue: String?) throws(TokenizeError) -> Token {
        func text(_ from: Int, _ to: Int) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
        }
        let isOption = end - start >= 2 && bytes[start] == Self.dash && bytes[start + 1] == Self.dash
        if isOption {
            let keyEnd = equals ?? end
            let key = UnsafeBufferPointer(rebasing: bytes[(start + 2)..<keyEnd])
            if key.isEmpty { throw TokenizeError(.emptyOption, at: start) }
            guard CharacterClass.isOptionKey(key) else { throw TokenizeError(.badKey, at: start + 2) }
            let value: String? = equals.map { quotedValue ?? text($0 + 1, end) }
            return .option(key: String(decoding: key, as: UTF8.self), value: value)
        }
        if let eq = equals {
            let key = UnsafeBufferPointer(rebasing: bytes[start..<eq])
            guard CharacterClass.isFieldKey(key) else { throw TokenizeError(.badKey, at: start) }
            return .field(key: String(decoding: key, as: UTF8.self), value: quotedValue ?? text(eq + 1, end))
        }
        return .positional(text(start, end))
    }

    /// Scans `"…"` starting at the opening quote; leaves `index` after the token.
    private mutating func scanQuoted() throws(TokenizeError) -> String {
        let open = index
        index += 1
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count - index)
        while true {
            guard index < bytes.count else { throw TokenizeError(.unclosedQuote, at: open) }
            let b = bytes[index]
            if b == Self.quote {
                index += 1
                break
            }
            if b == Self.backslash {
                try scanEscape(into: &out)
                continue
            }
            guard let (scalar, length) = UTF8Scanner.decode(bytes, at: index) else {
                throw TokenizeError(.invalidUTF8, at: index)
            }
            guard CharacterClass.isQuotedScalar(scalar) else {
                throw TokenizeError(b == Self.cr ? .bareCarriageReturn : .forbiddenCharacter, at: index)
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<(index + length)]))
            index += length
        }
        if index < bytes.count, !isSeparator(bytes[index]) { throw TokenizeError(.quoteNotAtTokenEnd, at: index) }
        return String(decoding: out, as: UTF8.self)
    }

    /// `\"`, `\\`, `\n`, `\t` or `\u{1–6 hex}` (no NUL, no surrogates, at most U+10FFFF).
    private mutating func scanEscape(into out: inout [UInt8]) throws(TokenizeError) {
        let at = index
        guard index + 1 < bytes.count else { throw TokenizeError(.badEscape, at: at) }
        let c = bytes[index + 1]
        index += 2
        switch c {
        case Self.quote: out.append(Self.quote)
        case Self.backslash: out.append(Self.backslash)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { throw TokenizeError(.badEscape, at: at) }
            index += 1
            var value: UInt32 = 0
            var digits = 0
            while index < bytes.count, let d = hexValue(bytes[index]) {
                value = value << 4 | d
                digits += 1
                index += 1
                if digits > 6 { throw TokenizeError(.badEscape, at: at) }
            }
            guard digits > 0, index < bytes.count, bytes[index] == UInt8(ascii: "}"),
                value != 0, let scalar = Unicode.Scalar(value)
            else { throw TokenizeError(.badEscape, at: at) }
            index += 1
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw TokenizeError(.badEscape, at: at)
        }
    }

    private func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case 0x30...0x39: return UInt32(b - 0x30)
        case 0x41...0x46: return UInt32(b - 0x41 + 10)
        case 0x61...0x66: return UInt32(b - 0x61 + 10)
        default: return nil
        }
    }
}
