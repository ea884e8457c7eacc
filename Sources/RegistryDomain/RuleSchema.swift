/// The parameters the code knows: names and types, never values. Values live in `Config/rulebook.conf`.
public enum RuleSchema {
    /// The type a parameter's value must have.
    public enum Kind: Hashable, Sendable {
        case integer
        case nullableInteger
        case boolean
        case text
        case oneOf([String])
        /// Comma-separated weekday names (`Mon,Tue,…`).
        case weekdays

        var name: String {
            switch self {
            case .integer: return "integer"
            case .nullableInteger: return "integer or null"
            case .boolean: return "true or false"
            case .text: return "quoted text"
            case .oneOf(let words): return words.joined(separator: " or ")
            case .weekdays: return "weekday list such as Mon,Tue,Wed,Thu,Fri"
            }
        }
    }

    /// A known parameter. A `family` entry (`pdot.min_hours.*`) admits any number of keys below its prefix.
    public struct Entry: Hashable, Sendable {
        public var key: String
        public var kind: Kind
        public var family: Bool

        init(_ key: String, _ kind: Kind, family: Bool = false) {
            self.key = key
            self.kind = kind
            self.family = family
        }
    }

    /// Every parameter of legal-rules §11 (plus PRA-14's review SLA). Non-family entries are required.
    public static let entries: [Entry] = [
        Entry("worker.min_age_years", .integer),
        Entry("worker.min_age_by_destination", .integer, family: true),
        Entry("worker.max_age_by_destination", .integer, family: true),
        Entry("deposit.required_usd", .integer),
        Entry("deposit.custodian", .text),
        Entry("deposit.topup_deadline_days", .integer),
        Entry("deposit.draw_enabled", .boolean),
        Entry("licence.validity_months", .integer),
        Entry("licence.renewal_deadline_days_before_expiry", .integer),
        Entry("licence.renewal_window_opens_days", .integer),
        Entry("licence.grace_after_expiry_days", .integer),
        Entry("licence.min_capital_usd", .nullableInteger),
        Entry("licence.fee", .nullableInteger),
        Entry("licence.review_sla_days", .integer),
        Entry("provincial_registration.required", .boolean),
        Entry("recruitment.provincial_notice_required", .boolean),
        Entry("recruitment.medical_check_required", .boolean),
        Entry("pdot.min_hours", .integer),
        Entry("pdot.min_hours", .text, family: true),
        Entry("pdot.min_days", .integer, family: true),
        Entry("deployment.max_wait_days", .integer),
        Entry("refund.deadline_days", .integer),
        Entry("documents.return_on_request_days", .integer),
        Entry("training_centre.max_residence_days_alert", .integer),
        Entry("complaint.forward_days", .integer),
        Entry("complaint.ack_days", .integer),
        Entry("complaint.first_action_days", .integer),
        Entry("complaint.day_basis", .oneOf(["calendar", "working"])),
        Entry("complaint.conciliation_meeting_days", .integer),
        Entry("complaint.party_default_grace_working_days", .integer),
        Entry("complaint.l1_settle_days", .integer),
        Entry("complaint.l2_settle_days", .integer),
        Entry("complaint.compensation_payment_days", .integer),
        Entry("complaint.court_filing_window_days", .integer),
        Entry("inspection.regular_per_licence_per_year", .integer),
        Entry("inspection.complaint_triggered_within_days", .integer),
        Entry("inspection.report_due_days", .integer),
        Entry("inspection.corrective_action_days", .integer),
        Entry("inspection.followup_within_days", .integer),
        Entry("ranking.indicator_scale", .text),
        Entry("sanction.recruitment_suspension_days", .integer),
        Entry("sanction.response_days", .integer),
        Entry("sanction.revocation_repeat_count", .integer),
        Entry("sanction.repeat_window_months", .integer),
        Entry("sanction.relicensing_bar_years", .integer),
        Entry("sanction.fine_enabled", .boolean),
        Entry("onsite.status_report_interval_days", .integer),
        Entry("onsite.workplace_report_interval_days", .integer),
        Entry("onsite.incident_report_days", .integer),
        Entry("repatriation.start_days", .integer),
        Entry("fees.cap_usd", .nullableInteger),
        Entry("calendar.working_days", .weekdays),
    ]

    /// The schema entry that governs `key`: an exact entry, or a family whose prefix `key` extends.
    public static func entry(for key: String) -> Entry? {
        if let exact = entries.first(where: { !$0.family && $0.key == key }) { return exact }
        return entries.first { $0.family && key.hasPrefix($0.key + ".") && key.count > $0.key.count + 1 }
    }

    /// Keys every rulebook must define.
    public static var requiredKeys: [String] { entries.filter { !$0.family }.map(\.key) }

    static let weekdayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
}
