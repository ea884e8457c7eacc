/// The tracking reference handed to a complainant: `R-XXXX-XXXX-XXXX`, 60 random bits in Crockford's
/// base-32 alphabet (no I, L, O, U: nothing to misread over the phone). Anyone holding it may ask for
/// the case's state and next deadline, so it must not be guessable from a case number.
public enum TrackingReference {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".unicodeScalars)

    /// A fresh reference from the system's random generator.
    public static func make() -> String {
        var rng = SystemRandomNumberGenerator()
        return make(using: &rng)
    }

    /// A reference from `rng` (seeded in tests and demo data, so that they are reproducible).
    public static func make(using rng: inout some RandomNumberGenerator) -> String {
        var bits = rng.next() as UInt64
        var out = "R"
        for group in 0..<3 {
            _ = group
            out.unicodeScalars.append("-")
            for _ in 0..<4 {
                out.unicodeScalars.append(alphabet[Int(bits & 31)])
                bits >>= 5
            }
        }
        return out
    }

    /// Shape check before any lookup.
    public static func isWellFormed(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "R" else { return false }
        return parts.dropFirst().allSatisfy { $0.unicodeScalars.count == 4 && $0.unicodeScalars.allSatisfy(alphabet.contains) }
    }
}
