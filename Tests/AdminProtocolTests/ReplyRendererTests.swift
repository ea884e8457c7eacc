import AdminProtocol
import Foundation
import LineGrammar
import Testing

/// Reply-format conformance: every line matches the reply grammar, the final line is unique, JSON parses.
@Suite struct ReplyRendererTests {
    static let sample = Reply(.ok, data: .table([[Field("id", "A-1"), Field("name_km", "ក្រុមហ៊ុន ភ្នំពេញ")],
                                                  [Field("id", "A-2"), Field("note", "line\nbreak \u{202E}")]]),
                              fields: [Field("rows", "2")])

    /// A field prepared ahead (its quoting decided once) renders exactly as a plain one, and a changed
    /// value is quoted afresh.
    @Test func preparedFieldsRenderAsPlainOnes() {
        let values = ["A-1", "", "two words", "ក្រុមហ៊ុន ភ្នំពេញ", "say \"hi\"", "line\nbreak", "#tag", "--x", "a=b", "\u{202E}x"]
        let plain = Reply(.ok, data: .record(values.map { Field("v", $0) }), fields: values.map { Field("f", $0) })
        let prepared = Reply(.ok, data: .record(values.map { .prepared("v", $0) }), fields: values.map { .prepared("f", $0) })
        #expect(ReplyRenderer.text(prepared) == ReplyRenderer.text(plain))
        #expect(prepared == plain)
        var changed = Field.prepared("v", "bare")
        changed.value = "needs quotes"
        #expect(changed.text == nil)
        #expect(ReplyRenderer.text(Reply(.ok, fields: [changed])) == "200 OK v=\"needs quotes\"\n")
    }

    /// A field known by its text form alone reads its value back from it (the tokenizer undoing the
    /// quoter), renders those bytes unchanged, and keeps its value when its key changes.
    @Test func textOnlyFieldsReadTheirValueBack() {
        let values = ["A-1", "", "two words", "ក្រុមហ៊ុន ភ្នំពេញ", "say \"hi\"", "line\nbreak", "#tag", "--x", "a=b", "\u{202E}x"]
        for value in values {
            let text = Field.prepared("candidate", value).text!
            var field = Field("candidate", text: text)
            #expect(field.value == value)
            #expect(field == Field("candidate", value))
            #expect(field.hashValue == Field("candidate", value).hashValue)
            #expect(ReplyRenderer.text(Reply(.ok, fields: [field])) == ReplyRenderer.text(Reply(.ok, fields: [Field("candidate", value)])))
            field.key = "other"
            #expect(field.value == value)
            #expect(field.text == nil)
            #expect(ReplyRenderer.text(Reply(.ok, fields: [field])) == ReplyRenderer.text(Reply(.ok, fields: [Field("other", value)])))
        }
    }

    @Test func textLinesFollowTheGrammar() throws {
        let text = ReplyRenderer.text(Self.sample)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 3)
        for line in lines.dropLast() { #expect(line.hasPrefix("200-")) }
        #expect(lines.last == "200 OK rows=2")
        // Data lines are fields in the request grammar: they tokenize back to the same values.
        let back = try Tokenizer.tokenize(Array(lines[1].dropFirst(4).utf8))
        #expect(back.tokens == [.field(key: "id", value: "A-2"), .field(key: "note", value: "line\nbreak \u{202E}")])
    }

    @Test func jsonIsOneParsableObject() throws {
        let json = ReplyRenderer.json(Self.sample, command: ["agency.list"])
        #expect(json.hasSuffix("}\n") && json.filter { $0 == "\n" }.count == 1)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(object?["code"] as? Int == 200)
        #expect(object?["status"] as? String == "OK")
        #expect(object?["rows"] as? String == "2")
        let data = object?["data"] as? [[String: String]]
        #expect(data?.first?["name_km"] == "ក្រុមហ៊ុន ភ្នំពេញ")
    }

    @Test func exitStatusesFollowSysexits() {
        #expect(ReplyCode.ok.exitStatus == 0)
        #expect(ReplyCode.tempfail.exitStatus == 75)
        #expect(ReplyCode.badArguments.exitStatus == 64)
        #expect(ReplyCode.permissionDenied.exitStatus == 77)
        #expect(ReplyCode.notFound.exitStatus == 68)
        #expect(ReplyCode.refused.exitStatus == 65)
    }

    @Test func echoTruncatesTo64Bytes() {
        let long = String(repeating: "ក", count: 40)
        #expect(Reply.echo(long).utf8.count <= 64)
    }
}
