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
    /// An optional synchronous fast path, run on the event loop; nil from it falls back to `run`.
    /// Only for answers that need no database (the hotline index, the rulebook).
    public var inline: (@Sendable (Invocation, CommandContext) -> Reply?)?

    /// A command answered by `run` in a task (it may wait on the database), with an optional `inline`
    /// answer tried first on the event loop.
    public init(_ spec: CommandSpec, inline: (@Sendable (Invocation, CommandContext) -> Reply?)? = nil,
                run: @escaping @Sendable (Invocation, CommandContext) async throws -> Reply) {
        self.spec = spec
        self.inline = inline
        self.run = run
    }

    /// A command answered from memory only (rulebook, calendar): always inline, never a task hop.
    public init(_ spec: CommandSpec, sync: @escaping @Sendable (Invocation, CommandContext) throws -> Reply) {
        self.spec = spec
        self.inline = { inv, ctx in
            do { return try sync(inv, ctx) } catch let e as ReplyError { return e.reply } catch { return nil }
        }
        self.run = { inv, ctx in try sync(inv, ctx) }
    }
}
