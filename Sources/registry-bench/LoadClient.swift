import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Closed-loop load over a Unix socket: each client sends one request, waits for the whole reply, repeats.
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

    /// Runs `clients` connections for `seconds`, each sending `request` and reading until a final reply
    /// line (registryd), or until the first CRLF when `redis` (inline PING / GET of a missing key).
    ///
    /// One thread multiplexes all connections with poll(2), as redis-benchmark does, so both servers
    /// meet the same kind of client. (A blocking thread per connection made every reply wake a sleeping
    /// thread on the other CPU: measured, write() was then half of the daemon's CPU, and the comparison
    /// with redis-benchmark's single-threaded client was not like for like.)
    ///
    /// `{n}` in the request is replaced by a fresh value per request (idempotency keys of filings);
    /// with `expect`, only replies whose final line starts with it are counted.
    static func run(socket path: String, request: String, clients: Int, seconds: Double, redis: Bool = false, expect: String? = nil) -> Result {
        struct Connection {
            var fd: Int32
            var pending: [UInt8] = []
            var lineStart = 0
            var sentAt: UInt64 = 0
            var sent = 0
        }
        let run = UInt32.random(in: 0...UInt32.max)
        let templated = request.contains("{n}")
        let parts = request.components(separatedBy: "{n}")
        let fixed = Array(request.utf8)
        let expected = expect.map { Array($0.utf8) }
        var connections: [Connection] = (0..<clients).map { _ in Connection(fd: connect(path)) }
        var polls = connections.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        var latencies: [Double] = []
        latencies.reserveCapacity(400_000)
        var operations = 0

        func send(_ c: Int) {
            connections[c].sent += 1
            let bytes = templated ? Array(parts.joined(separator: "\(run)-\(c)-\(connections[c].sent)").utf8) : fixed
            connections[c].sentAt = DispatchTime.now().uptimeNanoseconds
            var offset = 0
            while offset < bytes.count {  // requests are small: the socket buffer takes them whole
                let n = bytes.withUnsafeBytes { write(connections[c].fd, $0.baseAddress! + offset, $0.count - offset) }
                if n <= 0 { return }
                offset += n
            }
        }

        /// The final line of a complete reply in `pending`, if one has arrived.
        func finalLine(_ c: Int) -> ArraySlice<UInt8>? {
            let pending = connections[c].pending
            if redis { return pending.last == 0x0A ? pending[...] : nil }
            // A reply ends with a final line "NNN TOKEN…\n" (4th byte a space).
            var lineStart = connections[c].lineStart
            defer { connections[c].lineStart = lineStart }
            var i = lineStart
            while i < pending.count {
                if pending[i] == 0x0A {
                    if i - lineStart >= 4, pending[lineStart + 3] == 0x20 { return pending[lineStart..<i] }
                    lineStart = i + 1
                }
                i += 1
            }
            return nil
        }

        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = start + UInt64(seconds * 1e9)
        for c in connections.indices { send(c) }
        while DispatchTime.now().uptimeNanoseconds < deadline {
            guard poll(&polls, nfds_t(polls.count), 100) > 0 else { continue }
            for c in polls.indices where polls[c].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(connections[c].fd, $0.baseAddress, $0.count) }
                guard n > 0 else { polls[c].fd = -1; continue }  // closed: poll ignores negative fds
                connections[c].pending.append(contentsOf: buffer[0..<n])
                guard let line = finalLine(c) else { continue }
                let now = DispatchTime.now().uptimeNanoseconds
                if expected.map({ line.starts(with: $0) }) ?? true, now < deadline {
                    latencies.append(Double(now - connections[c].sentAt) / 1000)
                    operations += 1
                }
                connections[c].pending.removeAll(keepingCapacity: true)
                connections[c].lineStart = 0
                if now < deadline { send(c) }
            }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        for c in connections { close(c.fd) }
        return Result(operations: operations, seconds: min(elapsed, seconds), latenciesMicros: latencies)
    }
}
