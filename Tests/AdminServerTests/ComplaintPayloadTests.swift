import AdminProtocol
@testable import AdminServer
import Testing

/// The `complaint.file` heredoc: structured lines, a blank line, the narrative.
@Suite struct ComplaintPayloadTests {
    @Test func linesThenBlankThenNarrative() throws {
        let text = """
            complainant sex=f age=25-34 commune=140306 paid=195 holds=id_card,birth_certificate name="Sok Dara"
            complainant count=3 sex=M age=18-24 paid=195.50 claimed=200
            evidence kind=receipt description="receipt for USD 195"
            \t \u{20}
            ក្រុមហ៊ុនមួយបានសន្យាការងារនៅថៃ។
            Line two "quoted" = not a field

            after a blank line inside the narrative\u{20}\u{20}


            """
        let p = try ComplaintPayload.parse(text)
        #expect(p.complainants.count == 4)
        #expect(p.complainants[0].sex == "F" && p.complainants[0].identity?.fullName == "Sok Dara")
        #expect(p.complainants[0].documentsHeld == ["id_card", "birth_certificate"] && p.complainants[0].claimedUSD == "195")
        #expect(p.complainants[1...].allSatisfy { $0.sex == "M" && $0.paidUSD == "195.50" && $0.claimedUSD == "200" && $0.identity == nil })
        #expect(p.evidence.map(\.description) == ["receipt for USD 195"])
        #expect(p.narrative == "ក្រុមហ៊ុនមួយបានសន្យាការងារនៅថៃ។\nLine two \"quoted\" = not a field\n\nafter a blank line inside the narrative")
    }

    @Test func noNarrativeAndNoBlankLine() throws {
        let p = try ComplaintPayload.parse("complainant sex=X")
        #expect(p.complainants.count == 1 && p.narrative.isEmpty && p.evidence.isEmpty)
        #expect(try ComplaintPayload.parse("complainant sex=F\n").narrative.isEmpty)
    }

    /// Each refusal names the line at fault.
    @Test func refusalsNameTheLine() throws {
        for (text, line) in [("complainant sex=F\nwitness name=x", "2"), ("complainant sex=Q", "1"),
                             ("complainant sex=F\ncomplainant sex=F colour=red", "2"), ("complainant sex=F paid=19.555", "1"),
                             ("complainant sex=F\nevidence kind=receipt sha256=zz", "2"), ("complainant sex=F \"unterminated", "1"),
                             ("complainant sex=F\ncomplainant count=2 sex=F name=A", "2")] {
            do {
                _ = try ComplaintPayload.parse(text)
                Issue.record("accepted: \(text)")
            } catch let e as ReplyError {
                #expect(e.reply.fields.contains { $0.key == "line" && $0.value == line }, "\(text)")
            }
        }
        // An evidence item of a kind the mechanism does not know is refused, naming the kinds (CMP-7).
        do {
            _ = try ComplaintPayload.parse("complainant sex=F\nevidence kind=rumour")
            Issue.record("accepted an unknown evidence kind")
        } catch let e as ReplyError {
            #expect(e.reply.fields.contains { $0.key == "line" && $0.value == "2" })
            #expect(e.reply.fields.contains { $0.key == "msg" && $0.value.contains("receipt") && $0.value.contains("CMP-7") }, "\(e.reply)")
        }
        // Nothing but a narrative: at least one complainant is required (CMP-1).
        #expect(throws: ReplyError.self) { try ComplaintPayload.parse("\nonly a story") }
    }
}
