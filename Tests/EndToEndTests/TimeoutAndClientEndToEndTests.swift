import Foundation
import Testing

/// Timeouts seen by a raw Python socket client, and registryctl's interactive mode on a pseudo-terminal.
@Suite struct TimeoutAndClientEndToEndTests {
    /// A Python client: connects, sends `data`, optionally waits, then reads until the server closes.
    static func python(socket: String, send data: String, waitSeconds: Double) throws -> (String, Double) {
        let script = """
            import socket, sys, time
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sys.argv[1])
            s.sendall(sys.argv[2].encode())
            t0 = time.time()
            time.sleep(float(sys.argv[3]))
            s.settimeout(30)
            out = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
            sys.stdout.write(out.decode() + "|%.1f" % (time.time() - t0))
            """
        let out = try Subprocess.run(["python3", "-c", script, socket, data, String(waitSeconds)], timeout: 60)
        let parts = out.stdout.split(separator: "|")
        return (String(parts.first ?? ""), Double(parts.last ?? "0") ?? 0)
    }

    @Test func partialLineTimesOutAfterTenSeconds() async throws {
        let daemon = try await Daemon.configured()
        defer { daemon.tearDown() }
        let (text, seconds) = try await offPool { try Self.python(socket: daemon.adminSocket, send: "ping\npin", waitSeconds: 0) }
        #expect(text == "211 STATUS msg=pong\n421 CLOSING reason=partial_line_timeout\n")
        #expect(seconds >= 9.5 && seconds < 20)
    }

    @Test func idleConnectionIsClosed() async throws {
        let daemon = try await Daemon.configured(extraEnvironment: ["REGISTRYD_LIMITS_IDLE_TIMEOUT_SECONDS": "2"])
        defer { daemon.tearDown() }
        let (text, seconds) = try await offPool { try Self.python(socket: daemon.adminSocket, send: "ping\n", waitSeconds: 0) }
        #expect(text == "211 STATUS msg=pong\n421 CLOSING reason=idle\n")
        #expect(seconds >= 1.5 && seconds < 10)
    }

    /// registryctl on a terminal: line editing (cursor keys), history (up arrow) and Khmer input.
    @Test func registryctlInteractiveEditingAndHistory() async throws {
        let daemon = try await Daemon.configured()
        defer { daemon.tearDown() }
        let home = daemon.stateDirectory
        let script = """
            import os, pty, sys, time, select
            pid, fd = pty.fork()
            if pid == 0:
                os.environ["HOME"] = sys.argv[3]
                os.execv(sys.argv[1], [sys.argv[1], "--socket", sys.argv[2]])
            def read_for(seconds):
                out = b""
                end = time.time() + seconds
                while time.time() < end:
                    r, _, _ = select.select([fd], [], [], 0.1)
                    if r:
                        try:
                            out += os.read(fd, 65536)
                        except OSError:
                            break
                return out
            out = read_for(1.0)
            os.write(fd, b"rule.show complaint.ack_dayz")   # a typo
            os.write(fd, b"\\x7f\\x7fys\\r")                     # backspace twice, fix, enter
            out += read_for(1.5)
            os.write(fd, b"\\x1b[A\\r")                          # up arrow: the same command again
            out += read_for(1.5)
            os.write(fd, "staff.add name=\\"ស៊ុន ស្រីមុំ\\" roles=auditor\\r".encode())
            out += read_for(1.5)
            os.write(fd, b"quit\\r")
            out += read_for(1.0)
            sys.stdout.write(out.decode("utf-8", "replace"))
            """
        let out = try await offPool {
            try Subprocess.run(["python3", "-c", script, Daemon.registryctl, daemon.adminSocket, home], timeout: 60)
        }
        #expect(out.stdout.components(separatedBy: "200-value=2").count == 3, "\(out.stdout)")
        #expect(out.stdout.contains("201-name=\"ស៊ុន ស្រីមុំ\""))
        #expect(out.stdout.contains("221 BYE"))
        let history = try String(contentsOfFile: home + "/.registryctl_history", encoding: .utf8)
        #expect(history.hasPrefix("rule.show complaint.ack_days\n"))
    }
}
