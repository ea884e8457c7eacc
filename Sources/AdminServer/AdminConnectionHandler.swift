import AdminProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import RegistryStore

/// The thin I/O shell of one admin connection: frames bytes into lines, queues them, feeds them one at a
/// time to the pure `SessionStateMachine`, executes its actions, and runs handlers off the event loop.
///
/// Commands run strictly one after another in arrival order. Built-ins (`ping`, `hello`, `help`…) are
/// answered on the event loop without a hop, which keeps the hot path at Redis-like speed. At most
/// `maxQueuedCommands` lines wait; beyond that the handler stops reading (back-pressure, not errors).
final class AdminConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let listener: ListenerConfiguration
    private let services: AdminServices
    private let registry: ConnectionRegistry
    private var logger: Logger
    private var machine: SessionStateMachine?
    private var pendingBytes: ByteBuffer?
    private var discarding = false
    private var queue = CircularBuffer<SessionStateMachine.Event>(initialCapacity: 8)
    private var busy = true  // until the identity is resolved
    private var inputClosed = false
    private var readHeld = false
    private var closed = false
    private var shuttingDown = false
    private var identityFailed = false
    private var partialTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?
    /// Last time a line arrived or a command finished; the idle timer checks it instead of being
    /// rescheduled on every command (that cost showed up on the ping path).
    private var lastActivity = NIODeadline.now()
    private var context: ChannelHandlerContext?
    private var peerUID: Int?
    /// True while `drain` runs: an inline command finishing inside it must not start a nested drain.
    private var draining = false

    init(listener: ListenerConfiguration, services: AdminServices, registry: ConnectionRegistry, logger: Logger) {
        self.listener = listener
        self.services = services
        self.registry = registry
        self.logger = logger
    }

    // MARK: - Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        let loop = context.eventLoop
        let bound = NIOLoopBound(self, eventLoop: loop)
        let channel = context.channel
        PeerCredentials.read(from: channel).whenComplete { result in
            let uid: Int? = (try? result.get()).map { Int($0.uid) }
            bound.value.peerUID = uid
            guard bound.value.registry.admit(channel, uid: uid, listener: bound.value.listener) else {
                bound.value.logger.warning("connection limit reached", metadata: ["listener": "\(bound.value.listener.name)"])
                channel.close(promise: nil)
                return
            }
            bound.value.resolveIdentity(uid: uid)
        }
        context.fireChannelActive()
    }

    private func resolveIdentity(uid: Int?) {
        guard let loop = context?.eventLoop else { return }
        let bound = NIOLoopBound(self, eventLoop: loop)
        let resolver = IdentityResolver(store: services.store, logger: logger)
        let listener = self.listener
        Task {
            let (identity, failed) = await resolver.resolveReportingFailure(uid: uid, listener: listener)
            loop.execute {
                let handler = bound.value
                handler.identityFailed = failed
                if handler.machine == nil {
                    handler.machine = SessionStateMachine(specs: handler.services.table.specs, identity: identity,
                                                          limits: handler.listener.limits, server: handler.services.serverName)
                } else {
                    handler.machine?.reidentify(identity)
                }
                handler.cachedContext = nil
                handler.busy = false
                handler.drain()
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        partialTimer?.cancel()
        idleTimer?.cancel()
        registry.remove(context.channel, uid: peerUID)
        context.fireChannelInactive()
    }

    // MARK: - Input

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard !discarding, !closed else { return }
        lastActivity = .now()
        if var pending = pendingBytes {
            pending.writeBuffer(&bytes)
            bytes = pending
            pendingBytes = nil
        }
        let max = listener.limits.maxLineBytes
        while let newline = bytes.readableBytesView.firstIndex(of: 0x0A) {
            let length = newline - bytes.readerIndex
            if length + 1 > max {
                enqueueTooLong()
                return
            }
            let line = bytes.readBytes(length: length)!
            bytes.moveReaderIndex(forwardBy: 1)
            queue.append(.line(line))
        }
        if bytes.readableBytes > 0 {
            if bytes.readableBytes >= max {
                enqueueTooLong()
                return
            }
            bytes.discardReadBytes()
            pendingBytes = bytes
            if partialTimer == nil { schedulePartialTimer() }
        } else {
            partialTimer?.cancel()
            partialTimer = nil
        }
        drain()
    }

    private func enqueueTooLong() {
        discarding = true
        pendingBytes = nil
        partialTimer?.cancel()
        queue.append(.lineTooLong)
        drain()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            inputClosed = true
            // A last line without LF still counts (printf 'ping' | socat …).
            if let rest = pendingBytes, rest.readableBytes > 0, !discarding {
                queue.append(.line(Array(rest.readableBytesView)))
            }
            pendingBytes = nil
            partialTimer?.cancel()
            drain()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: - Back-pressure

    func read(context: ChannelHandlerContext) {
        if queue.count >= listener.limits.maxQueuedCommands {
            readHeld = true
            return
        }
        context.read()
    }

    private func releaseReadIfNeeded() {
        if readHeld, queue.count < listener.limits.maxQueuedCommands, let context {
            readHeld = false
            context.read()
        }
    }

    // MARK: - The loop

    /// Feeds queued events to the machine while no command is running.
    private func drain() {
        guard let context, !closed, !draining else { return }
        draining = true
        defer { draining = false }
        var wrote = false
        while !busy, !closed, self.machine != nil {
            let event: SessionStateMachine.Event
            if shuttingDown {
                queue.removeAll()
                event = .shutdown
            } else if let next = queue.popFirst() {
                event = next
            } else if inputClosed {
                event = .inputClosed
            } else {
                break
            }
            let actions = self.machine!.handle(event)
            wrote = perform(actions, context: context) || wrote
        }
        if wrote { context.flush() }
        releaseReadIfNeeded()
        if idleTimer == nil, !closed, let machine {
            scheduleIdleTimer(in: .seconds(Int64(machine.idleTimeoutSeconds)))
        }
    }

    /// Executes actions; returns true when something was written.
    private func perform(_ actions: [SessionStateMachine.Action], context: ChannelHandlerContext) -> Bool {
        var wrote = false
        for action in actions {
            switch action {
            case .write(let output):
                context.write(wrapOutboundOut(ByteBuffer(bytes: output.bytes)), promise: nil)
                wrote = true
            case .execute(let invocation, let pending):
                busy = true
                run(invocation, pending, context: context)
            case .refuse(let reply, let pending):
                busy = true
                refuse(reply, pending, context: context)
            case .close:
                closed = true
                // Close only after every reply written so far has reached the socket.
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(ByteBuffer())).whenComplete { _ in channel.close(promise: nil) }
            case .closeSilently:
                // No reply to the HTTP-looking line; replies to earlier commands still go out.
                closed = true
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(ByteBuffer())).whenComplete { _ in channel.close(promise: nil) }
            }
        }
        return wrote
    }

    /// Built once per identity: every command of the connection runs with it. Dropped where the
    /// identity is set (`resolveIdentity`) rather than compared on every command.
    private var cachedContext: CommandContext?

    private func commandContext() -> CommandContext {
        if let cachedContext { return cachedContext }
        let context = makeCommandContext()
        cachedContext = context
        return context
    }

    private func makeCommandContext() -> CommandContext {
        let identity = machine!.identity
        let actor = ActorContext(actor: identity.principal.map { String($0.dropFirst("staff:".count)) } ?? "uid:\(peerUID ?? -1)",
                                 listener: listener.name, peerUID: peerUID,
                                 provinces: identity.provinces, communes: identity.communes)
        return CommandContext(identity: identity, actor: actor, services: services, logger: logger)
    }

    private func run(_ invocation: Invocation, _ pending: SessionStateMachine.Pending, context: ChannelHandlerContext) {
        guard let command = services.table.commands[invocation.command] else {
            finish(pending, Reply.final(.notImplemented, Field("command", invocation.command)))
            return
        }
        let ctx = commandContext()
        if let inline = command.inline, let reply = inline(invocation, ctx) {
            finish(pending, reply)
            return
        }
        let loop = context.eventLoop
        let bound = NIOLoopBound(self, eventLoop: loop)
        let logger = self.logger
        Task {
            let reply: Reply
            do {
                reply = try await command.run(invocation, ctx)
            } catch {
                reply = ErrorReply.reply(for: error, command: invocation.command, logger: logger)
                // A refusal by a mutating command is still a decision worth a trail.
                if pending.mutating, !(reply.code.isTransient) {
                    try? await ctx.services.store.audit(ctx.actor, AuditEntry(
                        command: invocation.command, arguments: pending.words.dropFirst().joined(separator: " "),
                        code: reply.code.code, status: reply.code.status))
                }
            }
            loop.execute { bound.value.finish(pending, reply) }
        }
    }

    /// Records an authentication or authorisation refusal (ASVS 16.3.1–2), then answers.
    private func refuse(_ reply: Reply, _ pending: SessionStateMachine.Pending, context: ChannelHandlerContext) {
        let ctx = commandContext()
        let loop = context.eventLoop
        let bound = NIOLoopBound(self, eventLoop: loop)
        let failedLookup = identityFailed && reply.code == .authRequired
        let uid = peerUID
        Task {
            var answer = reply
            if failedLookup {
                answer = Reply.final(.tempfail, Field("ref", ErrorReply.newRef()), msg: "identity lookup failed: database unavailable, retry")
            } else {
                do {
                    try await ctx.services.store.audit(ctx.actor, AuditEntry(
                        command: pending.command, arguments: pending.words.dropFirst().joined(separator: " "),
                        code: reply.code.code, status: reply.code.status, detail: "refused"))
                } catch {
                    answer = ErrorReply.reply(for: error, command: pending.command, logger: ctx.logger)
                }
            }
            let final = answer
            loop.execute {
                bound.value.finish(pending, final)
                if failedLookup { bound.value.busy = true; bound.value.resolveIdentity(uid: uid) }
            }
        }
    }

    private func finish(_ pending: SessionStateMachine.Pending, _ reply: Reply) {
        guard let context, !closed, self.machine != nil else { return }
        let actions = self.machine!.completed(pending, reply: reply)
        lastActivity = .now()
        busy = false
        if perform(actions, context: context) { context.flush() }
        drain()
    }

    // MARK: - Timers and shutdown

    private func schedulePartialTimer() {
        guard let context else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        partialTimer = context.eventLoop.scheduleTask(in: .seconds(Int64(listener.limits.partialLineTimeoutSeconds))) {
            let handler = bound.value
            handler.partialTimer = nil
            guard !handler.closed, handler.pendingBytes != nil else { return }
            handler.pendingBytes = nil
            handler.discarding = true
            handler.queue.append(.partialLineTimeout)
            handler.drain()
        }
    }

    private func scheduleIdleTimer(in delay: TimeAmount) {
        guard let context else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(in: delay) {
            let handler = bound.value
            handler.idleTimer = nil
            guard !handler.closed, let machine = handler.machine else { return }
            let limit = TimeAmount.seconds(Int64(machine.idleTimeoutSeconds))
            let quietFor = NIODeadline.now() - handler.lastActivity
            if handler.busy || !handler.queue.isEmpty || handler.pendingBytes != nil || quietFor < limit {
                handler.scheduleIdleTimer(in: handler.busy ? limit : max(limit - quietFor, .milliseconds(10)))
                return
            }
            handler.queue.append(.idleTimeout)
            handler.drain()
        }
    }

    /// Server shutdown: the running command finishes, queued ones are dropped, `421 CLOSING reason=shutdown`.
    func shutdown() {
        guard !closed else { return }
        shuttingDown = true
        if machine == nil {
            context?.close(promise: nil)
            return
        }
        drain()
    }
}

extension IdentityResolver {
    /// The last account seen per uid (nil entry: known to have none), for database outages only.
    static let lastKnown = NIOLockedValueBox([Int: (StaffAccount, ContinuousClock.Instant)]())
    static let lastKnownValidity = Duration.seconds(15 * 60)

    /// Like `resolve`, and says whether the database lookup itself failed (as opposed to an unknown uid).
    func resolveReportingFailure(uid: Int?, listener: ListenerConfiguration) async -> (SessionIdentity, Bool) {
        guard let uid else { return (SessionIdentity(principal: nil, uid: nil, listener: listener.name), false) }
        do {
            let account = try await store.staff(uid: uid)
            Self.lastKnown.withLockedValue { known in
                if let account { known[uid] = (account, ContinuousClock.now) } else { known[uid] = nil }
            }
            return (identity(for: account, uid: uid, listener: listener), false)
        } catch {
            // While the database is away, a uid seen recently keeps its identity, so that commands that
            // need no database (rules, calendar, hotline index) still answer; others get 451.
            if let (account, seen) = Self.lastKnown.withLockedValue({ $0[uid] }), seen.duration(to: ContinuousClock.now) < Self.lastKnownValidity {
                logger.warning("identity lookup failed; using the identity seen before", metadata: ["error": "\(error)", "uid": "\(uid)"])
                return (identity(for: account, uid: uid, listener: listener), false)
            }
            logger.warning("identity lookup failed", metadata: ["error": "\(error)"])
            return (SessionIdentity(principal: nil, uid: uid, listener: listener.name), true)
        }
    }
}
