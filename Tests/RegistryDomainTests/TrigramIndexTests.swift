@testable import RegistryDomain
import Testing

/// `TrigramIndex` offers exactly the best matches a full scan with `Trigrams.similarity` finds: same
/// slots, same order (score, then rank), same scores, over names that share common words (the dense
/// case the index exists for), across appends in several rounds and after re-ranking.
@Suite struct TrigramIndexTests {
    /// Names like the registry's: common words, numbers, misspellings, a Khmer word.
    static func name(_ rng: inout SplitMix64) -> String {
        let words = ["manpower", "human", "resources", "recruitment", "angkor", "mekong", "bench", "cambodia", "service",
                     "manpowr", "resorces", "អង្គរ", "ម៉ែនផៅវើ", "golden", "star"]
        var parts: [String] = []
        for _ in 0..<(1 + Int(rng.next() % 3)) { parts.append(words[Int(rng.next() % UInt64(words.count))]) }
        if rng.next() % 2 == 0 { parts.insert(String(rng.next() % 5000), at: Int(rng.next() % UInt64(parts.count + 1))) }
        // Most names share "manpower": its trigrams become dense.
        if rng.next() % 10 < 8 { parts.append("manpower") }
        return NameKey.make(parts.joined(separator: " "))
    }

    /// The reference: every slot scored, the best `limit` by (score desc, rank asc) at or above the threshold.
    static func fullScan(_ sets: [Set<UInt64>], _ ranks: [Int32], _ q: Set<UInt64>, limit: Int) -> [(Int, Double)] {
        let scored = sets.indices.map { ($0, Trigrams.similarity(sets[$0], q)) }.filter { $0.1 >= Trigrams.threshold }
        let sorted = scored.sorted { a, b in a.1 != b.1 ? a.1 > b.1 : ranks[a.0] < ranks[b.0] }
        return Array(sorted.prefix(limit))
    }

    /// The index's offers for `q` equal the full scan's, for one and six matches, counted both ways (the
    /// small hash table and the per-name marks).
    static func expectFullScan(_ index: TrigramIndex, _ sets: [Set<UInt64>], _ ranks: [Int32], _ q: Set<UInt64>,
                               _ scratch: TrigramIndex.Scratch, _ context: String) {
        for limit in [1, 6] {
            let want = fullScan(sets, ranks, q, limit: limit)
            for smallTally in [0, Int.max] {
                var got: [(Int, Double)] = []
                index.search(query: q, limit: limit, threshold: Trigrams.threshold, scratch: scratch, smallTally: smallTally) {
                    got.append(($0, $1))
                }
                #expect(got.map(\.0) == want.map(\.0) && got.map(\.1) == want.map(\.1), "\(context) limit \(limit) tally \(smallTally)")
            }
        }
    }

    @Test func searchEqualsFullScan() {
        var rng = SplitMix64(seed: 190)
        var index = TrigramIndex()
        var sets: [Set<UInt64>] = []
        var ranks: [Int32] = []
        // One working memory for every search, as the daemon reuses it: epochs must keep lookups apart,
        // also after the index grows.
        let scratch = TrigramIndex.Scratch()
        for round in 0..<4 {
            for _ in 0..<(round == 0 ? 1_500 : 200) {
                let set = Trigrams.of(Self.name(&rng))
                index.append(set)
                sets.append(set)
            }
            // New tie-break order each round (agency ids sort differently from insertion order).
            ranks = (0..<Int32(sets.count)).map { $0 }.shuffled(using: &rng)
            index.setRanks(ranks)
            index.seal()
            for _ in 0..<150 {
                Self.expectFullScan(index, sets, ranks, Trigrams.of(Self.name(&rng)), scratch, "round \(round)")
            }
        }
    }

    /// Names like the benchmark's ("bench 4711 manpower" for 1 to 3,000): every word dense but the
    /// number, whose trigrams are sparse ("471") or common ("  4"); misspelt and partial queries.
    @Test func numberedNamesEqualFullScan() {
        var index = TrigramIndex()
        var sets: [Set<UInt64>] = []
        for i in 1...3_000 {
            let set = Trigrams.of(NameKey.make("Bench \(i) Manpower Co., Ltd."))
            index.append(set)
            sets.append(set)
        }
        var rng = SplitMix64(seed: 47)
        let ranks = (0..<Int32(sets.count)).map { $0 }.shuffled(using: &rng)
        index.setRanks(ranks)
        index.seal()
        let scratch = TrigramIndex.Scratch()
        var queries = ["Bench 4711 Manpowr", "bench 471 manpower", "Bench 12 Manpower", "bench 2999", "4711", "manpower",
                       "Bnech 1234 Manpower", "bench bench", "Manpower Bench 300"]
        for _ in 0..<100 { queries.append("bench \(rng.next() % 4_000) manpow\(rng.next() % 2 == 0 ? "er" : "r")") }
        for query in queries {
            Self.expectFullScan(index, sets, ranks, Trigrams.of(NameKey.make(query)), scratch, query)
        }
    }

    @Test func emptyAndUnknownQueries() {
        var index = TrigramIndex()
        index.append(Trigrams.of("angkor manpower"))
        index.seal()
        var offers = 0
        index.search([], limit: 6, threshold: Trigrams.threshold) { _, _ in offers += 1 }
        index.search(Trigrams.of("zzzz qqqq"), limit: 6, threshold: Trigrams.threshold) { _, _ in offers += 1 }
        #expect(offers == 0)
        index.search(Trigrams.of("angkor manpower"), limit: 6, threshold: Trigrams.threshold) { slot, score in
            #expect(slot == 0 && score == 1)
            offers += 1
        }
        #expect(offers == 1)
    }
}

/// The search's trigram table: every stored key found with its value, absent keys not found.
@Suite struct TrigramTableTests {
    @Test func findsWhatItHoldsAndNothingElse() {
        var rng = SplitMix64(seed: 11)
        var pairs: [(key: UInt64, value: UInt32)] = [(0, 7), (UInt64.max, 8)]
        // Keys differing only in their low bits (as trigram hashes of one word often do) and random ones.
        for i in 0..<3_000 { pairs.append((key: 0x2000_0000_0000 &+ UInt64(i), value: UInt32(i))) }
        for i in 0..<3_000 { pairs.append((key: rng.next(), value: UInt32(i) << 2 | 3)) }
        let table = TrigramTable(pairs)
        for (key, value) in pairs { #expect(table.value(key) == value) }
        for _ in 0..<3_000 {
            let key = rng.next()
            if !pairs.contains(where: { $0.key == key }) { #expect(table.value(key) == nil) }
        }
        #expect(TrigramTable().value(42) == nil)
    }
}

/// A lookup's trigram list is the name's trigram set, sorted, each once.
@Suite struct TrigramListTests {
    @Test func distinctEqualsTheSet() {
        var rng = SplitMix64(seed: 5)
        let alphabet = Array("ab c1 ក្ 4".unicodeScalars)
        for _ in 0..<2_000 {
            let n = Int(rng.next() % 120)  // past 64 trigrams too: the long-key sort
            let key = String(String.UnicodeScalarView((0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }))
            #expect(Trigrams.distinct(of: key) == Trigrams.of(key).sorted(), "\(key)")
        }
    }

    /// A lookup skips the Khmer-script names when its letter-free trigrams cannot reach the threshold:
    /// the count bounds what any letter-free name can share, so such a search would offer nothing.
    @Test func letterFreeWindowsBoundWhatLetterFreeNamesShare() {
        var rng = SplitMix64(seed: 12)
        func key(_ alphabet: [Unicode.Scalar]) -> String {
            let n = 1 + Int(rng.next() % 24)
            return String(String.UnicodeScalarView((0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }))
        }
        let khmer = Array("បេញ ក្រុ 4711 ០".unicodeScalars), mixed = Array("bench 4711 Mq បេញ".unicodeScalars)
        var index = TrigramIndex()
        var shared: Set<UInt64> = []
        for _ in 0..<400 {
            let set = Trigrams.of(key(khmer))
            index.append(set)
            shared.formUnion(set)
        }
        index.seal()
        var skipped = 0
        for _ in 0..<2_000 {
            let query = key(mixed)
            let q = Trigrams.of(query)
            let free = Trigrams.letterFreeWindows(of: query)
            #expect(free >= q.intersection(shared).count, "\(query)")
            if Double(free) / Double(q.count) < Trigrams.threshold {
                skipped += 1
                var offers = 0
                index.search(q, limit: 6, threshold: Trigrams.threshold) { _, _ in offers += 1 }
                #expect(offers == 0, "\(query)")
            }
        }
        #expect(skipped > 100)
        #expect(Trigrams.letterFreeWindows(of: "bench 4711 manpowr") == 5)
        #expect(Trigrams.letterFreeWindows(of: "បេញ 4711") == Trigrams.of("បេញ 4711").count)
    }
}
