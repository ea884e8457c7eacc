import Foundation
import Logging

/// A PostgreSQL cluster the daemon owns: initdb into a state folder, listen on a Unix socket in that
/// folder only (no TCP), stop it on shutdown. Used when no database is configured, and by the tests.
///
/// PostgreSQL refuses to run as root, so when the daemon runs as root the cluster runs as an
/// unprivileged OS user (`postgres` if it exists, else a system user created for it).
public final class EmbeddedPostgres: Sendable {
    /// Where the cluster lives and how it runs.
    public struct Options: Sendable {
        /// Folder that holds `data/` and the socket.
        public var directory: String
        /// Port number, used only to name the socket file `.s.PGSQL.<port>`.
        public var port: Int = 5432
        /// Turn off fsync for throwaway test clusters. Never for the daemon's own data.
        public var fast: Bool = false
        /// PostgreSQL binaries.
        public var binDirectory: String? = nil
        public var extraSettings: [String] = []

        public init(directory: String, port: Int = 5432, fast: Bool = false) {
            self.directory = directory
            self.port = port
            self.fast = fast
        }
    }

    /// Why the embedded cluster could not be set up or started, with what to do about it.
    public enum Failure: Error, CustomStringConvertible {
        case binariesNotFound(String)
        case commandFailed(String, Int32, String)
        case notTraversable(String)

        public var description: String {
            switch self {
            case .binariesNotFound(let hint): return "PostgreSQL binaries not found (\(hint)); install postgresql-15"
            case .commandFailed(let cmd, let status, let log): return "\(cmd) failed with status \(status): \(log)"
            case .notTraversable(let path): return "the PostgreSQL user cannot reach \(path): every parent folder needs o+x"
            }
        }
    }

    public let options: Options
    public let binDirectory: String
    private let runAs: String?
    private let logger: Logger

    /// Path of the Unix socket file.
    public var socketPath: String { options.directory + "/.s.PGSQL.\(options.port)" }
    public var dataDirectory: String { options.directory + "/data" }

    /// Finds PostgreSQL's binaries and the user to run them as (not root); starts nothing yet.
    public init(options: Options, logger: Logger) throws {
        self.options = options
        self.logger = logger
        guard let bin = options.binDirectory ?? EmbeddedPostgres.findBinaries() else {
            throw Failure.binariesNotFound("looked in /usr/lib/postgresql/*/bin and PATH")
        }
        self.binDirectory = bin
        self.runAs = getuid() == 0 ? EmbeddedPostgres.unprivilegedUser() : nil
    }

    /// Finds `initdb` and `pg_ctl`: the newest /usr/lib/postgresql/N/bin, else PATH.
    public static func findBinaries() -> String? {
        let fm = FileManager.default
        if let versions = try? fm.contentsOfDirectory(atPath: "/usr/lib/postgresql") {
            let sorted = versions.compactMap(Int.init).sorted(by: >)
            for v in sorted where fm.isExecutableFile(atPath: "/usr/lib/postgresql/\(v)/bin/initdb") {
                return "/usr/lib/postgresql/\(v)/bin"
            }
        }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        where fm.isExecutableFile(atPath: "\(dir)/initdb") {
            return String(dir)
        }
        return nil
    }

    private static func unprivilegedUser() -> String {
        if getpwnam("postgres") != nil { return "postgres" }
        _ = try? run("/usr/sbin/useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "registryd-pg"])
        return "registryd-pg"
    }

    /// initdb when the data folder is new, then start. Returns once the server accepts connections.
    public func start() throws {
        let fm = FileManager.default
        let parent = (options.directory as NSString).deletingLastPathComponent
        try fm.createDirectory(atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try fm.createDirectory(atPath: options.directory, withIntermediateDirectories: true,
                               attributes: [.posixPermissions: 0o700])
        if let user = runAs {
            try checkTraversable(options.directory)
            _ = try Self.run("/bin/chown", ["-R", "\(user):", options.directory])
        }
        if !fm.fileExists(atPath: dataDirectory + "/PG_VERSION") {
            logger.info("initialising embedded PostgreSQL", metadata: ["data": "\(dataDirectory)"])
            try runPG("initdb", ["-D", dataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"]
                      + (options.fast ? ["--no-sync"] : []))
        }
        if fm.fileExists(atPath: socketPath) {
            // A stale socket with a stale postmaster.pid from a killed run: pg_ctl status tells.
            if (try? runPG("pg_ctl", ["-D", dataDirectory, "status"])) != nil {
                logger.info("embedded PostgreSQL already running", metadata: ["socket": "\(socketPath)"])
                return
            }
        }
        var settings = ["-c listen_addresses=''", "-k \(options.directory)", "-p \(options.port)",
                        "-c max_connections=200", "-c unix_socket_permissions=0770"]
        if options.fast {
            settings += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        }
        settings += options.extraSettings
        try runPG("pg_ctl", ["-D", dataDirectory, "-l", options.directory + "/server.log", "-o", settings.joined(separator: " "),
                             "-w", "-t", "60", "start"])
        logger.info("embedded PostgreSQL started", metadata: ["socket": "\(socketPath)"])
    }

    /// Fast shutdown (rolls back open transactions, checkpoints); waits for the server to exit.
    public func stop() {
        do {
            try runPG("pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "stop"])
            logger.info("embedded PostgreSQL stopped")
        } catch {
            logger.warning("embedded PostgreSQL stop failed", metadata: ["error": "\(error)"])
        }
    }

    /// Runs a PostgreSQL binary (initdb, pg_ctl) as the cluster's OS user.
    @discardableResult
    public func runPG(_ tool: String, _ arguments: [String]) throws -> String {
        let path = binDirectory + "/" + tool
        if let user = runAs {
            return try Self.run("/usr/sbin/runuser", ["-u", user, "--", path] + arguments)
        }
        return try Self.run(path, arguments)
    }

    private func checkTraversable(_ path: String) throws {
        var url = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent()
        while url.path != "/" {
            let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
            let mode = (attributes?[.posixPermissions] as? Int) ?? 0
            if mode & 0o001 == 0 { throw Failure.notTraversable(url.path) }
            url = url.deletingLastPathComponent()
        }
    }

    /// Runs a program to completion, returning its output; throws with the output on a non-zero status.
    ///
    /// posix_spawn + waitpid rather than Foundation's Process: `pg_ctl start` leaves a daemonised
    /// postmaster behind, and Process's exit monitoring was seen to hang on that here. Output goes to a
    /// temporary file, not a pipe, since the postmaster would inherit a pipe's write end.
    @discardableResult
    static func run(_ path: String, _ arguments: [String]) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("registryd-\(UUID().uuidString).out").path
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw Failure.commandFailed(path, Int32(spawned), "spawn failed") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exitCode = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        guard exitCode == 0 else {
            throw Failure.commandFailed(([path] + arguments).joined(separator: " "), exitCode, text)
        }
        return text
    }
}
