import Foundation

/// The canonical search key of an agency, operator or person name, in Latin or Khmer script.
///
/// NFC, then: case folded; Khmer digits ០–៩ mapped to 0–9; zero-width spaces, joiners and soft hyphens
/// removed (Khmer is written without spaces and U+200B marks word breaks inconsistently); punctuation
/// and spacing collapsed to one space; company-form words ("Co., Ltd.", "ក្រុមហ៊ុន", "ឯ.ក" …) dropped.
/// Two spellings that differ only in these respects get the same key; fuzzier matches are left to
/// pg_trgm similarity on the key.
public enum NameKey {
    /// Company-form words that carry no identity: "Angkor Manpower Co., Ltd." ≡ "Angkor Manpower".
    static let formWords: Set<String> = [
        "co", "ltd", "coltd", "company", "limited", "plc", "inc", "corp", "corporation", "llc", "the",
        "ក្រុមហ៊ុន", "ឯក", "ឯកជន", "ខូអិលធីឌី", "លីមីធីត", "ឯកក",
    ]

    /// The canonical search key of a name: the same key for the spellings a caller may use for one
    /// name (case, spacing, punctuation, company-form words, Khmer or Latin digits).
    public static func make(_ name: String) -> String {
        asciiKey(name) ?? unicodeKey(name)
    }

    /// The general path: any script.
    static func unicodeKey(_ name: String) -> String {
        var folded = ""
        for scalar in name.precomposedStringWithCanonicalMapping.lowercased().unicodeScalars {
            switch scalar.value {
            case 0x17E0...0x17E9:
                folded.unicodeScalars.append(Unicode.Scalar(scalar.value - 0x17E0 + 0x30)!)
            case 0x200B, 0x200C, 0x200D, 0x00AD, 0xFEFF, 0x2060:
                continue
            default:
                let p = scalar.properties
                if p.isAlphabetic || p.numericType != nil || isKhmerMark(scalar.value) {
                    folded.unicodeScalars.append(scalar)
                } else {
                    folded.unicodeScalars.append(" ")
                }
            }
        }
        let words = folded.split(separator: " ").map(String.init).filter { !formWords.contains($0) }
        return words.joined(separator: " ")
    }

    /// The same key for all-ASCII input without Foundation's normalisation (already NFC; most hotline
    /// queries are typed in Latin script, and NFC through Foundation was the largest cost of a name
    /// lookup). One pass over the bytes into one buffer, a company-form word taken back out when it
    /// ends. Nil when the input has any non-ASCII byte.
    static func asciiKey(_ name: String) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(name.utf8.count)
        var wordStart = -1  // where the current word begins in `out`; -1 between words
        func endWord() {
            guard wordStart >= 0 else { return }
            let word = out[wordStart...]
            if asciiFormWords.contains(where: { $0.elementsEqual(word) }) {
                out.removeSubrange(max(0, wordStart - 1)...)  // the word and the space before it
            }
            wordStart = -1
        }
        for b in name.utf8 {
            let c: UInt8
            switch b {
            case 0x80...: return nil
            case 0x41...0x5A: c = b + 0x20
            case 0x61...0x7A, 0x30...0x39: c = b
            default:
                endWord()
                continue
            }
            if wordStart < 0 {
                if !out.isEmpty { out.append(0x20) }
                wordStart = out.count
            }
            out.append(c)
        }
        endWord()
        return String(decoding: out, as: UTF8.self)
    }

    private static let asciiFormWords: [[UInt8]] = formWords.compactMap { w in w.utf8.allSatisfy { $0 < 0x80 } ? Array(w.utf8) : nil }

    /// Khmer dependent vowels, signs and the coeng (U+17B4–U+17D3, U+17DD) belong to the word.
    private static func isKhmerMark(_ v: UInt32) -> Bool {
        (0x17B4...0x17D3).contains(v) || v == 0x17DD
    }

    /// Digits only, Khmer digits mapped: for ID-card numbers typed with spaces or dashes.
    public static func digits(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x30...0x39: out.unicodeScalars.append(scalar)
            case 0x17E0...0x17E9: out.unicodeScalars.append(Unicode.Scalar(scalar.value - 0x17E0 + 0x30)!)
            default: continue
            }
        }
        return out
    }
}
