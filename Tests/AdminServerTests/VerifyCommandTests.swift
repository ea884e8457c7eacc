import AdminProtocol
@testable import AdminServer
import Testing

/// The hotline reply's fields rendered ahead (candidate lines from a kept prefix, verdict and rule
/// fields prepared once) must be byte for byte what rendering them plainly gives.
@Suite struct VerifyCommandTests {
    static let labels = [
        VerifyCommand.candidateLabel(id: "B-4711", nameEN: "Bench 4711 Manpower Co., Ltd.", nameKM: "ក្រុមហ៊ុន បេញ 4711"),
        VerifyCommand.candidateLabel(id: "A-7", nameEN: "Say \"Hi\" Recruitment", nameKM: "ស"),
        VerifyCommand.candidateLabel(id: "A-8", nameEN: "Line\nBreak", nameKM: ""),
        VerifyCommand.candidateLabel(id: "#1", nameEN: "x", nameKM: "y"),
        VerifyCommand.candidateLabel(id: "A-9", nameEN: "Back\\slash", nameKM: "\u{202E}z"),
    ]

    @Test func candidateLinesFromTheirPrefixRenderAsPlainOnes() {
        for label in Self.labels {
            for score in [0, 0.3, 0.77, 0.999, 1] {
                let m: VerifyCommand.Match = (label, score, false, VerifyCommand.candidatePrefix(label: label))
                let kept = VerifyCommand.candidateField(m)
                let plain = Field("candidate", VerifyCommand.candidate(m))
                #expect(kept == plain)
                #expect(ReplyRenderer.text(Reply(.ok, data: .record([kept]))) == ReplyRenderer.text(Reply(.ok, data: .record([plain]))))
            }
        }
        // A label that needs escapes has no prefix: its line is rendered whole.
        #expect(VerifyCommand.candidatePrefix(label: Self.labels[1]) == nil)
        #expect(VerifyCommand.candidatePrefix(label: Self.labels[0]) != nil)
    }

    @Test func preparedVerdictFieldsRenderAsPlainOnes() {
        for (verdict, field) in VerifyCommand.verdictFields {
            #expect(ReplyRenderer.text(Reply(.ok, fields: [field])) == ReplyRenderer.text(Reply(.ok, fields: [Field("verdict", verdict.rawValue)])))
            let rule = VerifyCommand.ruleFields[verdict]
            #expect(rule.map { ReplyRenderer.text(Reply(.ok, fields: [$0])) } == ReplyRenderer.text(Reply(.ok, fields: [Field("rule", verdict.rule)])))
        }
    }
}
