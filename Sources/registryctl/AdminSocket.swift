import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A blocking Unix-socket connection to registryd; the client is a plain command-line tool, so blocking
/// I/O keeps it simple.
final class AdminSocket {
    private let fd: Int32
    private var buffer: [UInt8] = []

    enum Failure: Error, CustomStringConvertible {
        case connect(String, Int32)
        case closed
        var description: String {
            switch self {
            case .connect(let path, let err): return "cannot connect to \(path): \(String(cString: strerror(err)))"
            case .closed: return "connection closed by registryd"
            }
        }
    }

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw Failure.connect(path, ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if result != 0 {
            let err = errno
            close(fd)
            throw Failure.connect(path, err)
        }
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { throw Failure.closed }
            bytes = bytes.dropFirst(n)
        }
    }

    /// Half-close: no more requests; registryd answers what it has and closes.
    func finishSending() { shutdown(fd, Int32(SHUT_WR)) }

    /// One line without its LF; nil at end of stream.
    func readLine() throws -> String? {
        while true {
            if let i = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<i], as: UTF8.self)
                buffer.removeFirst(i + 1)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 {
                if buffer.isEmpty { return nil }
                let line = String(decoding: buffer, as: UTF8.self)
                buffer.removeAll()
                return line
            }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    /// Reads one whole reply: data lines and the final line (or one JSON line). Returns lines and code.
    func readReply() throws -> (lines: [String], code: Int)? {
        var lines: [String] = []
        while let line = try readLine() {
            lines.append(line)
            if line.hasPrefix("{") {
                let code = line.range(of: "\"code\":").flatMap { Int(line[$0.upperBound...].prefix(3)) } ?? 0
                return (lines, code)
            }
            let bytes = Array(line.utf8)
            if bytes.count >= 4, bytes[3] == 0x20, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)) {
                return (lines, code)
            }
        }
        return lines.isEmpty ? nil : (lines, 0)
    }
}
