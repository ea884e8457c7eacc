import Foundation
import PostgresNIO
import RegistryDomain

/// One complaint filing, everything computed that the database needs: written whole by
/// `registry.file_complaints` (sql/0007), alone or in a batch with filings that arrived at the same time.
public struct FilingRequest: Sendable {
    public var context: ActorContext
    public var key: String
    public var command: String
    public var request: String
    public var reference: String
    public var filing: ComplaintFiling
    /// Deadline kind, the day it fires (the day after it falls due), rule.
    public var timers: [(kind: String, fires: CivilDate, rule: String)]
    public var eventDetail: String
    public var auditArguments: String
    /// Audit detail and encoded reply, with `{id}` where the case number goes.
    public var auditDetail: String
    public var reply: String

    public init(context: ActorContext, key: String, command: String, request: String, reference: String, filing: ComplaintFiling,
                timers: [(kind: String, fires: CivilDate, rule: String)], eventDetail: String, auditArguments: String,
                auditDetail: String, reply: String) {
        self.context = context
        self.key = key
        self.command = command
        self.request = request
        self.reference = reference
        self.filing = filing
        self.timers = timers
        self.eventDetail = eventDetail
        self.auditArguments = auditArguments
        self.auditDetail = auditDetail
        self.reply = reply
    }

    /// What the database did.
    public enum Outcome: Sendable, Equatable {
        case filed(id: String)
        case replay(reply: String)
        case conflict
    }

    /// Filings share a batch only when row-level scope is the same for all of them (it is set once
    /// per transaction).
    var scopeKey: ScopeKey { ScopeKey(scope: context.scope, provinces: context.provinces, communes: context.communes) }

    struct ScopeKey: Hashable {
        var scope: String
        var provinces: [String]
        var communes: [String]
    }

    /// Same caller, same key: never two in one batch (the second waits and replays).
    var claim: [String] { [context.actor, key] }
}

extension FilingRequest {
    /// The JSON object `registry.file_complaints` reads for one filing.
    struct Document: Encodable {
        struct Complainant: Encodable {
            var sex: String
            var age: String
            var commune: String?
            var paid: String
            var claimed: String
            var holds: [String]
            var identity: Identity?
        }
        struct Identity: Encodable {
            var name: String
            var id_card: String
            var phone: String
            var address: String
        }
        struct Evidence: Encodable {
            var kind: String
            var description: String
            var sha256: String?
        }
        struct Timer: Encodable {
            var kind: String
            var fires: String
            var rule: String
        }
        var actor: String
        var listener: String
        var peer_uid: Int?
        var key: String
        var command: String
        var request: String
        var reference: String
        var level: String
        var channel: String
        var filed_by: String
        var province: String
        var commune: String?
        var respondent_kind: String
        var respondent_agency: String?
        var respondent_ref: String?
        var respondent_note: String
        var categories: [String]
        var destination: String?
        var sector: String?
        var narrative: String
        var received: String
        var complainants: [Complainant]
        var evidence: [Evidence]
        var timers: [Timer]
        var event_detail: String
        var audit_arguments: String
        var audit_detail: String
        var reply: String
    }

    var document: Document {
        let f = filing
        return Document(
            actor: context.actor, listener: context.listener, peer_uid: context.peerUID, key: key, command: command,
            request: request, reference: reference, level: f.intakeLevel.rawValue, channel: f.channel, filed_by: f.filedBy,
            province: f.province, commune: f.commune, respondent_kind: f.respondentKind, respondent_agency: f.respondentAgency,
            respondent_ref: f.respondentRef, respondent_note: f.respondentNote, categories: f.categories,
            destination: f.destination, sector: f.sector, narrative: f.narrative, received: f.receivedOn.description,
            complainants: f.complainants.map { c in
                Document.Complainant(
                    sex: c.sex, age: c.ageBand, commune: c.homeCommune, paid: c.paidUSD, claimed: c.claimedUSD, holds: c.documentsHeld,
                    identity: c.identity.map { Document.Identity(name: $0.fullName, id_card: $0.idCard, phone: $0.phone, address: $0.address) })
            },
            evidence: f.evidence.map { Document.Evidence(kind: $0.kind, description: $0.description, sha256: $0.sha256) },
            timers: timers.map { Document.Timer(kind: $0.kind, fires: $0.fires.description, rule: $0.rule) },
            event_detail: eventDetail, audit_arguments: auditArguments, audit_detail: auditDetail, reply: reply)
    }

    /// The batch as the JSON array `registry.file_complaints` reads (the members `JSONEncoder` would
    /// write for `[Document]`, nil ones left out; a test holds the two equal).
    static func json(_ batch: [FilingRequest]) -> String {
        var out = JSONBytes(capacity: 1024 * batch.count)
        out.beginArray()
        for request in batch { request.document.write(to: &out) }
        out.endArray()
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// The call of `registry.file_complaints` for filings that share one scope.
    static func query(_ batch: [FilingRequest]) throws -> PostgresQuery {
        let json = Self.json(batch)
        let scope = batch[0].context
        return """
            SELECT n, outcome, case_id, reply FROM registry.file_complaints(
                \(scope.scope), \(scope.provinces.joined(separator: ",")), \(scope.communes.joined(separator: ",")), \(json)::jsonb)
            """
    }

    /// One outcome per filing, in the batch's order.
    static func outcomes(_ rows: QueryRows, count: Int) async throws -> [Outcome] {
        var out = [Outcome?](repeating: nil, count: count)
        for try await (n, outcome, id, reply) in rows.decode((Int32, String, String?, String?).self) {
            let i = Int(n) - 1
            guard out.indices.contains(i) else { continue }
            switch outcome {
            case "filed": out[i] = .filed(id: id ?? "")
            case "replay": out[i] = .replay(reply: reply ?? "")
            default: out[i] = .conflict
            }
        }
        return try out.map { o in
            guard let o else { throw StoreError.internalError("file_complaints returned no outcome for a filing") }
            return o
        }
    }
}

extension FilingRequest.Document {
    func write(to out: inout JSONBytes) {
        out.beginObject()
        out.member("actor", actor)
        out.member("listener", listener)
        if let peer_uid {
            out.key("peer_uid")
            out.int(peer_uid)
        }
        out.member("key", key)
        out.member("command", command)
        out.member("request", request)
        out.member("reference", reference)
        out.member("level", level)
        out.member("channel", channel)
        out.member("filed_by", filed_by)
        out.member("province", province)
        out.member("commune", commune)
        out.member("respondent_kind", respondent_kind)
        out.member("respondent_agency", respondent_agency)
        out.member("respondent_ref", respondent_ref)
        out.member("respondent_note", respondent_note)
        out.key("categories")
        out.strings(categories)
        out.member("destination", destination)
        out.member("sector", sector)
        out.member("narrative", narrative)
        out.member("received", received)
        out.objects("complainants", complainants) { c, out in
            out.member("sex", c.sex)
            out.member("age", c.age)
            out.member("commune", c.commune)
            out.member("paid", c.paid)
            out.member("claimed", c.claimed)
            out.key("holds")
            out.strings(c.holds)
            if let i = c.identity {
                out.key("identity")
                out.beginObject()
                out.member("name", i.name)
                out.member("id_card", i.id_card)
                out.member("phone", i.phone)
                out.member("address", i.address)
                out.endObject()
            }
        }
        out.objects("evidence", evidence) { e, out in
            out.member("kind", e.kind)
            out.member("description", e.description)
            out.member("sha256", e.sha256)
        }
        out.objects("timers", timers) { t, out in
            out.member("kind", t.kind)
            out.member("fires", t.fires)
            out.member("rule", t.rule)
        }
        out.member("event_detail", event_detail)
        out.member("audit_arguments", audit_arguments)
        out.member("audit_detail", audit_detail)
        out.member("reply", reply)
        out.endObject()
    }
}
