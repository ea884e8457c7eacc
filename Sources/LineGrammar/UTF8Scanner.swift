/// Strict UTF-8 decoding of one scalar, so that byte offsets of errors can be reported.
///
/// Rejects overlong forms, surrogates, values above U+10FFFF and truncated sequences (RFC 3629);
/// ill-formed input is never repaired with U+FFFD.
public enum UTF8Scanner {
    /// Decodes the scalar starting at `index`; returns its value and length, or nil when ill-formed.
    @inlinable
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (value: UInt32, length: Int)? {
        let b0 = bytes[index]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        let remaining = bytes.count - index
        func cont(_ i: Int) -> UInt32? {
            let b = bytes[index + i]
            return b & 0xC0 == 0x80 ? UInt32(b & 0x3F) : nil
        }
        switch b0 {
        case 0xC2...0xDF:
            guard remaining >= 2, let c1 = cont(1) else { return nil }
            return ((UInt32(b0 & 0x1F) << 6) | c1, 2)
        case 0xE0...0xEF:
            guard remaining >= 3, let c1 = cont(1), let c2 = cont(2) else { return nil }
            let v = (UInt32(b0 & 0x0F) << 12) | (c1 << 6) | c2
            guard v >= 0x800, !(0xD800...0xDFFF).contains(v) else { return nil }
            return (v, 3)
        case 0xF0...0xF4:
            guard remaining >= 4, let c1 = cont(1), let c2 = cont(2), let c3 = cont(3) else { return nil }
            let v = (UInt32(b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3
            guard v >= 0x10000, v <= 0x10FFFF else { return nil }
            return (v, 4)
        default:
            return nil
        }
    }

    /// Validates a whole buffer; returns the offset of the first ill-formed byte, or nil when valid.
    public static func firstInvalidOffset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        while i < bytes.count {
            guard let (_, n) = decode(bytes, at: i) else { return i }
            i += n
        }
        return nil
    }
}
