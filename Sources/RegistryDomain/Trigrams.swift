/// Trigram similarity in the manner of PostgreSQL's pg_trgm: each word is padded with two spaces in
/// front and one behind, cut into three-scalar windows; similarity is shared trigrams over the union.
/// Used by the in-memory hotline index so that a lookup needs no database round trip; the database
/// path (as-of lookups) uses pg_trgm itself, with the same threshold.
public enum Trigrams {
    /// Trigrams of a canonical key (already folded by `NameKey`), hashed to 64 bits.
    public static func of(_ key: String) -> Set<UInt64> {
        var out: Set<UInt64> = []
        for word in key.split(separator: " ") {
            let scalars: [UInt32] = [0x20, 0x20] + word.unicodeScalars.map(\.value) + [0x20]
            guard scalars.count >= 3 else { continue }
            for i in 0...(scalars.count - 3) {
                out.insert(UInt64(scalars[i]) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(scalars[i + 1]) << 21 ^ UInt64(scalars[i + 2]))
            }
        }
        return out
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
