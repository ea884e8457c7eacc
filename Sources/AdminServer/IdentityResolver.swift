import AdminProtocol
import Logging
import RegistryDomain
import RegistryStore

/// Peer uid → staff account → roles and scope, capped by the listener's ceiling.
struct IdentityResolver: Sendable {
    let store: Store
    let logger: Logger

    /// The session identity of `account` (nil: unknown uid, only no-auth commands run).
    func identity(for account: StaffAccount?, uid: Int, listener: ListenerConfiguration) -> SessionIdentity {
        guard let account else { return SessionIdentity(principal: nil, uid: uid, listener: listener.name) }
        let roles = account.roles.compactMap(Role.init(rawValue:))
        let effective = Role.capabilities(of: roles).intersection(listener.ceiling.capabilities)
        return SessionIdentity(principal: "staff:" + account.id, uid: uid, roles: account.roles,
                               capabilities: Set(effective.map(\.rawValue)), listener: listener.name,
                               provinces: account.provinces, communes: account.communes)
    }
}
