import NIOConcurrencyHelpers
import RegistryDomain
import RegistryStore

/// Counts hotline lookups per verdict in memory; the timer service adds them to `verify_stats`.
/// Lookups are counted, never logged with what was asked or who asked.
public final class VerifyCounter: Sendable {
    private let counts = NIOLockedValueBox([String: Int]())

    public init() {}

    func count(_ verdict: Verdict) {
        counts.withLockedValue { $0[verdict.rawValue, default: 0] += 1 }
    }

    /// Takes the pending counts (to be written); they are put back if the write fails.
    func drain() -> [String: Int] {
        counts.withLockedValue { c in
            defer { c.removeAll() }
            return c
        }
    }

    func restore(_ pending: [String: Int]) {
        counts.withLockedValue { c in for (k, v) in pending { c[k, default: 0] += v } }
    }

    var pending: [String: Int] { counts.withLockedValue { $0 } }
}
