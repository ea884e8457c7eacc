import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// `struct ucred` of Linux: Glibc only exposes it under `_GNU_SOURCE`, so the layout is declared here.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0

    /// `SO_PEERCRED` on Linux.
    static let option = SocketOptionName(17)

    /// Reads the peer's credentials once, at accept (they are those of the `connect()` call).
    static func read(from channel: any Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
        return provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: option)
    }
}
