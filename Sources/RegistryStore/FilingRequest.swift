import PostgresNIO
import RegistryDomain

/// A complaint filing done whole by `registry.file_complaint` (sql/0005) in one statement.
public struct OneStatementFiling: Sendable {
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
        case filed(id: String, reply: String)
        case replay(reply: String)
        case conflict
    }
}

extension OneStatementFiling {
    /// The call of `registry.file_complaint` with every value bound.
    var query: PostgresQuery {
        let c = filing.complainants
        let identities = c.enumerated().compactMap { n, p in p.identity.map { (n + 1, $0) } }
        var docN: [Int] = [], docKind: [String] = []
        for (n, p) in c.enumerated() { for kind in p.documentsHeld { docN.append(n + 1); docKind.append(kind) } }
        let e = filing.evidence
        let ctx = context
        let uid = ctx.peerUID.map { Int32($0) }
        let fl = filing
        return """
            SELECT outcome, case_id, reply FROM registry.file_complaint(
                \(ctx.actor), \(ctx.listener), \(uid), \(ctx.provinces.joined(separator: ",")), \(ctx.communes.joined(separator: ",")), \(ctx.scope),
                \(key), \(command), \(request),
                \(reference), \(fl.intakeLevel.rawValue), \(fl.channel), \(fl.filedBy), \(fl.province), \(fl.commune),
                \(fl.respondentKind), \(fl.respondentAgency), \(fl.respondentRef), \(fl.respondentNote),
                \(fl.categories)::text[], \(fl.destination), \(fl.sector), \(fl.narrative), \(fl.receivedOn.description)::date,
                \(c.map(\.sex))::text[], \(c.map(\.ageBand))::text[], \(c.map { $0.homeCommune ?? "" })::text[],
                \(c.map(\.paidUSD))::numeric[], \(c.map(\.claimedUSD))::numeric[],
                \(identities.map(\.0))::int[], \(identities.map(\.1.fullName))::text[], \(identities.map(\.1.idCard))::text[],
                \(identities.map(\.1.phone))::text[], \(identities.map(\.1.address))::text[],
                \(docN)::int[], \(docKind)::text[],
                \(e.map(\.kind))::text[], \(e.map(\.description))::text[], \(e.map { $0.sha256 ?? "" })::text[],
                \(timers.map(\.kind))::text[], \(timers.map { $0.fires.description })::date[], \(timers.map(\.rule))::text[],
                \(eventDetail), \(auditArguments), \(auditDetail), \(reply))
            """
    }

    static func outcome(_ rows: PostgresRowSequence) async throws -> Outcome {
        for try await (outcome, id, reply) in rows.decode((String, String?, String?).self) {
            switch outcome {
            case "filed": return .filed(id: id ?? "", reply: reply ?? "")
            case "replay": return .replay(reply: reply ?? "")
            default: return .conflict
            }
        }
        throw StoreError.internalError("file_complaint returned nothing")
    }
}

extension Store {
    /// Files in one round trip and one commit.
    public func fileInOneStatement(_ f: OneStatementFiling) async throws -> OneStatementFiling.Outcome {
        try await autocommit { conn in try await OneStatementFiling.outcome(try await conn.query(f.query, logger: self.logger)) }
    }
}

extension Transaction {
    /// The same filing inside a transaction (a dry run rolls it back).
    public func fileInOneStatement(_ f: OneStatementFiling) async throws -> OneStatementFiling.Outcome {
        try await OneStatementFiling.outcome(try await query(f.query))
    }
}
