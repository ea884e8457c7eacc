/// A JSON text written straight into bytes: objects, arrays, strings, integers, null.
///
/// For the filing batches sent to `registry.file_complaints`: Foundation's `JSONEncoder` goes through
/// `Encodable`'s boxed containers and was a tenth of the daemon's CPU per filing (measured with perf).
/// Strings are escaped as RFC 8259 requires (quote, backslash, control characters); everything else
/// is copied as UTF-8.
struct JSONBytes {
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    mutating func beginObject() { separate(); bytes.append(0x7B); needsComma = false }
    mutating func endObject() { bytes.append(0x7D); needsComma = true }
    mutating func beginArray() { separate(); bytes.append(0x5B); needsComma = false }
    mutating func endArray() { bytes.append(0x5D); needsComma = true }

    /// A member name; the value written next belongs to it.
    mutating func key(_ name: String) {
        separate()
        appendString(name)
        bytes.append(0x3A)
        needsComma = false
    }

    mutating func string(_ value: String) {
        separate()
        appendString(value)
        needsComma = true
    }

    mutating func int(_ value: Int) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    mutating func strings(_ values: [String]) {
        beginArray()
        for v in values { string(v) }
        endArray()
    }

    /// `"name": [{…}, …]`, one object per item, its members written by `members`.
    mutating func objects<Item>(_ name: String, _ items: [Item], _ members: (Item, inout JSONBytes) -> Void) {
        key(name)
        beginArray()
        for item in items {
            beginObject()
            members(item, &self)
            endObject()
        }
        endArray()
    }

    /// `"name": value`, left out when the value is nil (as `JSONEncoder` does for optionals).
    mutating func member(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func separate() {
        if needsComma { bytes.append(0x2C) }
    }

    private mutating func appendString(_ s: String) {
        bytes.append(0x22)
        var s = s
        // Runs that need no escape (nearly every string) are copied whole, not byte by byte.
        s.withUTF8 { utf8 in
            var run = 0
            for (i, b) in utf8.enumerated() where b < 0x20 || b == 0x22 || b == 0x5C {
                if run < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<i])) }
                appendEscape(b)
                run = i + 1
            }
            if run < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...])) }
        }
        bytes.append(0x22)
    }

    private mutating func appendEscape(_ b: UInt8) {
        bytes.append(0x5C)
        switch b {
        case 0x22, 0x5C: bytes.append(b)
        case 0x0A: bytes.append(0x6E)
        case 0x0D: bytes.append(0x72)
        case 0x09: bytes.append(0x74)
        default:
            bytes.append(0x75)
            bytes.append(0x30)
            bytes.append(0x30)
            bytes.append(Self.hex[Int(b >> 4)])
            bytes.append(Self.hex[Int(b & 0xF)])
        }
    }
}
