import AdminProtocol
import Logging
import RegistryDomain
import RegistryStore

/// What a handler gets besides its invocation: who is calling, and the daemon's shared parts.
public struct CommandContext: Sendable {
    public var identity: SessionIdentity
    public var actor: ActorContext
    public var services: AdminServices
    public var logger: Logger
}

/// A command: its declarative spec and the handler that runs once the dispatcher has checked
/// existence, arguments, capability and listener ceiling.
public struct Command: Sendable {
    public var spec: CommandSpec
    public var run: @Sendable (Invocation, CommandContext) async throws -> Reply

    public init(_ spec: CommandSpec, run: @escaping @Sendable (Invocation, CommandContext) async throws -> Reply) {
        self.spec = spec
        self.run = run
    }
}
