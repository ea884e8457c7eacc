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
/// Similarity is pg_trgm's (`Trigrams.similarity`), computed with the same division, so scores and
/// the threshold test match the database path exactly.
public struct TrigramIndex: Sendable {
    /// trigram → its number in the per-trigram tables below, while appending.
    private var numbers: [UInt64: Int32] = [:]
    /// trigram → number << 2 | kind, for searching (set by `seal()`): one probe per query trigram.
    private var table = TrigramTable()
    /// Per trigram number: slots holding it, ascending.
    private var postings: [[Int32]] = []
    /// Per dense trigram number: slots lacking it, ascending (empty for other trigrams).
    private var complements: [[Int32]] = []
    /// Per slot, its trigram count and tie-break rank (lower first) side by side: a search reads both
    /// for every name it counts, and one cache line instead of two was measurably faster in the daemon,
    /// where the index is cold.
    private var shapes: [Shape] = []
    /// Slots by (size, rank): the best untouched slots first.
    private var bySize: [Int32] = []
    /// Per common but not dense trigram number: a bit per slot holding it (a list longer than n/64
    /// slots is no smaller than its bits); empty for other trigrams.
    private var bits: [[UInt64]] = []
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
        var kinds = [Kind](repeating: .sparse, count: postings.count)
        complements = [[Int32]](repeating: [], count: postings.count)
        bits = [[UInt64]](repeating: [], count: postings.count)
        for (number, list) in postings.enumerated() {
            if list.count * 2 > n {
                var missing: [Int32] = []
                missing.reserveCapacity(n - list.count)
                var next = 0
                for slot in 0..<Int32(n) {
                    if next < list.count, list[next] == slot { next += 1 } else { missing.append(slot) }
                }
                complements[number] = missing
                kinds[number] = .dense
            } else if list.count * 64 > n {
                var words = [UInt64](repeating: 0, count: (n + 63) / 64)
                for slot in list { words[Int(slot) >> 6] |= 1 << UInt64(slot & 63) }
                bits[number] = words
                kinds[number] = .common
            }
        }
        table = TrigramTable(numbers.map { (key: $0.key, value: UInt32($0.value) << 2 | UInt32(kinds[Int($0.value)].rawValue)) })
        minSize = Int(shapes.lazy.map(\.size).min() ?? 0)
        let shapes = self.shapes
        bySize = (0..<Int32(n)).sorted { a, b in
            let (x, y) = (shapes[Int(a)], shapes[Int(b)])
            return x.size != y.size ? x.size < y.size : x.rank < y.rank
        }
        sealed = true
    }

    /// Working memory of `search`, reused from one lookup to the next so that a lookup writes only the
    /// names it counts (a fresh zeroed array per lookup was 20 KB of cold memory per 10,000 names).
    /// One lookup at a time: callers keep one per thread (or a pool).
    public final class Scratch: @unchecked Sendable {
        /// Per slot: the lookup that last counted it, and its count then (one cache line per name).
        fileprivate var marks: [Mark] = []
        fileprivate var epoch: UInt32 = 0
        fileprivate var touched: [Int32] = []
        fileprivate var denseLists: [[Int32]] = []
        fileprivate var sparseLists: [[Int32]] = []
        fileprivate var longLists: [([Int32], [UInt64])] = []

        public init() {}

        /// Starts a lookup over `n` slots: a new epoch marks every slot untouched.
        fileprivate func begin(_ n: Int) -> UInt32 {
            if marks.count < n {
                marks += repeatElement(Mark(epoch: 0, count: 0), count: n - marks.count)
            }
            epoch &+= 1
            if epoch == 0 {
                for i in marks.indices { marks[i].epoch = 0 }
                epoch = 1
            }
            return epoch
        }
    }

    fileprivate struct Mark {
        var epoch: UInt32
        var count: Int32
    }

    private struct Shape {
        var size: UInt16
        var rank: Int32
    }

    /// Calls `offer(slot, score)` for the best `limit` slots by (score, rank) that score at least
    /// `threshold`, best first. A caller combining several indexes (one per script) keeps the best of
    /// all offers: a slot missing here is beaten by `limit` others of this index.
    public func search(_ query: Set<UInt64>, limit: Int, threshold: Double, scratch: Scratch = Scratch(),
                       _ offer: (Int, Double) -> Void) {
        search(query: query, limit: limit, threshold: threshold, scratch: scratch, offer)
    }

    /// The same for `Trigrams.distinct(of:)` (each trigram once), what a lookup uses.
    public func search(_ query: [UInt64], limit: Int, threshold: Double, scratch: Scratch = Scratch(),
                       _ offer: (Int, Double) -> Void) {
        search(query: query, limit: limit, threshold: threshold, scratch: scratch, offer)
    }

    // Generic over the query's collection, specialised here for the two public entry points (a generic
    // public function would run unspecialised when called from another module).
    private func search(query: some Collection<UInt64>, limit: Int, threshold: Double, scratch: Scratch,
                        _ offer: (Int, Double) -> Void) {
        precondition(sealed, "seal() after appending")
        let n = shapes.count
        guard n > 0, !query.isEmpty, limit > 0 else { return }
        // The lists' own arrays are reused from lookup to lookup (taken out of the scratch and put back).
        var denseLists = scratch.denseLists, sparseLists = scratch.sparseLists, longLists = scratch.longLists
        scratch.denseLists = []
        scratch.sparseLists = []
        scratch.longLists = []
        defer {
            denseLists.removeAll(keepingCapacity: true)
            sparseLists.removeAll(keepingCapacity: true)
            longLists.removeAll(keepingCapacity: true)
            (scratch.denseLists, scratch.sparseLists, scratch.longLists) = (denseLists, sparseLists, longLists)
        }
        for t in query {
            guard let entry = table.value(t) else { continue }
            let number = Int(entry >> 2)
            switch Kind(rawValue: UInt8(entry & 3)) {
            case .dense: denseLists.append(complements[number])
            case .common: longLists.append((postings[number], bits[number]))
            case .sparse, nil: sparseLists.append(postings[number])
            }
        }
        let dense = denseLists.count
        let queryCount = query.count
        // No name here can share more than the query trigrams this index knows, and a score is at most
        // shared/queryCount: a Latin query against Khmer names (digits aside) stops here.
        var known = dense + longLists.count
        for list in sparseLists where !list.isEmpty { known += 1 }
        if Double(known) / Double(queryCount) < threshold { return }
        let minSize = self.minSize
        let epoch = scratch.begin(n)
        var touched = scratch.touched
        scratch.touched = []
        touched.removeAll(keepingCapacity: true)
        defer { scratch.touched = touched }
        // The best `limit` so far, best first. Scores are compared as fractions common/denominator by
        // cross-multiplication (exact, and no division for the many slots that do not make the cut);
        // the division runs only to check the threshold and to report the score.
        var best: [Match] = []
        best.reserveCapacity(limit + 1)
        scratch.marks.withUnsafeMutableBufferPointer { marks in
            // Shared count relative to `dense` per touched slot.
            for list in denseLists {
                for slot in list {
                    let i = Int(slot)
                    if marks[i].epoch != epoch { marks[i] = Mark(epoch: epoch, count: 0); touched.append(slot) }
                    marks[i].count &-= 1
                }
            }
            for list in sparseLists {
                for slot in list {
                    let i = Int(slot)
                    if marks[i].epoch != epoch { marks[i] = Mark(epoch: epoch, count: 0); touched.append(slot) }
                    marks[i].count &+= 1
                }
            }
            shapes.withUnsafeBufferPointer { shapes in
                func consider(_ common: Int, _ slot: Int32) {
                    let shape = shapes[Int(slot)]
                    let denominator = queryCount + Int(shape.size) - common
                    let m = Match(common: common, denominator: denominator, rank: shape.rank, slot: slot)
                    if best.count == limit, !m.beats(best[limit - 1]) { return }
                    guard Double(common) / Double(denominator) >= threshold else { return }
                    let at = best.firstIndex { m.beats($0) } ?? best.count
                    best.insert(m, at: at)
                    if best.count > limit { best.removeLast() }
                }
                // Common trigrams' hits for the names touched so far, by their bits.
                @inline(__always) func longHits(_ slot: Int32) -> Int {
                    var hits = 0
                    for (_, words) in longLists where words[Int(slot) >> 6] & (1 << UInt64(slot & 63)) != 0 { hits += 1 }
                    return hits
                }
                for slot in touched {
                    let common = dense + Int(marks[Int(slot)].count) + (longLists.isEmpty ? 0 : longHits(slot))
                    if common > 0 { consider(common, slot) }
                }
                // A name met only by common trigrams shares at most dense + their number; when
                // even the shortest such name could not beat the limit-th best, neither they nor
                // the names sharing only the dense trigrams (fewer still) need a look.
                func hopeless(_ common: Int) -> Bool {
                    guard best.count == limit else { return false }
                    let shortest = Match(common: common, denominator: queryCount + max(minSize, common) - common, rank: .min, slot: -1)
                    return best[limit - 1].beats(shortest)
                }
                if !longLists.isEmpty {
                    if hopeless(dense + longLists.count) { return }
                    for (list, _) in longLists {
                        for slot in list where marks[Int(slot)].epoch != epoch {
                            marks[Int(slot)].epoch = epoch
                            consider(dense + longHits(slot), slot)
                        }
                    }
                }
                guard dense > 0 else { return }
                // Untouched slots share exactly the dense trigrams: shorter is better, ties by
                // rank, so the first `limit` of them in size order are the only ones that count.
                var taken = 0
                for slot in bySize where marks[Int(slot)].epoch != epoch {
                    consider(dense, slot)
                    taken += 1
                    if taken == limit { break }
                }
            }
        }
        for m in best { offer(Int(m.slot), Double(m.common) / Double(m.denominator)) }
    }

    /// How a search reads a trigram: its slots, its bits, or the slots lacking it.
    private enum Kind: UInt8, Sendable {
        case sparse, common, dense
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
