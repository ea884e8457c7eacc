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
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        var lineNo = 0
        while let line = lines.first {
            lineNo += 1
            lines = lines.dropFirst()
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty { break }
            let tokens: [Token]
            do { tokens = try Tokenizer.tokenize(Array(line.utf8)).tokens } catch {
                throw bad(lineNo, "not in the line grammar")
            }
            guard case .positional(let keyword) = tokens.first else { throw bad(lineNo, "starts with complainant or evidence") }
            var fields: [String: String] = [:]
            for token in tokens.dropFirst() {
                guard case .field(let key, let value) = token else { throw bad(lineNo, "only key=value fields after \(keyword)") }
                fields[key] = value
            }
            switch keyword {
            case "complainant": out.complainants += try complainants(fields, lineNo)
            case "evidence": out.evidence.append(try evidence(fields, lineNo))
            default: throw bad(lineNo, "unknown line \(Reply.echo(keyword)); expected complainant or evidence")
            }
            guard out.complainants.count <= maxComplainants else { throw bad(lineNo, "more than \(maxComplainants) complainants") }
        }
        out.narrative = lines.joined(separator: "\n").trimmingTrailingNewlines()
        guard !out.complainants.isEmpty else {
            throw ReplyError(Reply.final(.badArguments, Field("arg", "complainant"), msg: "at least one complainant line is required (CMP-1)"))
        }
        return out
    }

    private static func complainants(_ f: [String: String], _ line: Int) throws -> [ComplainantInput] {
        let known: Set<String> = ["sex", "age", "commune", "paid", "claimed", "holds", "count", "name", "id_card", "phone", "address"]
        if let unknown = f.keys.first(where: { !known.contains($0) }) { throw bad(line, "unknown field \(Reply.echo(unknown))") }
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

private extension String {
    func trimmingTrailingNewlines() -> String {
        var s = Substring(self)
        while s.last == "\n" || s.last == " " || s.last == "\r" { s = s.dropLast() }
        return String(s)
    }
}
