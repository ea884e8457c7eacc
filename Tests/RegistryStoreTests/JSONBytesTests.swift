import Foundation
import RegistryDomain
@testable import RegistryStore
import Testing

/// Strings written by `JSONBytes` read back as the same strings, whatever they hold.
@Suite struct JSONBytesTests {
    static func roundTrip(_ value: String) throws -> String {
        var json = JSONBytes()
        json.beginArray()
        json.string(value)
        json.endArray()
        return try JSONDecoder().decode([String].self, from: Data(json.bytes))[0]
    }

    @Test func everyASCIIByteAndOthersRoundTrip() throws {
        let ascii = String(decoding: (0..<128).map { UInt8($0) }, as: UTF8.self)
        for value in ["", ascii, "\"", "\\", "\u{0}", "plain text", "ក្រុមហ៊ុន 😀", "a\u{1F}b\"c\\d\ne\r\tf" + ascii + "end"] {
            #expect(try Self.roundTrip(value) == value)
        }
        // Runs between escapes at the start, the middle and the end of a string.
        var rng = SplitMix64(seed: 190)
        for _ in 0..<500 {
            let length = Int(rng.next() % 24)
            let value = String(decoding: (0..<length).map { _ in [UInt8(0x22), 0x5C, 0x0A, 0x01, 0x41, 0x7A, 0x20][Int(rng.next() % 7)] }, as: UTF8.self)
            #expect(try Self.roundTrip(value) == value)
        }
    }
}
