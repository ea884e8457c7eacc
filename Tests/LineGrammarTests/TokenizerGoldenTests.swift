import Foundation
import LineGrammar
import Testing

/// Golden cases for the tokenizer (Fixtures/tokenizer.golden): Khmer, zero-width space, quotes, escapes,
/// forbidden characters, heredoc markers.
@Suite struct TokenizerGoldenTests {
    struct Case: CustomTestStringConvertible {
        var line: Int
        var input: [UInt8]
        var expected: String
        var testDescription: String { "line \(line)" }
    }

    static func cases() throws -> [Case] {
        let url = try #require(Bundle.module.url(forResource: "tokenizer", withExtension: "golden", subdirectory: "Fixtures"))
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        var out: [Case] = []
        var pending: (Int, [UInt8])?
        for (i, raw) in lines.enumerated() {
            if raw.hasPrefix("<") {
                pending = (i + 1, decode(raw.dropFirst(raw.hasPrefix("< ") ? 2 : 1)))
            } else if raw.hasPrefix(">"), let (line, input) = pending {
                out.append(Case(line: line, input: input, expected: String(raw.dropFirst(raw.hasPrefix("> ") ? 2 : 1))))
                pending = nil
            }
        }
        return out
    }

    /// Decodes `\xNN` so that the fixture stays printable; other backslashes stay as they are.
    static func decode(_ text: Substring) -> [UInt8] {
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x5C, i + 1 < bytes.count {
                if bytes[i + 1] == UInt8(ascii: "x"), i + 3 < bytes.count,
                   let v = UInt8(String(decoding: bytes[(i + 2)...(i + 3)], as: UTF8.self), radix: 16) {
                    out.append(v); i += 4; continue
                }
            }
            out.append(bytes[i]); i += 1
        }
        return out
    }

    static func describe(_ result: Result<TokenizedLine, TokenizeError>) -> String {
        switch result {
        case .failure(let e): return "ERROR \(e.reason.rawValue)@\(e.offset)"
        case .success(let line):
            var parts = line.tokens.map { token -> String in
                switch token {
                case .positional(let v): return "P(\(Quoter.quote(v)))"
                case .field(let k, let v): return "F(\(k)=\(Quoter.quote(v)))"
                case .option(let k, nil): return "O(\(k))"
                case .option(let k, let v?): return "O(\(k)=\(Quoter.quote(v)))"
                }
            }
            switch line.heredoc {
            case .emptyLine?: parts.append("H(<<)")
            case .marker(let m)?: parts.append("H(<<\(m))")
            case nil: break
            }
            return parts.joined(separator: " ")
        }
    }

    @Test(arguments: try cases())
    func golden(_ c: Case) {
        let result = Result { () throws(TokenizeError) -> TokenizedLine in try Tokenizer.tokenize(c.input) }
        #expect(Self.describe(result) == c.expected, "fixture line \(c.line)")
    }

    @Test func fixtureHasCases() throws {
        #expect(try Self.cases().count >= 40)
    }

    @Test func commandNamesFoldToLowerCase() throws {
        let line = try Tokenizer.parseRequest(Array("Agency.Show A-1".utf8))
        #expect(line == .request(command: "agency.show", arguments: [.positional("A-1")], heredoc: nil))
    }

    @Test func quotedOrFieldCommandIsRejected() {
        #expect(throws: TokenizeError(.badCommandName, at: 0)) { try Tokenizer.parseRequest(Array("\"ping\"".utf8)) }
        #expect(throws: TokenizeError(.badCommandName, at: 0)) { try Tokenizer.parseRequest(Array("a=b".utf8)) }
    }
}
