import Foundation

/// Unicode NFC normalisation (names are stored NFC; PostgreSQL checks `IS NFC NORMALIZED`).
enum NFC {
    static func normalize(_ s: String) -> String { s.precomposedStringWithCanonicalMapping }
}
