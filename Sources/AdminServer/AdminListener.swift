import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// One admin socket as a `Service`: binds the path (0660 in a 0750 folder), serves connections, and on
/// graceful shutdown stops accepting, lets running commands finish, answers queued ones with
/// `421 CLOSING reason=shutdown` and waits for connections to close.
public final class AdminListener: Service, Sendable {
    public let configuration: ListenerConfiguration
    private let services: AdminServices
    private let logger: Logger
    private let group: any EventLoopGroup
    private let registry = ConnectionRegistry()

    public init(configuration: ListenerConfiguration, services: AdminServices, logger: Logger,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.services = services
        self.logger = logger
        self.group = group
    }

    /// Why the listener could not take its socket path (said at start-up, before anything is served).
    public enum Failure: Error, CustomStringConvertible {
        case pathInUse(String)
        public var description: String {
            switch self {
            case .pathInUse(let why): return why
            }
        }
    }

    /// Prepares the socket's folder and refuses a path that holds a symlink, a regular file, or the
    /// socket of a daemon still listening there (a second registryd started on the same folders would
    /// otherwise take over the first one's sockets, and the first, when stopped, remove the second's).
    static func preparePath(_ path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        let fm = FileManager.default
        if !fm.fileExists(atPath: dir) {
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        }
        var info = stat()
        if lstat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFSOCK:
                if isListening(path) { throw Failure.pathInUse("another process is listening on \(path); refusing to take it over") }
                try fm.removeItem(atPath: path)  // stale socket of a previous run
            default: throw Failure.pathInUse("\(path) exists and is not a socket; refusing to replace it")
            }
        }
    }

    /// Whether a process accepts connections on the socket at `path` (a stale one refuses them).
    static func isListening(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return result == 0
    }

    /// The socket file's identity, so that shutdown removes only the file this listener bound.
    private static func identity(_ path: String) -> (dev_t, ino_t)? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return (info.st_dev, info.st_ino)
    }

    public func run() async throws {
        try Self.preparePath(configuration.path)
        let services = self.services
        let registry = self.registry
        let configuration = self.configuration
        let logger = self.logger
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = AdminConnectionHandler(listener: configuration, services: services, registry: registry, logger: logger)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .bind(unixDomainSocketPath: configuration.path).get()
        chmod(configuration.path, mode_t(configuration.mode))
        let bound = Self.identity(configuration.path)
        logger.notice("admin socket listening", metadata: ["listener": "\(configuration.name)", "path": "\(configuration.path)",
                                                           "ceiling": "\(configuration.ceiling.rawValue)"])
        // closeFuture ignores task cancellation, so cancellation must close the channel too.
        try? await withTaskCancellationOrGracefulShutdownHandler {
            try await server.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            server.close(promise: nil)
        }
        await drainConnections()
        // Only our own socket file: never one another process bound at this path since.
        if let bound, let now = Self.identity(configuration.path), now == bound { unlink(configuration.path) }
        logger.info("admin socket closed", metadata: ["listener": "\(configuration.name)"])
    }

    private func drainConnections() async {
        for channel in registry.all {
            channel.eventLoop.execute {
                if let handler = try? channel.pipeline.syncOperations.handler(type: AdminConnectionHandler.self) {
                    handler.shutdown()
                }
            }
        }
        // Running commands get up to their deadline to finish.
        let deadline = ContinuousClock.now + .seconds(configuration.limits.commandDeadlineSeconds + 5)
        while registry.count > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for channel in registry.all { channel.close(promise: nil) }
    }
}
