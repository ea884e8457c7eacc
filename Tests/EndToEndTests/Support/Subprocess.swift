import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs real programs (socat, nc, python3, psql, registryd) for end-to-end tests.
///
/// posix_spawn and waitpid rather than Foundation's Process, whose exit monitoring needs a run loop the
/// async test runner does not turn. Blocking calls run on their own threads (`offPool`) so the two-thread
/// cooperative pool stays free for the daemon's clients.
struct Subprocess {
    struct Output: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Spawns `argv` with `stdin` bytes; returns its pid and the paths of its output files.
    static func spawn(_ argv: [String], stdin: [UInt8] = [], environment: [String: String]? = nil,
                      directory: String? = nil) throws -> (pid: pid_t, stdout: String, stderr: String) {
        let tmp = FileManager.default.temporaryDirectory.path + "/e2e-\(UUID().uuidString)"
        let inPath = tmp + ".in", outPath = tmp + ".out", errPath = tmp + ".err"
        _ = FileManager.default.createFile(atPath: inPath, contents: Data(stdin))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // No posix_spawn chdir on this libc: a shell changes folder, then execs the program.
        let argv = directory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0] + argv } ?? argv
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
        var pid: pid_t = 0
        let path = argv[0].hasPrefix("/") ? argv[0] : (which(argv[0]) ?? argv[0])
        let rc = posix_spawn(&pid, path, &actions, nil, cArgs, cEnv)
        unlink(inPath)
        guard rc == 0 else { throw SpawnError(message: "cannot spawn \(argv[0]): \(rc)") }
        return (pid, outPath, errPath)
    }

    /// Waits for `pid`, up to `timeout` seconds (then SIGKILL); returns its exit status.
    static func wait(_ pid: pid_t, timeout: Double = 60) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 { return -1 }
            if Date() > deadline { kill(pid, SIGKILL); _ = waitpid(pid, &status, 0); return -9 }
            usleep(5_000)
        }
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    /// Runs to completion and collects the output.
    static func run(_ argv: [String], stdin: String = "", environment: [String: String]? = nil, directory: String? = nil,
                    timeout: Double = 60) throws -> Output {
        try run(argv, stdinBytes: Array(stdin.utf8), environment: environment, directory: directory, timeout: timeout)
    }

    static func run(_ argv: [String], stdinBytes: [UInt8], environment: [String: String]? = nil, directory: String? = nil,
                    timeout: Double = 60) throws -> Output {
        let (pid, out, err) = try spawn(argv, stdin: stdinBytes, environment: environment, directory: directory)
        let status = wait(pid, timeout: timeout)
        defer { unlink(out); unlink(err) }
        return Output(status: status, stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") + ["/usr/bin", "/usr/sbin", "/bin"]
        where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        return nil
    }
}

struct SpawnError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Runs blocking work on a dedicated thread.
@discardableResult
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
