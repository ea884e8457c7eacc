import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real registryd process started from the build folder, against its own database in the test cluster,
/// with its sockets in a temporary folder.
final class Daemon: @unchecked Sendable {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The built registryd next to the test bundle.
    static let binary: String = {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for candidate in [here.appendingPathComponent("registryd").path,
                          here.deletingLastPathComponent().appendingPathComponent("registryd").path,
                          packageRoot + "/.build/debug/registryd"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        fatalError("registryd binary not found next to \(here.path)")
    }()

    static var registryctl: String {
        URL(fileURLWithPath: binary).deletingLastPathComponent().appendingPathComponent("registryctl").path
    }

    static let migrationLock = NSLock()

    let database: String?
    let socketDirectory: String
    let stateDirectory: String
    var environment: [String: String]
    private(set) var pid: pid_t = 0
    private(set) var logPath = ""

    var adminSocket: String { socketDirectory + "/admin.sock" }
    var staffSocket: String { socketDirectory + "/staff.sock" }
    var readonlySocket: String { socketDirectory + "/readonly.sock" }

    /// A configured daemon (database URL given) on a fresh database, with an admin for uid 0.
    static func configured(extraEnvironment: [String: String] = [:], bootstrapAdmin: Bool = true,
                           database: String? = nil, cluster: TestCluster? = nil) async throws -> Daemon {
        try await offPool {
            // The shared cluster is made (initdb, start) on first use: here, off the cooperative pool. As a
            // default argument it was made on a pool thread, and several suites waiting for it at once held
            // every pool thread for seconds (the unit tests' sleeps then overran by as much).
            let cluster = cluster ?? .shared
            let db = try database ?? cluster.createDatabase()
            let daemon = Daemon(database: db, embedded: false)
            // A daemon that never came up leaves no state folder behind (a failing run left dozens).
            var started = false
            defer { if !started { daemon.tearDown() } }
            daemon.environment["REGISTRYD_DATABASE_URL"] = cluster.url(database: db, user: "registry_app")
            daemon.environment["REGISTRYD_DATABASE_MIGRATION_URL"] = cluster.url(database: db, user: "postgres")
            daemon.environment.merge(extraEnvironment) { _, b in b }
            if bootstrapAdmin {
                // Migrations touch the cluster-wide role; one database migrates at a time.
                Daemon.migrationLock.lock()
                defer { Daemon.migrationLock.unlock() }
                let out = try daemon.command(["bootstrap-admin", "--uid", "0", "--name", "Test Admin"])
                guard out.status == 0 else { throw SpawnError(message: "bootstrap-admin failed: \(out.stderr)\(out.stdout)") }
            }
            try daemon.start()
            started = true
            return daemon
        }
    }

    /// The embedded default: no database configured, a state folder of its own.
    static func embedded() async throws -> Daemon {
        try await offPool {
            let daemon = Daemon(database: nil, embedded: true)
            do {
                try daemon.start()
            } catch {
                daemon.tearDown()
                throw error
            }
            return daemon
        }
    }

    private init(database: String?, embedded: Bool) {
        self.database = database
        let base = "/tmp/regd-\(UUID().uuidString.prefix(8))"
        stateDirectory = base
        socketDirectory = base + "/run"
        try? FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o755])
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("REGISTRYD_") }
        env["REGISTRYD_STATE_DIRECTORY"] = base
        env["REGISTRYD_SOCKETS_DIRECTORY"] = socketDirectory
        env["REGISTRYD_LOG_LEVEL"] = "info"
        environment = env
    }

    /// Runs a registryd subcommand with this daemon's settings.
    func command(_ arguments: [String]) throws -> Subprocess.Output {
        try Subprocess.run([Self.binary] + arguments, environment: environment, directory: Self.packageRoot, timeout: 120)
    }

    /// Starts the process and waits until `ping` answers on the admin socket.
    func start() throws {
        let (pid, _, err) = try Subprocess.spawn([Self.binary], environment: environment, directory: Self.packageRoot)
        self.pid = pid
        self.logPath = err
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                throw SpawnError(message: "registryd exited at start: \(log)")
            }
            if FileManager.default.fileExists(atPath: adminSocket),
               let out = try? Subprocess.run(["socat", "-t", "5", "-", "UNIX-CONNECT:" + adminSocket], stdin: "ping\n", timeout: 10),
               out.stdout.hasPrefix("211 STATUS") {
                return
            }
            usleep(100_000)
        }
        throw SpawnError(message: "registryd did not come up: \(log)")
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGTERM and wait; returns the exit status.
    func stop(timeout: Double = 60) -> Int32 {
        guard pid > 0 else { return 0 }
        kill(pid, SIGTERM)
        let status = Subprocess.wait(pid, timeout: timeout)
        pid = 0
        return status
    }

    /// SIGKILL, as a crash would: no shutdown, nothing flushed that was not committed.
    func crash() {
        guard pid > 0 else { return }
        kill(pid, SIGKILL)
        _ = Subprocess.wait(pid, timeout: 30)
        pid = 0
    }

    /// Whether the process is still running.
    var isRunning: Bool {
        guard pid > 0 else { return false }
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    /// Stops the daemon and removes its folders (the database stays in the cluster until the run ends).
    func tearDown() {
        _ = stop()
        try? FileManager.default.removeItem(atPath: stateDirectory)
    }

    /// Sends `input` through socat with half-close, returns what the server wrote.
    func socat(_ input: String, socket: String? = nil, asUID uid: Int? = nil) throws -> String {
        try client(["socat", "-t", "30", "-", "UNIX-CONNECT:" + (socket ?? adminSocket)], input: Array(input.utf8), uid: uid)
    }

    /// Same with OpenBSD netcat (`-N` shuts the socket down after EOF).
    func nc(_ input: String, socket: String? = nil) throws -> String {
        try client(["nc", "-N", "-U", socket ?? adminSocket], input: Array(input.utf8), uid: nil)
    }

    /// Raw bytes through socat (invalid UTF-8 and friends).
    func socatBytes(_ input: [UInt8], socket: String? = nil) throws -> String {
        try client(["socat", "-t", "30", "-", "UNIX-CONNECT:" + (socket ?? adminSocket)], input: input, uid: nil)
    }

    /// Runs a client as another uid (group 0 keeps the 0660 socket reachable), like a staff member would.
    func client(_ argv: [String], input: [UInt8], uid: Int?) throws -> String {
        var full = argv
        if let uid { full = ["setpriv", "--reuid=\(uid)", "--regid=0", "--clear-groups"] + argv }
        let out = try Subprocess.run(full, stdinBytes: input, timeout: 60)
        return out.stdout
    }

    deinit { if pid > 0 { kill(pid, SIGKILL) } }
}

extension String {
    /// Lines without the trailing empty one.
    var lines: [String] { split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }

    /// Final reply lines only (`NNN TOKEN…`).
    var finalLines: [String] {
        lines.filter { $0.count >= 4 && Array($0.utf8)[3] == 0x20 }
    }
}
