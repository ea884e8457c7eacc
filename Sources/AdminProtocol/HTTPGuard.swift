/// Cross-protocol guard (design-anchors §2.4.11): a line that looks like HTTP closes the connection
/// without a reply, so a browser tricked into talking to a socket gets nothing useful (Redis, memcached).
public enum HTTPGuard {
    private static let methods = ["GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "CONNECT ", "PATCH ", "TRACE "]
    private static let headers = ["host:", "user-agent:", "content-type:", "content-length:", "origin:"]

    /// True for an HTTP request line or header line.
    public static func looksLikeHTTP(_ line: [UInt8]) -> Bool {
        guard line.count >= 4 else { return false }
        let head = String(decoding: line.prefix(16), as: UTF8.self)
        if methods.contains(where: head.hasPrefix) { return true }
        let lower = head.lowercased()
        if headers.contains(where: lower.hasPrefix) { return true }
        var trimmed = line[...]
        if trimmed.last == 0x0D { trimmed = trimmed.dropLast() }
        let tail = String(decoding: trimmed.suffix(9), as: UTF8.self)
        return tail == " HTTP/1.1" || tail == " HTTP/1.0" || tail.hasSuffix(" HTTP/2")
    }
}
