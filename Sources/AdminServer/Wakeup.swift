import NIOConcurrencyHelpers

/// A sleep that another task can cut short: the timer service waits for its next round on one, and a
/// kick (the test clock moved) wakes it at once.
///
/// Replaces waking every 20 ms to look at a flag, which cost an idle daemon fifty thread wake-ups a
/// second for nothing. A signal that arrives while nobody waits is kept, so the next wait returns at
/// once; one arriving just as a wait times out is satisfied by the round that follows anyway.
final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var sleeper: Task<Void, Never>?
    }

    private let state = NIOLockedValueBox(State())

    /// Returns after `duration`, on `signal()`, or when the calling task is cancelled.
    func wait(for duration: Duration) async {
        let sleeper = Task { _ = try? await Task.sleep(for: duration) }
        state.withLockedValue { s in
            if s.pending {
                s.pending = false
                sleeper.cancel()
            } else {
                s.sleeper = sleeper
            }
        }
        await withTaskCancellationHandler { await sleeper.value } onCancel: { sleeper.cancel() }
        state.withLockedValue { $0.sleeper = nil }
    }

    /// Ends the current wait, or the next one if nobody waits.
    func signal() {
        state.withLockedValue { s in
            if let sleeper = s.sleeper { sleeper.cancel() } else { s.pending = true }
        }
    }
}
