/// One line of the audit trail: who ran what, through which listener, with which result.
/// Arguments are the redacted request words: sensitive values never reach the table.
public struct AuditEntry: Sendable, Hashable {
    public var command: String
    public var arguments: String
    public var code: Int
    public var status: String
    /// Ids of objects created or changed, or a refusal reason; never personal data.
    public var detail: String

    public init(command: String, arguments: String, code: Int, status: String, detail: String = "") {
        self.command = command
        self.arguments = arguments
        self.code = code
        self.status = status
        self.detail = detail
    }
}

/// A stored audit entry, as `audit.tail` shows it.
public struct AuditRecord: Sendable, Hashable {
    public var seq: Int64
    public var at: String
    public var actor: String
    public var listener: String
    public var peerUID: Int?
    public var command: String
    public var arguments: String
    public var code: Int
    public var status: String
    public var detail: String
    public var hash: String
}

/// Result of walking the chain.
public struct AuditVerification: Sendable, Hashable {
    public var checked: Int64
    public var firstBad: Int64?
    public var headOK: Bool
}
