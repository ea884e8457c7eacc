import Foundation
import RegistryDomain

/// In-process cost of a hotline name lookup's search part, with no socket or daemon around it: the
/// canonical key, its trigrams and a `TrigramIndex` search over the same 10,000 names as the verify
/// figures. "cold" flushes the caches between lookups (an 8 MB walk), as other work does in the daemon
/// between two lookups; "warm" repeats the lookup back to back. Baseline in the same run: a Swift
/// `Dictionary` lookup of the licence number, what a lookup by licence does instead.
enum SearchBench {
    static func run(seconds: Double) {
        var en = TrigramIndex(), km = TrigramIndex()
        for i in 1...10_000 {
            en.append(Trigrams.of("bench \(i) manpower"))
            km.append(Trigrams.of(NameKey.make("ក្រុមហ៊ុន បេញ \(i)")))
        }
        en.seal()
        km.seal()
        var licences: [String: Int] = [:]
        for i in 1...10_000 { licences["L-2024-\(i)-\(i % 10)"] = i }
        let scratch = TrigramIndex.Scratch()
        let query = "Bench 4711 Manpowr"
        var flush = [UInt8](repeating: 1, count: 8 << 20)
        var sink = 0

        func search() {
            let key = NameKey.make(query)
            let q = Trigrams.distinct(of: key)
            en.search(q, limit: 6, threshold: Trigrams.threshold, scratch: scratch) { slot, _ in sink &+= slot }
            km.search(q, limit: 6, threshold: Trigrams.threshold, scratch: scratch) { slot, _ in sink &+= slot }
        }
        func licence() { sink &+= licences["L-2024-4711-1"] ?? 0 }
        func measure(cold: Bool, _ body: () -> Void) -> Double {
            var total: UInt64 = 0, n = 0
            let end = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
            while DispatchTime.now().uptimeNanoseconds < end {
                if cold { for i in stride(from: 0, to: flush.count, by: 64) { flush[i] &+= 1 } }
                let t0 = DispatchTime.now().uptimeNanoseconds
                body()
                total += DispatchTime.now().uptimeNanoseconds - t0
                n += 1
            }
            return Double(total) / Double(max(1, n))
        }
        print("")
        print("in-process name search over 10,000 names (ns per lookup; baseline: Dictionary lookup of a licence number)")
        for cold in [false, true] {
            let ours = measure(cold: cold, search)
            let base = measure(cold: cold, licence)
            print("  \(cold ? "cold" : "warm"): key + trigrams + search \(Int(ours)) ns, licence lookup \(Int(base)) ns, ratio \(String(format: "%.1f", ours / base))")
        }
        if sink == 42 { print("") }  // keeps the work observable
    }
}
