import AdminProtocol
import LineGrammar
import RegistryDomain
import RegistryStore

/// The heredoc of `complaint.file`: structured lines in the protocol's own grammar, then a blank line,
/// then the narrative as free text.
///
/// ```
/// complaint.file … --idempotency-key=K <<END
/// complainant sex=F age=25-34 commune=140306 paid=195 claimed=195 holds=id_card,birth_certificate name="Sok Dara"
/// complainant count=12 sex=M age=18-24 commune=140306 paid=195 claimed=195 holds=id_card
/// evidence kind=receipt description="receipt for USD 195" sha256=9f86d0…
///
/// A recruitment company offered jobs in Thailand …
/// END
/// ```
/// `count=N` repeats a line for a group of people with the same attributes (no identity then).
/// `name=`, `id_card=`, `phone=`, `address=` are the complainant's identity: stored apart and readable
/// only with `victim.read`.
struct ComplaintPayload {
    var complainants: [ComplainantInput] = []
    var evidence: [EvidenceInput] = []
    var narrative = ""

    static let sexes = ["F", "M", "X"]
    static let ageBands = ["under_18", "18-24", "25-34", "35-44", "45-54", "55+", "unknown"]
    static let documentKinds = ["id_card", "birth_certificate", "passport", "family_book", "residence_book", "other"]
    static let evidenceKinds = ["receipt", "id_copy", "contract", "witness_statement", "advert_photo", "message", "other"]
    /// A group is one case (C-7 had 201 complainants); the heredoc's own limits bound it further.
    static let maxComplainants = 1_000

    static func parse(_ text: String) throws -> ComplaintPayload {
        var out = ComplaintPayload()
        // Lines by bytes: the session has removed carriage returns, and a line feed is always a
        // character of its own, so this splits exactly where splitting the characters would (which cost
        // grapheme breaking over the whole heredoc, measured on every filing).
        var text = text
        try text.withUTF8 { utf8 in
            var start = 0
            var lineNo = 0
            while start < utf8.count {
                let end = utf8[start...].firstIndex(of: 0x0A) ?? utf8.count
                let line = UnsafeBufferPointer(rebasing: utf8[start..<end])
                lineNo += 1
                start = end + 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { break }
                try out.add(line: Array(line), lineNo)
            }
            var last = utf8.count
            while last > start, [0x0A, 0x20, 0x0D].contains(utf8[last - 1]) { last -= 1 }
            out.narrative = start < last ? String(decoding: UnsafeBufferPointer(rebasing: utf8[start..<last]), as: UTF8.self) : ""
        }
        guard !out.complainants.isEmpty else {
            throw ReplyError(Reply.final(.badArguments, Field("arg", "complainant"), msg: "at least one complainant line is required (CMP-1)"))
        }
        return out
    }

    /// One structured line: `complainant …` or `evidence …`.
    private mutating func add(line: [UInt8], _ lineNo: Int) throws {
        let tokens: [Token]
        do { tokens = try Tokenizer.tokenize(line).tokens } catch {
            throw Self.bad(lineNo, "not in the line grammar")
        }
        guard case .positional(let keyword) = tokens.first else { throw Self.bad(lineNo, "starts with complainant or evidence") }
        var fields: [String: String] = [:]
        for token in tokens.dropFirst() {
            guard case .field(let key, let value) = token else { throw Self.bad(lineNo, "only key=value fields after \(keyword)") }
            fields[key] = value
        }
        switch keyword {
        case "complainant": complainants += try Self.complainants(fields, lineNo)
        case "evidence": evidence.append(try Self.evidence(fields, lineNo))
        default: throw Self.bad(lineNo, "unknown line \(Reply.echo(keyword)); expected complainant or evidence")
        }
        guard complainants.count <= Self.maxComplainants else { throw Self.bad(lineNo, "more than \(Self.maxComplainants) complainants") }
    }

    static let complainantFields: Set<String> = ["sex", "age", "commune", "paid", "claimed", "holds", "count", "name", "id_card", "phone", "address"]

    private static func complainants(_ f: [String: String], _ line: Int) throws -> [ComplainantInput] {
        if let unknown = f.keys.first(where: { !complainantFields.contains($0) }) { throw bad(line, "unknown field \(Reply.echo(unknown))") }
        guard let sex = f["sex"]?.uppercased(), sexes.contains(sex) else { throw bad(line, "sex= F, M or X (CMP-12)") }
        let age = f["age"] ?? "unknown"
        guard ageBands.contains(age) else { throw bad(line, "age= one of \(ageBands.joined(separator: " "))") }
        let commune = f["commune"].map { NameKey.digits($0) }
        if let commune, commune.count != 6 { throw bad(line, "commune= a 6-digit commune code") }
        let paid = try money(f["paid"] ?? "0", line, "paid")
        let claimed = try money(f["claimed"] ?? paid, line, "claimed")
        let holds = f["holds"].map { $0.split(separator: ",").map(String.init) } ?? []
        if let wrong = holds.first(where: { !documentKinds.contains($0) }) {
            throw bad(line, "holds= \(Reply.echo(wrong)) is not one of \(documentKinds.joined(separator: ","))")
        }
        var count = 1
        if let c = f["count"] {
            guard let n = Int(c), (1...maxComplainants).contains(n) else { throw bad(line, "count= 1 to \(maxComplainants)") }
            count = n
        }
        var identity: ComplainantInput.Identity?
        if f["name"] != nil || f["id_card"] != nil || f["phone"] != nil || f["address"] != nil {
            guard count == 1 else { throw bad(line, "an identity belongs to one complainant: no count= with name=") }
            identity = .init(fullName: f["name"] ?? "", idCard: f["id_card"].map { NameKey.digits($0) } ?? "",
                             phone: f["phone"] ?? "", address: f["address"] ?? "")
        }
        let one = ComplainantInput(sex: sex, ageBand: age, homeCommune: commune, paidUSD: paid, claimedUSD: claimed,
                                   documentsHeld: holds, identity: identity)
        return Array(repeating: one, count: count)
    }

    private static func evidence(_ f: [String: String], _ line: Int) throws -> EvidenceInput {
        guard let kind = f["kind"], evidenceKinds.contains(kind) else { throw bad(line, "kind= one of \(evidenceKinds.joined(separator: " ")) (CMP-7)") }
        var sha: String?
        if let s = f["sha256"]?.lowercased() {
            guard s.utf8.count == 64, s.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
                throw bad(line, "sha256= 64 hex digits")
            }
            sha = s
        }
        return EvidenceInput(kind: kind, description: f["description"] ?? "", sha256: sha)
    }

    /// A USD amount with at most two decimals.
    static func money(_ text: String, _ line: Int, _ field: String) throws -> String {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].allSatisfy(\.isASCII), parts[0].allSatisfy(\.isNumber),
              parts.count == 1 || (parts[1].count <= 2 && parts[1].allSatisfy { $0.isASCII && $0.isNumber }), parts[0].count <= 9
        else { throw bad(line, "\(field)= an amount in USD, e.g. 195 or 2500.50") }
        return text
    }

    private static func bad(_ line: Int, _ msg: String) -> ReplyError {
        ReplyError(Reply.final(.invalidValue, Field("field", "payload"), Field("line", String(line)), msg: msg))
    }
}
