import AdminProtocol
import RegistryDomain
import RegistryStore

/// Small helpers shared by the registry commands.
enum RegistryHelpers {
    static func notFound(_ kind: String, _ id: String) -> ReplyError {
        ReplyError(Reply.final(.notFound, Field("kind", kind), Field("id", Reply.echo(id))))
    }

    /// Refuses with 550 unless the agency exists.
    static func requireAgency(_ tx: Transaction, _ id: String) async throws {
        guard try await tx.agency(id: id) != nil else { throw notFound("agency", id) }
    }

    /// A "reopened under a new name" flag as shown in replies: `kind:related-agency:via`.
    static func flagField(kind: String = "reopened_after_revocation", related: String, via: String) -> Field {
        Field("flag", "\(kind):\(related):\(via)")
    }

    static func invalid(_ field: String, _ msg: String) -> ReplyError {
        ReplyError(Reply.final(.invalidValue, Field("field", field), msg: msg))
    }

    static func date(_ inv: Invocation, _ key: String) throws -> CivilDate? {
        guard let text = inv.field(key) ?? inv.options[key] else { return nil }
        guard let d = CivilDate(text) else { throw invalid(key, "no such date") }
        return d
    }

    /// Parses `TH`, `TH/construction`, `JP,MY/domestic_work` into destination scopes: at least one.
    static func scopes(_ text: String, field: String = "scope") throws -> [DestinationScope] {
        // Byte-wise: every hotline lookup with destination= parses one.
        let items = text.split(separator: ",")
        // `destination=,` is a valid identifier with no destination in it (it crashed the daemon once).
        guard !items.isEmpty else { throw invalid(field, "at least one destination: an ISO country code, optionally /sector: TH,MY/domestic_work") }
        return try items.map { item in
            let slash = item.utf8.firstIndex(of: UInt8(ascii: "/"))
            let country = item[..<(slash ?? item.endIndex)]
            guard country.utf8.count == 2, country.utf8.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
                throw invalid(field, "destinations are ISO country codes, optionally /sector: TH,MY/domestic_work")
            }
            return DestinationScope(country: String(country), sector: slash.map { String(item[item.utf8.index(after: $0)...]) }.flatMap { $0.isEmpty ? nil : $0 })
        }
    }

    /// Exactly one destination, `TH` or `MY/domestic_work`: what a hotline caller or a complaint names.
    static func scope(_ text: String, field: String) throws -> DestinationScope {
        let all = try scopes(text, field: field)
        guard all.count == 1 else { throw invalid(field, "one destination: an ISO country code, optionally /sector: TH or MY/domestic_work") }
        return all[0]
    }

    static func province(_ text: String?) throws -> String? {
        guard let text else { return nil }
        // The usual form, two ASCII digits, without building a string of digits.
        let utf8 = text.utf8
        if utf8.count == 2, let a = utf8.first, let b = utf8.last, (0x30...0x39).contains(a), (0x30...0x39).contains(b),
           (1...25).contains(Int(a - 0x30) * 10 + Int(b - 0x30)) {
            return text
        }
        let digits = NameKey.digits(text)
        guard digits.count == 2, let n = Int(digits), (1...25).contains(n) else {
            throw invalid("province", "province codes are 01 to 25")
        }
        return digits
    }

    static func durations(_ ctx: CommandContext) -> LicenceMachine.Durations {
        LicenceMachine.Durations(rulebook: ctx.services.rulebook)
    }

    static func refusal(_ r: LicenceMachine.Refusal) -> ReplyError {
        ReplyError(Reply.final(.invalidState, Field("state", r.state.rawValue), Field("rule", r.rule),
                               msg: "\(r.event) is not allowed from \(r.state.rawValue)"))
    }

    static func licenceFields(_ l: LicenceRecord) -> [Field] {
        var f = [Field("licence", l.number), Field("agency", l.agencyID), Field("state", l.state.rawValue),
                 Field("issued_on", l.issuedOn.description), Field("valid_until", l.expiresOn.description),
                 Field("state_since", l.stateSince)]
        if let until = l.suspendedUntil { f.append(Field("suspended_until", until.description)) }
        return f
    }
}
