/// Who is on the other end of a connection, as the server resolved it at accept time.
public struct SessionIdentity: Hashable, Sendable {
    /// `staff:<id>` for a known account; nil when the peer uid maps to no (enabled) account.
    public var principal: String?
    /// Peer uid from `SO_PEERCRED`.
    public var uid: Int?
    /// Roles of the account.
    public var roles: [String]
    /// Effective capabilities: the roles' capabilities intersected with the listener's ceiling.
    public var capabilities: Set<String>
    /// Listener name (`admin`, `staff`, `readonly`).
    public var listener: String
    /// Province codes the account is scoped to (empty: no provincial limit).
    public var provinces: [String]
    /// Commune codes the account is scoped to (empty: no commune limit).
    public var communes: [String]

    public init(
        principal: String?, uid: Int?, roles: [String] = [], capabilities: Set<String> = [], listener: String,
        provinces: [String] = [], communes: [String] = []
    ) {
        self.principal = principal
        self.uid = uid
        self.roles = roles
        self.capabilities = capabilities
        self.listener = listener
        self.provinces = provinces
        self.communes = communes
    }
}
