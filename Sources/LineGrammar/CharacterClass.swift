/// Character classes of the line grammar, shared by the tokenizer and the quoter so that the two stay inverse.
public enum CharacterClass {
    /// C0 controls (U+0000–U+001F), DEL and C1 controls (U+0080–U+009F).
    @inlinable
    public static func isControl(_ v: UInt32) -> Bool {
        v < 0x20 || v == 0x7F || (v >= 0x80 && v <= 0x9F)
    }

    /// Bidirectional embedding, override and isolate controls, and the implicit marks.
    /// Rejected in bare tokens (identifiers, codes, names) and always escaped on output, because they
    /// let a line display differently from what it is (Trojan Source).
    @inlinable
    public static func isBidiControl(_ v: UInt32) -> Bool {
        (v >= 0x202A && v <= 0x202E) || (v >= 0x2066 && v <= 0x2069) || v == 0x200E || v == 0x200F || v == 0x061C
    }

    /// May this scalar stand unquoted in a bare token?
    @inlinable
    public static func isBareScalar(_ v: UInt32) -> Bool {
        !(v == 0x20 || v == 0x09 || v == 0x22 || v == 0x5C || isControl(v) || isBidiControl(v))
    }

    /// May this scalar stand raw inside a quoted token (anything else needs an escape)?
    @inlinable
    public static func isQuotedScalar(_ v: UInt32) -> Bool {
        !(v == 0x22 || v == 0x5C || isControl(v))
    }

    /// ASCII lower-case letter.
    @inlinable
    public static func isLower(_ b: UInt8) -> Bool { b >= 0x61 && b <= 0x7A }

    /// ASCII digit.
    @inlinable
    public static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// A field key: `LOWER *( LOWER / DIGIT / "_" / "." )`.
    public static func isFieldKey<S: Collection<UInt8>>(_ bytes: S) -> Bool {
        guard let first = bytes.first, isLower(first) else { return false }
        return bytes.allSatisfy { isLower($0) || isDigit($0) || $0 == 0x5F || $0 == 0x2E }
    }

    /// An option key: like a field key, and `-` is allowed after the first letter (`--dry-run`).
    public static func isOptionKey<S: Collection<UInt8>>(_ bytes: S) -> Bool {
        guard let first = bytes.first, isLower(first) else { return false }
        return bytes.allSatisfy { isLower($0) || isDigit($0) || $0 == 0x5F || $0 == 0x2E || $0 == 0x2D }
    }

    /// A heredoc marker: `1*32( ALPHA / DIGIT / "_" / "-" / "%" )`.
    public static func isHeredocMarker<S: Collection<UInt8>>(_ bytes: S) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 32 else { return false }
        return bytes.allSatisfy {
            ($0 >= 0x41 && $0 <= 0x5A) || isLower($0) || isDigit($0) || $0 == 0x5F || $0 == 0x2D || $0 == 0x25
        }
    }

    /// A command name: ASCII letters, digits, `_`, `-` and `.`; not starting with `.`.
    public static func isCommandName<S: Collection<UInt8>>(_ bytes: S) -> Bool {
        guard let first = bytes.first, first != 0x2E else { return false }
        return bytes.allSatisfy {
            ($0 >= 0x41 && $0 <= 0x5A) || isLower($0) || isDigit($0) || $0 == 0x5F || $0 == 0x2D || $0 == 0x2E
        }
    }
}
