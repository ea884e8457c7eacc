import AdminProtocol
import RegistryDomain
import RegistryStore

/// Complaint statistics in the shape the ministry publishes (C-4: "493 persons, of whom 187 female, in
/// 2017"): persons and female persons per year, by sex, category, level, outcome and destination.
/// Counted within the caller's scope, so a province sees its own figures.
enum ComplaintStatsCommand {
    static let all: [Command] = [stats]

    static let dimensions = ["sex", "category", "level", "outcome", "destination"]

    static let stats = Command(CommandSpec(
        "stats.complaints", summary: "persons and female persons in complaints received in a year, by sex, category, level, outcome, destination",
        fields: [ParameterSpec("year", .integer(2000...2100), required: true),
                 ParameterSpec("by", .oneOf(dimensions), "one dimension only (default all)")],
        capability: Capability.complaintRead.rawValue, shape: .table
    )) { inv, ctx in
        let year = Int(inv.field("year")!)!
        let wanted = inv.field("by").map { [$0] } ?? dimensions
        let (total, rows) = try await ctx.read { tx -> ((Int, Int, Int), [[Field]]) in
            let t = try await tx.complaintStats(year: year, dimension: "total").first
            var out: [[Field]] = []
            for d in wanted {
                for r in try await tx.complaintStats(year: year, dimension: d) {
                    out.append([Field("dimension", d), Field("value", r.value), Field("persons", String(r.persons)),
                                Field("female", String(r.female)), Field("cases", String(r.cases))])
                }
            }
            return ((t?.persons ?? 0, t?.female ?? 0, t?.cases ?? 0), out)
        }
        return Reply(.ok, data: .table(rows), fields: [Field("year", String(year)), Field("persons", String(total.0)),
                                                        Field("female", String(total.1)), Field("cases", String(total.2))])
    }
}
