import AdminProtocol
import RegistryDomain

/// One admin socket: a path, the ceiling of what any caller may do through it, and its limits.
public struct ListenerConfiguration: Sendable, Hashable {
    public var name: String
    public var path: String
    public var ceiling: ListenerCeiling
    public var limits: ProtocolLimits
    /// Socket file mode (0660: owner and group may connect).
    public var mode: Int = 0o660
    /// Most simultaneous connections on this listener.
    public var maxConnections: Int = 64
    /// Most simultaneous connections per peer uid.
    public var maxConnectionsPerUID: Int = 32

    public init(name: String, path: String, ceiling: ListenerCeiling, limits: ProtocolLimits = ProtocolLimits()) {
        self.name = name
        self.path = path
        self.ceiling = ceiling
        self.limits = limits
    }
}
