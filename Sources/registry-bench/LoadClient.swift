import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Closed-loop load over a Unix socket: each client sends one request, waits for the whole reply, repeats.
/// Blocking sockets on dedicated threads keep the load generator cheaper than the server it measures.
enum LoadClient {
    struct Result {
        var operations: Int
        var seconds: Double
        var latenciesMicros: [Double]
        var perSecond: Double { Double(operations) / seconds }
        func percentile(_ p: Double) -> Double {
            guard !latenciesMicros.isEmpty else { return 0 }
            let sorted = latenciesMicros.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
        }
    }

    static func connect(_ path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        precondition(rc == 0, "cannot connect to \(path)")
        return fd
    }

    /// Runs `clients` threads for `seconds`, each sending `request` and reading until a final reply line
    /// (registryd), or until the first CRLF when `redis` (inline PING / GET of a missing key).
    ///
    /// `{n}` in the request is replaced by a fresh value per request (idempotency keys of filings);
    /// with `expect`, only replies whose final line starts with it are counted.
    static func run(socket path: String, request: String, clients: Int, seconds: Double, redis: Bool = false, expect: String? = nil) -> Result {
        final class Totals: @unchecked Sendable {  // guarded by `lock`
            let lock = NSLock()
            var total = 0
            var latencies: [Double] = []
        }
        let totals = Totals()
        let group = DispatchGroup()
        let start = Date()
        let run = UInt32.random(in: 0...UInt32.max)
        let templated = request.contains("{n}")
        let parts = request.components(separatedBy: "{n}")
        for client in 0..<clients {
            group.enter()
            Thread {
                let fd = connect(path)
                var bytes = Array(request.utf8)
                var buffer = [UInt8](repeating: 0, count: 65536)
                var count = 0
                var local: [Double] = []
                local.reserveCapacity(200_000)
                let deadline = Date().addingTimeInterval(seconds)
                var sent = 0
                while Date() < deadline {
                    if templated {
                        sent += 1
                        bytes = Array(parts.joined(separator: "\(run)-\(client)-\(sent)").utf8)
                    }
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                    var pending: [UInt8] = []
                    var finalLine: [UInt8] = []
                    reading: while true {
                        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                        if n <= 0 { break reading }
                        pending.append(contentsOf: buffer[0..<n])
                        if redis {
                            if pending.last == 0x0A { break reading }
                            continue
                        }
                        // A reply ends with a final line "NNN TOKEN…\n" (4th byte a space).
                        var lineStart = 0
                        for i in 0..<pending.count where pending[i] == 0x0A {
                            if i - lineStart >= 4, pending[lineStart + 3] == 0x20 {
                                finalLine = Array(pending[lineStart..<i])
                                break reading
                            }
                            lineStart = i + 1
                        }
                    }
                    if let expect, !finalLine.starts(with: Array(expect.utf8)) { continue }
                    local.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1000)
                    count += 1
                }
                close(fd)
                totals.lock.lock()
                totals.total += count
                totals.latencies += local
                totals.lock.unlock()
                group.leave()
            }.start()
        }
        group.wait()
        return Result(operations: totals.total, seconds: Date().timeIntervalSince(start), latenciesMicros: totals.latencies)
    }
}
