/// What a command needs the caller to be allowed to do (design-anchors §2.4.12).
///
/// Roles are sets of capabilities; listeners cap them (effective = roles ∩ ceiling); scope by province
/// and commune is applied by the store on top.
public enum Capability: String, CaseIterable, Hashable, Sendable {
    case ruleRead = "rule.read"
    case calendarRead = "calendar.read"
    case staffAdmin = "staff.admin"
    case auditRead = "audit.read"
    case systemStatus = "system.status"
    case agencyRead = "agency.read"
    case agencyWrite = "agency.write"
    case licenceDecide = "licence.decide"
    case verify = "verify"
    case inspectionWrite = "inspection.write"
    case complaintFile = "complaint.file"
    case complaintRead = "complaint.read"
    case complaintHandle = "complaint.handle"
    case victimRead = "victim.read"
    case timerRead = "timer.read"
    case timerControl = "timer.control"
}
