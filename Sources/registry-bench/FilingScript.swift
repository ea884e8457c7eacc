import Foundation

/// A pgbench script calling `registry.file_complaints` with a batch of filings like the benchmark's
/// `complaint.file` (one complainant holding an ID card, three deadlines): the batch is a JSON literal
/// built once here, so that the database measures the filing, not the building of its JSON; `@K` in
/// keys and references is replaced per call by a random number and the pgbench client id. The deadline
/// dates are sample values of the same shape as the daemon's (the function stores the dates it is
/// given; the rulebook is the daemon's business, not the database's).
enum FilingScript {
    static func text(filings: Int) -> String {
        let today = Date()
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "Asia/Phnom_Penh")
        format.dateFormat = "yyyy-MM-dd"
        func day(_ offset: Int) -> String { format.string(from: today.addingTimeInterval(Double(offset) * 86_400)) }
        let batch = (1...max(1, filings)).map { i in
            """
            {"actor": "S-0001", "listener": "bench", "key": "pgb-@K-\(i)", "command": "complaint.file", "request": "r\(i)", \
            "reference": "R-PGB-@K-\(i)", "level": "L1", "channel": "hotline", "filed_by": "official", "province": "12", \
            "respondent_kind": "unknown", "respondent_note": "", "categories": ["fee_overcharge"], "narrative": "", \
            "received": "\(day(0))", "complainants": [{"sex": "F", "age": "25-34", "paid": "195", "claimed": "195", "holds": ["id_card"]}], \
            "evidence": [], "timers": [{"kind": "complaint.ack", "fires": "\(day(3))", "rule": "CMP-5"}, \
            {"kind": "complaint.first_action", "fires": "\(day(11))", "rule": "CMP-4"}, \
            {"kind": "complaint.settle", "fires": "\(day(31))", "rule": "CMP-10"}], "event_detail": "complainants=1", \
            "audit_arguments": "bench", "audit_detail": "{id}", "reply": "reply {id}"}
            """
        }.joined(separator: ", ")
        return """
            \\set k random(1, 2000000000)
            SELECT count(*) FROM registry.file_complaints('all', '', '', replace('[\(batch)]', '@K', :k || '-' || :client_id)::jsonb);

            """
    }
}
