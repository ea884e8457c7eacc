import NIOConcurrencyHelpers
import NIOCore

/// Open connections of one listener: enforces the per-listener and per-uid caps and lets shutdown reach
/// every connection.
final class ConnectionRegistry: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var perUID: [Int: Int] = [:]
    }
    private let state = NIOLockedValueBox(State())

    /// Registers a new connection; false when a cap is reached.
    func admit(_ channel: any Channel, uid: Int?, listener: ListenerConfiguration) -> Bool {
        state.withLockedValue { s in
            if s.channels.count >= listener.maxConnections { return false }
            if let uid, s.perUID[uid, default: 0] >= listener.maxConnectionsPerUID { return false }
            s.channels[ObjectIdentifier(channel)] = channel
            if let uid { s.perUID[uid, default: 0] += 1 }
            return true
        }
    }

    func remove(_ channel: any Channel, uid: Int?) {
        state.withLockedValue { s in
            guard s.channels.removeValue(forKey: ObjectIdentifier(channel)) != nil else { return }
            if let uid { s.perUID[uid, default: 1] -= 1 }
        }
    }

    var all: [any Channel] { state.withLockedValue { Array($0.channels.values) } }
    var count: Int { state.withLockedValue { $0.channels.count } }
}
