/// Cross-protocol guard (design-anchors §2.4.11): a line that looks like HTTP closes the connection
/// without a reply, so a browser tricked into talking to a socket gets nothing useful (Redis, memcached).
public enum HTTPGuard {
    private static let methods: [[UInt8]] = ["GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "CONNECT ", "PATCH ", "TRACE "]
        .map { Array($0.utf8) }
    private static let headers: [[UInt8]] = ["host:", "user-agent:", "content-type:", "content-length:", "origin:"].map { Array($0.utf8) }
    private static let versions: [[UInt8]] = [" HTTP/1.1", " HTTP/1.0", " HTTP/2"].map { Array($0.utf8) }

    /// True for an HTTP request line or header line. Byte comparisons only: this runs on every line.
    public static func looksLikeHTTP(_ line: [UInt8]) -> Bool {
        guard line.count >= 4 else { return false }
        for m in methods where line.starts(with: m) { return true }
        for h in headers where line.count >= h.count && zip(line, h).allSatisfy({ lowerASCII($0) == $1 }) { return true }
        var end = line.count
        if line[end - 1] == 0x0D { end -= 1 }
        for v in versions where end >= v.count && line[(end - v.count)..<end].elementsEqual(v) { return true }
        return false
    }

    private static func lowerASCII(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b + 32 : b }
}
