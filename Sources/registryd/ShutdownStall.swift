import Logging
import ServiceLifecycle

/// Test failpoint `shutdown.stall` (honoured only with `testing.clock`): a service that ignores both
/// graceful shutdown and cancellation, as a service stuck on a wait that never completes would. The
/// daemon must still end within its shutdown bounds (`Serve.run`).
struct ShutdownStall: Service {
    let logger: Logger

    func run() async throws {
        logger.warning("testing.failpoint=shutdown.stall: one service will not stop")
        // Never resumed, and not cancellable.
        await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
    }
}
