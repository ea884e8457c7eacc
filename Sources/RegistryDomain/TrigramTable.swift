/// A read-only hash table from trigram to a small number, laid out for lookups in cold memory.
///
/// Key and value share one entry, so a lookup usually costs one cache miss; a Swift `Dictionary`
/// keeps occupancy, keys and values in separate arrays (three). A hotline name lookup probes about
/// sixty trigrams across its indexes, after the thread slept and its caches went to other work, and
/// those misses were the largest part of the search (measured in the daemon under load).
/// Open addressing with linear probing, at most half full.
struct TrigramTable: Sendable {
    private struct Entry {
        var key: UInt64
        /// The value plus one; zero marks an empty entry (so every key, zero included, is storable).
        var stored: UInt32
    }

    private var entries: [Entry]
    private var mask: Int

    /// A table holding `pairs`; a repeated key keeps its last value.
    init(_ pairs: some Collection<(key: UInt64, value: UInt32)>) {
        var capacity = 16
        while capacity < pairs.count * 2 { capacity <<= 1 }
        entries = Array(repeating: Entry(key: 0, stored: 0), count: capacity)
        mask = capacity - 1
        for (key, value) in pairs {
            precondition(value < UInt32.max, "value out of range")
            var i = Self.home(key, mask)
            while entries[i].stored != 0, entries[i].key != key { i = (i + 1) & mask }
            entries[i] = Entry(key: key, stored: value + 1)
        }
    }

    init() { self.init([(key: UInt64, value: UInt32)]()) }

    /// The value stored for `key`, if any.
    @inline(__always)
    func value(_ key: UInt64) -> UInt32? {
        entries.withUnsafeBufferPointer { e in
            var i = Self.home(key, mask)
            while true {
                let entry = e[i]
                if entry.stored == 0 { return nil }
                if entry.key == key { return entry.stored - 1 }
                i = (i + 1) & mask
            }
        }
    }

    /// Trigram hashes vary mostly in their high bits: mix before taking the low ones.
    @inline(__always)
    private static func home(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 29) & mask
    }
}
