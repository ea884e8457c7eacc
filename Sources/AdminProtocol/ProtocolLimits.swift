/// Limits and timeouts of one listener (design-anchors §2.4.11). All sizes are bytes on the wire.
public struct ProtocolLimits: Hashable, Sendable {
    /// Longest command line including its LF.
    public var maxLineBytes = 8 * 1024
    /// Most arguments one command may carry.
    public var maxArguments = 64
    /// Largest heredoc payload.
    public var maxPayloadBytes = 64 * 1024
    /// Most heredoc lines.
    public var maxPayloadLines = 1_000
    /// Seconds a partial line (no LF yet) may wait.
    public var partialLineTimeoutSeconds = 10
    /// Seconds of silence between commands before the server closes.
    public var idleTimeoutSeconds = 120
    /// Idle timeout in prompt mode (a person is typing).
    public var promptIdleTimeoutSeconds = 600
    /// Parsed commands waiting per connection before the server stops reading.
    public var maxQueuedCommands = 64
    /// 5xx replies per session before `421 CLOSING reason=too_many_errors`.
    public var maxErrors = 20
    /// Default command deadline in seconds.
    public var commandDeadlineSeconds = 10

    public init() {}
}
