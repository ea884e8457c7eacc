/// Best trigram matches of a name among many, fast when the names share common words.
///
/// Agency names repeat words ("manpower", "human resources", "recruitment"): a query with such a word
/// shares its trigrams with most names, and counting shared trigrams name by name then touched every
/// name in the registry (measured: 440 µs per lookup over 10,000 agencies called "… Manpower").
/// Here a trigram held by more than half of the names is *dense*: the index keeps the list of names
/// that lack it instead. A query's shared count for a name is then
///
///     dense trigrams of the query − dense ones the name lacks + sparse ones it has,
///
/// and only names on a complement or sparse list ("touched") need counting. Every other name holds
/// all the dense trigrams of the query and nothing else of it, so its similarity depends on its own
/// trigram count alone; the best of them are the shortest, which a size order gives without a scan.
///
/// A trigram held by more than 1 name in 64 but not by half ("  4": every number starting with 4) is
/// also kept as a bitset: names touched by rarer trigrams get its hits by a bit test, and names it
/// alone would touch are looked at only when they could still be among the best.
///
/// A lookup usually touches a few hundred names. It counts them in a small hash table that stays in
/// the first-level cache (per-name marks spread those few hundred writes over every name's memory,
/// cold in the daemon between lookups), and reads a touched name's size from one byte per name; the
/// marks remain for lookups touching more than `smallTally` list entries.
///
/// Similarity is pg_trgm's (`Trigrams.similarity`), computed with the same division, so scores and
/// the threshold test match the database path exactly.
public struct TrigramIndex: Sendable {
    /// trigram → its number in the per-trigram tables below, while appending.
    private var numbers: [UInt64: Int32] = [:]
    /// trigram → number << 2 | kind, for searching (set by `seal()`): one probe per query trigram.
    private var table = TrigramTable()
    /// Per trigram number: slots holding it, ascending (kept for appends).
    private var postings: [[Int32]] = []
    /// What a search reads, set by `seal()`: every trigram's list in one array (slots holding it, or for
    /// a dense trigram the slots lacking it), and where each list starts (one array, so that a lookup
    /// takes no reference to a list of its own).
    private var flat: [Int32] = []
    private var ranges: [ListRange] = []
    /// Per slot, its trigram count and tie-break rank (lower first) side by side: a search reads both
    /// for every name it counts, and one cache line instead of two was measurably faster in the daemon,
    /// where the index is cold.
    private var shapes: [Shape] = []
    /// Per slot, its trigram count in a byte (`UInt8.max`: see `shapes`).
    private var sizes: [UInt8] = []
    /// Slots by (size, rank): the best untouched slots first.
    private var bySize: [Int32] = []
    /// Per common but not dense trigram, a bit per slot holding it (a list longer than n/64 slots is no
    /// smaller than its bits), one after the other (`ListRange.bits` says which).
    private var bitWords: [UInt64] = []
    /// The fewest trigrams any slot has.
    private var minSize = 0
    private var sealed = true

    public init() {}

    /// Number of slots.
    public var count: Int { shapes.count }

    /// Appends a name's trigrams as the next slot; `seal()` before searching again.
    public mutating func append(_ trigrams: Set<UInt64>) {
        let slot = Int32(shapes.count)
        for t in trigrams {
            if let number = numbers[t] {
                postings[Int(number)].append(slot)
            } else {
                numbers[t] = Int32(postings.count)
                postings.append([slot])
            }
        }
        shapes.append(Shape(size: UInt16(clamping: trigrams.count), rank: slot))
        sealed = false
    }

    /// Sets the tie-break order of every slot (e.g. agency id order).
    public mutating func setRanks(_ newRanks: [Int32]) {
        precondition(newRanks.count == shapes.count, "one rank per slot")
        for (slot, rank) in newRanks.enumerated() { shapes[slot].rank = rank }
        sealed = false
    }

    /// Rebuilds the dense-trigram complements and the size order after appends or new ranks.
    public mutating func seal() {
        guard !sealed else { return }
        let n = shapes.count
        let words = (n + 63) / 64
        var kinds = [Kind](repeating: .sparse, count: postings.count)
        flat = []
        flat.reserveCapacity(postings.reduce(0) { $0 + min($1.count, n - $1.count) })
        ranges = []
        ranges.reserveCapacity(postings.count)
        bitWords = []
        var commons: Int32 = 0
        for (number, list) in postings.enumerated() {
            let start = Int32(flat.count)
            var bits: Int32 = -1
            if list.count * 2 > n {
                var next = 0
                for slot in 0..<Int32(n) {
                    if next < list.count, list[next] == slot { next += 1 } else { flat.append(slot) }
                }
                kinds[number] = .dense
            } else {
                flat += list
                if list.count * 64 > n {
                    bitWords += repeatElement(0, count: words)
                    let base = Int(commons) * words
                    for slot in list { bitWords[base + Int(slot) >> 6] |= 1 << UInt64(slot & 63) }
                    bits = commons
                    commons += 1
                    kinds[number] = .common
                }
            }
            ranges.append(ListRange(start: start, count: Int32(flat.count) - start, bits: bits))
        }
        table = TrigramTable(numbers.map { (key: $0.key, value: UInt32($0.value) << 2 | UInt32(kinds[Int($0.value)].rawValue)) })
        minSize = Int(shapes.lazy.map(\.size).min() ?? 0)
        sizes = shapes.map { UInt8(clamping: $0.size) }
        let shapes = self.shapes
        bySize = (0..<Int32(n)).sorted { a, b in
            let (x, y) = (shapes[Int(a)], shapes[Int(b)])
            return x.size != y.size ? x.size < y.size : x.rank < y.rank
        }
        sealed = true
    }

    /// Where a trigram's list lies in `flat`, and which bits in `bitWords` are its (-1: none).
    private struct ListRange {
        var start: Int32
        var count: Int32
        var bits: Int32
    }

    /// Working memory of `search`, reused from one lookup to the next (a fresh zeroed array per lookup
    /// was 20 KB of cold memory per 10,000 names). One lookup at a time: callers keep one per thread.
    public final class Scratch: @unchecked Sendable {
        /// Per slot: the lookup that last touched it and the slot's place in `touched` then.
        fileprivate var marks = Buffer<Mark>()
        fileprivate var epoch: UInt32 = 0
        /// A small hash table slot → place, for lookups that touch few names.
        fileprivate var table = Buffer<UInt64>()
        /// Touched slots and their counts, by place.
        fileprivate var touched = Buffer<Int32>()
        fileprivate var counts = Buffer<Int32>()
        fileprivate var denseLists: [UnsafeBufferPointer<Int32>] = []
        fileprivate var sparseLists: [UnsafeBufferPointer<Int32>] = []
        fileprivate var longLists: [(UnsafeBufferPointer<Int32>, UnsafeBufferPointer<UInt64>)] = []

        public init() {}

        deinit {
            marks.free()
            table.free()
            touched.free()
            counts.free()
        }

        /// Starts a lookup over `n` slots with marks: a new epoch marks every slot untouched.
        fileprivate func beginMarks(_ n: Int) -> UInt32 {
            if marks.count < n {
                marks.grow(to: n, filling: Mark(epoch: 0, place: 0))
            }
            epoch &+= 1
            if epoch == 0 {
                for i in 0..<marks.count { marks.base[i].epoch = 0 }
                epoch = 1
            }
            return epoch
        }
    }

    /// Memory a `Scratch` owns, without the copy-on-write and exclusivity checks of an array on every
    /// access (they were a measurable part of a search).
    fileprivate struct Buffer<Element> {
        var base = UnsafeMutablePointer<Element>.allocate(capacity: 0)
        var count = 0

        /// At least `n` elements; new ones set to `value` (kept ones keep theirs).
        mutating func grow(to n: Int, filling value: Element) {
            guard n > count else { return }
            let fresh = UnsafeMutablePointer<Element>.allocate(capacity: n)
            fresh.moveInitialize(from: base, count: count)
            (fresh + count).initialize(repeating: value, count: n - count)
            base.deallocate()
            base = fresh
            count = n
        }

        func free() {
            base.deinitialize(count: count)
            base.deallocate()
        }
    }

    fileprivate struct Mark {
        var epoch: UInt32
        var place: Int32
    }

    private struct Shape {
        var size: UInt16
        var rank: Int32
    }

    /// Lookups touching at most this many list entries count them in a hash table that stays in the
    /// first-level cache; larger ones in per-name marks.
    static let smallTally = 1_024

    /// Calls `offer(slot, score)` for the best `limit` slots by (score, rank) that score at least
    /// `threshold`, best first. A caller combining several indexes (one per script) keeps the best of
    /// all offers: a slot missing here is beaten by `limit` others of this index.
    public func search(_ query: Set<UInt64>, limit: Int, threshold: Double, scratch: Scratch = Scratch(),
                       _ offer: (Int, Double) -> Void) {
        search(query: query, limit: limit, threshold: threshold, scratch: scratch, smallTally: Self.smallTally, offer)
    }

    /// The same for `Trigrams.distinct(of:)` (each trigram once), what a lookup uses.
    public func search(_ query: [UInt64], limit: Int, threshold: Double, scratch: Scratch = Scratch(),
                       _ offer: (Int, Double) -> Void) {
        search(query: query, limit: limit, threshold: threshold, scratch: scratch, smallTally: Self.smallTally, offer)
    }

    // Generic over the query's collection, specialised here for the two public entry points (a generic
    // public function would run unspecialised when called from another module). `smallTally` is a
    // parameter so that tests run both ways of counting.
    func search(query: some Collection<UInt64>, limit: Int, threshold: Double, scratch: Scratch, smallTally: Int,
                _ offer: (Int, Double) -> Void) {
        precondition(sealed, "seal() after appending")
        let n = shapes.count
        guard n > 0, !query.isEmpty, limit > 0 else { return }
        flat.withUnsafeBufferPointer { flat in
            bitWords.withUnsafeBufferPointer { bitWords in
                // The lists' own arrays are reused from lookup to lookup: moved out of the scratch (one owner,
                // so that emptying them keeps their storage) and put back.
                var lists = Lists(dense: scratch.denseLists, sparse: scratch.sparseLists, long: scratch.longLists)
                scratch.denseLists = []
                scratch.sparseLists = []
                scratch.longLists = []
                defer {
                    lists.dense.removeAll(keepingCapacity: true)
                    lists.sparse.removeAll(keepingCapacity: true)
                    lists.long.removeAll(keepingCapacity: true)
                    (scratch.denseLists, scratch.sparseLists, scratch.longLists) = (lists.dense, lists.sparse, lists.long)
                }
                let words = (n + 63) / 64
                var total = 0
                for t in query {
                    guard let entry = table.value(t) else { continue }
                    let list = ranges[Int(entry >> 2)]
                    let slots = UnsafeBufferPointer(rebasing: flat[Int(list.start)..<Int(list.start + list.count)])
                    switch Kind(rawValue: UInt8(entry & 3)) {
                    case .dense:
                        lists.dense.append(slots)
                        total += slots.count
                    case .common:
                        let bits = UnsafeBufferPointer(rebasing: bitWords[Int(list.bits) * words ..< Int(list.bits + 1) * words])
                        lists.long.append((slots, bits))
                    case .sparse, nil:
                        lists.sparse.append(slots)
                        total += slots.count
                    }
                }
                let queryCount = query.count
                // No name here can share more than the query trigrams this index knows, and a score is at
                // most shared/queryCount: a Latin query against Khmer names (digits aside) stops here.
                var known = lists.dense.count + lists.long.count
                for list in lists.sparse where !list.isEmpty { known += 1 }
                if Double(known) / Double(queryCount) < threshold { return }
                var best: [Match] = []
                best.reserveCapacity(limit + 1)
                if total <= smallTally {
                    var capacity = 16
                    while capacity < total * 2 { capacity <<= 1 }
                    scratch.table.grow(to: capacity, filling: .max)
                    scratch.table.base.update(repeating: .max, count: capacity)
                    var touches = HashTouches(table: scratch.table.base, shift: UInt64(64 - capacity.trailingZeroBitCount))
                    weigh(lists, queryCount: queryCount, total: total, limit: limit, threshold: threshold,
                          scratch: scratch, touches: &touches, best: &best)
                } else {
                    let epoch = scratch.beginMarks(n)
                    var touches = MarkTouches(marks: scratch.marks.base, epoch: epoch)
                    weigh(lists, queryCount: queryCount, total: total, limit: limit, threshold: threshold,
                          scratch: scratch, touches: &touches, best: &best)
                }
                for m in best { offer(Int(m.slot), Double(m.common) / Double(m.denominator)) }
            }
        }
    }

    /// A lookup's lists: complements of its dense trigrams, slots of its sparse ones, slots and bits of
    /// its common ones.
    private struct Lists {
        var dense: [UnsafeBufferPointer<Int32>]
        var sparse: [UnsafeBufferPointer<Int32>]
        var long: [(UnsafeBufferPointer<Int32>, UnsafeBufferPointer<UInt64>)]
    }

    /// Counts the touched slots, then weighs slots best-first into `best`.
    private func weigh<T: Touches>(_ lists: Lists, queryCount: Int, total: Int, limit: Int, threshold: Double,
                                   scratch: Scratch, touches: inout T, best: inout [Match]) {
        let dense = lists.dense.count
        scratch.touched.grow(to: total, filling: 0)
        scratch.counts.grow(to: total, filling: 0)
        let touched = scratch.touched.base, counts = scratch.counts.base
        var count: Int32 = 0
        // Shared count relative to `dense` per touched slot.
        for list in lists.dense {
            for slot in list {
                let place = touches.place(slot, fresh: count)
                if place == count { touched[Int(place)] = slot; counts[Int(place)] = 0; count += 1 }
                counts[Int(place)] &-= 1
            }
        }
        for list in lists.sparse {
            for slot in list {
                let place = touches.place(slot, fresh: count)
                if place == count { touched[Int(place)] = slot; counts[Int(place)] = 0; count += 1 }
                counts[Int(place)] &+= 1
            }
        }
        let long = lists.long
        // Common trigrams' hits, by their bits.
        @inline(__always) func longHits(_ slot: Int32) -> Int {
            var hits = 0
            for (_, words) in long where words[Int(slot) >> 6] & (1 << UInt64(slot & 63)) != 0 { hits += 1 }
            return hits
        }
        @inline(__always) func inLong(_ slot: Int32, before end: Int) -> Bool {
            for j in 0..<end where long[j].1[Int(slot) >> 6] & (1 << UInt64(slot & 63)) != 0 { return true }
            return false
        }
        let minSize = self.minSize
        shapes.withUnsafeBufferPointer { shapes in
            sizes.withUnsafeBufferPointer { sizes in
                func consider(_ common: Int, _ slot: Int32) {
                    // The size from the one-byte sizes (a tenth of the shapes' memory, so mostly cached);
                    // the rank only when the slot ties the limit-th best or gets in.
                    var size = Int(sizes[Int(slot)])
                    if size == Int(UInt8.max) { size = Int(shapes[Int(slot)].size) }
                    let denominator = queryCount + size - common
                    if best.count == limit {
                        let last = best[limit - 1]
                        let mine = common * last.denominator, theirs = last.common * denominator
                        if mine < theirs || (mine == theirs && shapes[Int(slot)].rank > last.rank) { return }
                    }
                    guard Double(common) / Double(denominator) >= threshold else { return }
                    let m = Match(common: common, denominator: denominator, rank: shapes[Int(slot)].rank, slot: slot)
                    let at = best.firstIndex { m.beats($0) } ?? best.count
                    best.insert(m, at: at)
                    if best.count > limit { best.removeLast() }
                }
                // Whether no slot sharing `common` trigrams (or fewer) can make the cut: not even the
                // shortest name could reach the threshold or beat the limit-th best.
                func hopeless(_ common: Int) -> Bool {
                    let shortest = Match(common: common, denominator: queryCount + max(minSize, common) - common, rank: .min, slot: -1)
                    if Double(shortest.common) / Double(shortest.denominator) < threshold { return true }
                    return best.count == limit && best[limit - 1].beats(shortest)
                }
                for place in 0..<Int(count) {
                    let common = dense + Int(counts[place]) + (long.isEmpty ? 0 : longHits(touched[place]))
                    if common > 0 { consider(common, touched[place]) }
                }
                // A name met only by common trigrams shares at most dense + their number; when even the
                // shortest such name could not make the cut, neither they nor the names sharing only the
                // dense trigrams (fewer still) need a look.
                if !long.isEmpty {
                    if hopeless(dense + long.count) { return }
                    for (j, (list, _)) in long.enumerated() {
                        // Each once: a slot an earlier common list holds was weighed there.
                        for slot in list where touches.find(slot) < 0 && !inLong(slot, before: j) {
                            consider(dense + longHits(slot), slot)
                        }
                    }
                }
                guard dense > 0, !hopeless(dense) else { return }
                // Untouched slots share exactly the dense trigrams: shorter is better, ties by rank, so the
                // first `limit` of them in size order are the only ones that count.
                var taken = 0
                for slot in bySize where touches.find(slot) < 0 && !inLong(slot, before: long.count) {
                    consider(dense, slot)
                    taken += 1
                    if taken == limit { break }
                }
            }
        }
    }

    /// How a search reads a trigram: its slots, its bits, or the slots lacking it.
    private enum Kind: UInt8, Sendable {
        case sparse, common, dense
    }

    /// Slot → place in the touched list, for one lookup.
    fileprivate protocol Touches {
        /// The slot's place, or `fresh` after recording the slot there when it is new.
        mutating func place(_ slot: Int32, fresh: Int32) -> Int32
        /// The slot's place, or -1 when the lookup has not touched it.
        func find(_ slot: Int32) -> Int32
    }

    /// Per-name marks tagged with the lookup's epoch: for lookups touching many names.
    fileprivate struct MarkTouches: Touches {
        let marks: UnsafeMutablePointer<Mark>
        let epoch: UInt32

        @inline(__always) func place(_ slot: Int32, fresh: Int32) -> Int32 {
            let mark = marks + Int(slot)
            if mark.pointee.epoch == epoch { return mark.pointee.place }
            mark.pointee = Mark(epoch: epoch, place: fresh)
            return fresh
        }

        @inline(__always) func find(_ slot: Int32) -> Int32 {
            let mark = marks[Int(slot)]
            return mark.epoch == epoch ? mark.place : -1
        }
    }

    /// Open addressing over a few kilobytes (slot in the high half of an entry, place in the low half,
    /// all ones empty): for lookups touching few names, whose marks would be scattered over every
    /// name's (measured: those cache misses were most of a lookup's search in the daemon).
    fileprivate struct HashTouches: Touches {
        let table: UnsafeMutablePointer<UInt64>
        /// 64 − log2(capacity): Fibonacci hashing takes the product's top bits.
        let shift: UInt64

        @inline(__always) private func home(_ slot: Int32) -> Int {
            Int(truncatingIfNeeded: (UInt64(UInt32(bitPattern: slot)) &* 0x9E37_79B9_7F4A_7C15) >> shift)
        }

        @inline(__always) func place(_ slot: Int32, fresh: Int32) -> Int32 {
            let mask = (1 << (64 - Int(shift))) - 1
            var i = home(slot)
            while true {
                let entry = table[i]
                if entry == .max {
                    table[i] = UInt64(UInt32(bitPattern: slot)) << 32 | UInt64(UInt32(bitPattern: fresh))
                    return fresh
                }
                if UInt32(truncatingIfNeeded: entry >> 32) == UInt32(bitPattern: slot) { return Int32(truncatingIfNeeded: entry) }
                i = (i + 1) & mask
            }
        }

        @inline(__always) func find(_ slot: Int32) -> Int32 {
            let mask = (1 << (64 - Int(shift))) - 1
            var i = home(slot)
            while true {
                let entry = table[i]
                if entry == .max { return -1 }
                if UInt32(truncatingIfNeeded: entry >> 32) == UInt32(bitPattern: slot) { return Int32(truncatingIfNeeded: entry) }
                i = (i + 1) & mask
            }
        }
    }

    private struct Match {
        var common: Int
        var denominator: Int
        var rank: Int32
        var slot: Int32

        /// Higher similarity, or the same and a lower rank.
        func beats(_ other: Match) -> Bool {
            let mine = common * other.denominator, theirs = other.common * denominator
            return mine != theirs ? mine > theirs : rank < other.rank
        }
    }
}
