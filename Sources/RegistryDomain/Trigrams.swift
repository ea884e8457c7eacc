/// Trigram similarity in the manner of PostgreSQL's pg_trgm: each word is padded with two spaces in
/// front and one behind, cut into three-scalar windows; similarity is shared trigrams over the union.
/// Used by the in-memory hotline index so that a lookup needs no database round trip; the database
/// path (as-of lookups) uses pg_trgm itself, with the same threshold.
public enum Trigrams {
    /// Trigrams of a canonical key (already folded by `NameKey`), hashed to 64 bits.
    public static func of(_ key: String) -> Set<UInt64> {
        var out: Set<UInt64> = []
        out.reserveCapacity(key.utf8.count + 2)
        forEach(in: key) { out.insert($0) }
        return out
    }

    /// The same trigrams as `of(_:)`, as a sorted array without repeats: what a lookup needs to probe
    /// the indexes, without building a hashed set for a query used once.
    public static func distinct(of key: String) -> [UInt64] {
        var out: [UInt64] = []
        out.reserveCapacity(key.utf8.count + 2)
        forEach(in: key) { out.append($0) }
        // Insertion sort for the usual few dozen trigrams (the library sort allocated a buffer for
        // them); the library sort for long keys, where insertion sort's quadratic time would show.
        if out.count <= 64 {
            for i in out.indices.dropFirst() {
                let t = out[i]
                var j = i
                while j > 0, out[j - 1] > t {
                    out[j] = out[j - 1]
                    j -= 1
                }
                out[j] = t
            }
        } else {
            out.sort()
        }
        var kept = 0
        for t in out where kept == 0 || out[kept - 1] != t {
            out[kept] = t
            kept += 1
        }
        out.removeLast(out.count - kept)
        return out
    }

    /// How many of the key's trigram windows (repeats included) hold no ASCII letter: a bound on the
    /// trigrams it can share with names written without Latin letters (Khmer names and their digits),
    /// so a lookup can tell that such names cannot reach the threshold without probing their index.
    public static func letterFreeWindows(of key: String) -> Int {
        var count = 0
        // Letters seen in the last three scalars of the window (the padding is letter-free).
        var a = false, b = false
        var inWord = false
        for scalar in key.unicodeScalars {
            let c = scalar.value
            if c == 0x20 {
                if inWord, !a, !b { count += 1 }
                inWord = false
                a = false; b = false
                continue
            }
            inWord = true
            let letter = (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A
            if !a, !b, !letter { count += 1 }
            a = b; b = letter
        }
        if inWord, !a, !b { count += 1 }
        return count
    }

    /// Each trigram of the padded words, repeats included: a rolling window "  w", " wo", "wor", …,
    /// "rd " (no per-word arrays; this runs on every name lookup).
    @inline(__always)
    private static func forEach(in key: String, _ body: (UInt64) -> Void) {
        var a: UInt32 = 0x20, b: UInt32 = 0x20
        var inWord = false
        for scalar in key.unicodeScalars {
            let c = scalar.value
            if c == 0x20 {
                if inWord { body(hash(a, b, 0x20)) }
                inWord = false
                a = 0x20; b = 0x20
                continue
            }
            inWord = true
            body(hash(a, b, c))
            a = b; b = c
        }
        if inWord { body(hash(a, b, 0x20)) }
    }

    @inline(__always)
    private static func hash(_ a: UInt32, _ b: UInt32, _ c: UInt32) -> UInt64 {
        UInt64(a) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(b) << 21 ^ UInt64(c)
    }

    /// |A ∩ B| / |A ∪ B|.
    public static func similarity(_ a: Set<UInt64>, _ b: Set<UInt64>) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        let common = a.intersection(b).count
        return Double(common) / Double(a.count + b.count - common)
    }

    /// pg_trgm's default `similarity_threshold`.
    public static let threshold = 0.3
}
