import Foundation
import RegistryDomain
@testable import RegistryStore
import Testing

/// The filing batch's JSON, written by hand for speed, says exactly what `JSONEncoder` says.
@Suite struct FilingRequestTests {
    static func request(_ n: Int, odd: String) -> FilingRequest {
        let identity = ComplainantInput.Identity(fullName: "Sok \(odd) Dara", idCard: "0123\(n)", phone: "+855 12 \(n)", address: "Phum \(odd)\n2")
        let complainants = [
            ComplainantInput(sex: "F", ageBand: "25-34", homeCommune: n % 2 == 0 ? "120101" : nil, paidUSD: "195", claimedUSD: "195.50",
                             documentsHeld: ["id_card", "birth_certificate"], identity: identity),
            ComplainantInput(sex: "M", ageBand: "18-24", homeCommune: nil, paidUSD: "0", claimedUSD: "0", documentsHeld: [], identity: nil),
        ]
        let filing = ComplaintFiling(
            channel: "hotline", intakeLevel: .l1, filedBy: "official", province: "12", commune: n % 3 == 0 ? nil : "120101",
            respondentKind: "agency", respondentAgency: n % 2 == 0 ? "A-0001" : nil, respondentRef: nil, respondentNote: "note \(odd)",
            categories: ["fee_overcharge", "document_retention"], destination: "TH", sector: n % 2 == 0 ? nil : "construction",
            narrative: "Line one\nline \"two\" \\ tab\there \u{1} ក្រុមហ៊ុន 😀 / slash", receivedOn: CivilDate(year: 2026, month: 11, day: 30)!,
            complainants: complainants,
            evidence: [EvidenceInput(kind: "receipt", description: "USD 195 \(odd)", sha256: n % 2 == 0 ? String(repeating: "ab", count: 32) : nil)])
        return FilingRequest(
            context: ActorContext(actor: "S-000\(n)", listener: "admin", peerUID: n % 2 == 0 ? 1000 + n : nil, provinces: ["12"]),
            key: "key-\(n)-\(odd)", command: "complaint.file", request: "r\(n)", reference: "R-AAAA-BBBB-\(n)", filing: filing,
            timers: [(kind: "complaint.ack", fires: CivilDate(year: 2026, month: 12, day: 3)!, rule: "CMP-5"),
                     (kind: "complaint.first_action", fires: CivilDate(year: 2026, month: 12, day: 11)!, rule: "CMP-4")],
            eventDetail: "complainants=2", auditArguments: "channel=hotline \(odd)", auditDetail: "{id}", reply: "201 CREATED id={id}\n")
    }

    @Test func handWrittenJSONEqualsJSONEncoder() throws {
        let odd = ["", "\"quoted\"", "back\\slash", "ctl\u{7}\u{1F}\r", "ក្រុមហ៊ុន", "</script>"]
        let batch = odd.enumerated().map { Self.request($0.offset, odd: $0.element) }
        let ours = FilingRequest.json(batch)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let theirs = try encoder.encode(batch.map(\.document))
        let a = try JSONSerialization.jsonObject(with: Data(ours.utf8)) as? NSArray
        let b = try JSONSerialization.jsonObject(with: theirs) as? NSArray
        #expect(a != nil)
        #expect(a == b)
    }
}
