/// A staff account: the identity a peer uid resolves to.
public struct StaffAccount: Sendable, Hashable {
    public var id: String
    public var uid: Int?
    public var name: String
    public var roles: [String]
    public var provinces: [String]
    public var communes: [String]
    public var enabled: Bool
    /// The embedded default's all-roles account for the OS user who started the daemon.
    public var development: Bool

    public init(id: String, uid: Int?, name: String, roles: [String], provinces: [String] = [], communes: [String] = [],
                enabled: Bool = true, development: Bool = false) {
        self.id = id
        self.uid = uid
        self.name = name
        self.roles = roles
        self.provinces = provinces
        self.communes = communes
        self.enabled = enabled
        self.development = development
    }
}
