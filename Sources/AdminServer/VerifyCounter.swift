import Synchronization
import RegistryDomain
import RegistryStore

/// Counts hotline lookups per verdict in memory; the timer service adds them to `verify_stats`.
/// Lookups are counted, never logged with what was asked or who asked.
///
/// One atomic per verdict rather than a locked dictionary: every lookup counts, from every event loop.
public final class VerifyCounter: Sendable {
    private final class Slot: Sendable {
        let n = Atomic<Int>(0)
    }

    private let slots: [Slot] = Verdict.allCases.map { _ in Slot() }

    public init() {}

    /// Each verdict's slot number, built once: `allCases` makes a new array at every use, and this runs
    /// on every lookup.
    private static let numbers = Dictionary(uniqueKeysWithValues: Verdict.allCases.enumerated().map { ($1, $0) })

    private func slot(_ verdict: Verdict) -> Slot {
        slots[Self.numbers[verdict]!]
    }

    func count(_ verdict: Verdict) {
        slot(verdict).n.add(1, ordering: .relaxed)
    }

    /// Takes the pending counts (to be written); they are put back if the write fails.
    func drain() -> [String: Int] {
        var out: [String: Int] = [:]
        for (verdict, slot) in zip(Verdict.allCases, slots) {
            let n = slot.n.exchange(0, ordering: .relaxed)
            if n > 0 { out[verdict.rawValue] = n }
        }
        return out
    }

    func restore(_ pending: [String: Int]) {
        for (verdict, slot) in zip(Verdict.allCases, slots) {
            if let n = pending[verdict.rawValue] { slot.n.add(n, ordering: .relaxed) }
        }
    }

    var pending: [String: Int] {
        var out: [String: Int] = [:]
        for (verdict, slot) in zip(Verdict.allCases, slots) {
            let n = slot.n.load(ordering: .relaxed)
            if n > 0 { out[verdict.rawValue] = n }
        }
        return out
    }
}
