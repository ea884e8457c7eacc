import LineGrammar
import RegistryDomain
import Testing

/// The tokenizer and the quoter are exact inverses: `tokenize(render(tokens)) == tokens` for random token
/// lists over an alphabet chosen to hit every quoting rule (P6 in reliability-security.md).
@Suite struct RoundTripPropertyTests {
    typealias SplitMix = SplitMix64

    static let alphabet: [String] = [
        "a", "Z", "0", "-", "_", ".", "=", "\"", "\\", " ", "\t", "\n", "#", "<", "'", "ក", "្", "រ", "ុ", "ម", "ហ៊",
        "\u{200B}", "\u{200C}", "\u{00A0}", "\u{202E}", "\u{2066}", "\u{0001}", "\u{001F}", "\u{007F}", "\u{0085}",
        "😀", "é", "e\u{0301}", "\u{E0100}", "\u{0378}", "--", "<<", "\u{17E0}", "\u{17E9}",
    ]

    static func value(_ rng: inout SplitMix, allowEmpty: Bool = true) -> String {
        let length = Int.random(in: (allowEmpty ? 0 : 1)...8, using: &rng)
        return (0..<length).map { _ in alphabet.randomElement(using: &rng)! }.joined()
    }

    static func key(_ rng: inout SplitMix, option: Bool) -> String {
        let first = "abcdefghijklmnopqrstuvwxyz".randomElement(using: &rng)!
        let rest = (0..<Int.random(in: 0...6, using: &rng)).map { _ in
            (option ? "abcz09_.-" : "abcz09_.").randomElement(using: &rng)!
        }
        return String(first) + String(rest)
    }

    static func token(_ rng: inout SplitMix) -> Token {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return .positional(value(&rng))
        case 1: return .field(key: key(&rng, option: false), value: value(&rng))
        case 2: return .option(key: key(&rng, option: true), value: nil)
        default: return .option(key: key(&rng, option: true), value: value(&rng))
        }
    }

    @Test func renderThenTokenizeIsIdentity() throws {
        for seed in UInt64(1)...5_000 {
            var rng = SplitMix(seed: seed)
            let tokens = (0..<Int.random(in: 1...6, using: &rng)).map { _ in Self.token(&rng) }
            let heredoc: HeredocMarker? = Bool.random(using: &rng) ? nil : (Bool.random(using: &rng) ? .emptyLine : .marker("END"))
            let line = TokenizedLine(tokens: tokens, heredoc: heredoc)
            let rendered = Quoter.render(line)
            let back: TokenizedLine
            do { back = try Tokenizer.tokenize(Array(rendered.utf8)) } catch {
                Issue.record("seed \(seed): \(rendered) → \(error)")
                return
            }
            #expect(back == line, "seed \(seed): \(rendered)")
            if back != line { return }
        }
    }

    /// The byte-wise `Quoter.form` gives the grammar's rules as stated scalar by scalar.
    @Test func formMatchesTheScalarRules() {
        func reference(_ v: String) -> Quoter.Form {
            let escapes = v.unicodeScalars.contains {
                $0 == "\"" || $0 == "\\" || CharacterClass.isControl($0.value) || CharacterClass.isBidiControl($0.value)
                    || ($0.properties.generalCategory == .unassigned)
            }
            if escapes { return .escaped }
            let quotes = v.isEmpty || v.utf8.first == UInt8(ascii: "#") || v.utf8.starts(with: [0x2D, 0x2D]) || v.utf8.starts(with: [0x3C, 0x3C])
                || v.unicodeScalars.contains { $0 == "=" || !CharacterClass.isBareScalar($0.value) }
            return quotes ? .quoted : .bare
        }
        for seed in UInt64(1)...5_000 {
            var rng = SplitMix(seed: seed)
            let v = Self.value(&rng)
            #expect(Quoter.form(v) == reference(v), "seed \(seed): \(v.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        // Longer values, and long ASCII runs with one odd byte anywhere: the scan reads eight bytes at a
        // time, and every position within and across those words must count.
        let plain = Array("abcdefghijklmnopqrstuvwxyzABC0123456789-_./,:@".unicodeScalars)
        let odd: [Unicode.Scalar] = [" ", "=", "\"", "\\", "\u{7F}", "\u{1F}", "\u{0}", "\t", "#", "é", "ក", "\u{202E}", "\u{0378}"]
        for seed in UInt64(1)...5_000 {
            var rng = SplitMix(seed: seed)
            let joined = (0..<Int.random(in: 1...6, using: &rng)).map { _ in Self.value(&rng) }.joined()
            #expect(Quoter.form(joined) == reference(joined), "seed \(seed): \(joined.unicodeScalars.map { String($0.value, radix: 16) })")
            var scalars = (0..<Int.random(in: 0...40, using: &rng)).map { _ in plain.randomElement(using: &rng)! }
            if Bool.random(using: &rng) { scalars.insert(odd.randomElement(using: &rng)!, at: Int.random(in: 0...scalars.count, using: &rng)) }
            let ascii = String(String.UnicodeScalarView(scalars))
            #expect(Quoter.form(ascii) == reference(ascii), "seed \(seed): \(ascii.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test func quotedValuesContainNoRawControlsOrBidi() {
        for seed in UInt64(1)...2_000 {
            var rng = SplitMix(seed: seed)
            let rendered = Quoter.quote(Self.value(&rng))
            #expect(!rendered.unicodeScalars.contains { CharacterClass.isControl($0.value) || CharacterClass.isBidiControl($0.value) })
        }
    }

    @Test func randomBytesNeverTrap() {
        var rng = SplitMix(seed: 42)
        for _ in 0..<5_000 {
            let bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in
                Bool.random(using: &rng) ? UInt8.random(in: 0x20...0x7E, using: &rng) : UInt8.random(in: 0...255, using: &rng)
            }
            _ = try? Tokenizer.parseRequest(bytes)
        }
    }
}
