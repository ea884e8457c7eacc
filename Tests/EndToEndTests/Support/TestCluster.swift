import Foundation
import Logging
import RegistryStore

#if canImport(Glibc)
import Glibc
#endif

/// One throwaway PostgreSQL cluster for the whole test process (fsync off: tests, not durability claims),
/// started on first use and stopped at exit. Each test gets its own database in it.
final class TestCluster: Sendable {
    let postgres: EmbeddedPostgres
    let directory: String

    static let shared: TestCluster = {
        let dir = "/tmp/regd-e2e-\(getpid())"
        var options = EmbeddedPostgres.Options(directory: dir, port: 5432, fast: true)
        // Suites run in parallel, each daemon holding its whole pool (16) from start to stop: a full
        // run peaked at 161 sessions, too near the embedded default of 200.
        options.extraSettings = ["-c shared_buffers=64MB", "-c max_connections=500"]
        do {
            let postgres = try EmbeddedPostgres(options: options, logger: Logger(label: "test-cluster"))
            try postgres.start()
            let cluster = TestCluster(postgres: postgres, directory: dir)
            atexit {
                if let dir = TestCluster.runningDirectory {
                    let owner = (try? FileManager.default.attributesOfItem(atPath: dir + "/data")[.ownerAccountName] as? String) ?? nil
                    let pgctl = (EmbeddedPostgres.findBinaries() ?? "/usr/lib/postgresql/15/bin") + "/pg_ctl"
                    let argv = (getuid() == 0 ? ["/usr/sbin/runuser", "-u", owner ?? "postgres", "--"] : []) + [pgctl, "-D", dir + "/data", "-m", "immediate", "stop"]
                    _ = try? Subprocess.run(argv, timeout: 30)
                    _ = try? FileManager.default.removeItem(atPath: dir)
                }
            }
            TestCluster.runningDirectory = dir
            return cluster
        } catch {
            fatalError("cannot start the test PostgreSQL: \(error)")
        }
    }()

    nonisolated(unsafe) static var runningDirectory: String?

    /// A cluster of its own, for a test that stops and starts PostgreSQL (the shared one serves every
    /// other test meanwhile). The caller stops it.
    static func dedicated(port: Int) throws -> TestCluster {
        let dir = "/tmp/regd-pg-\(getpid())-\(port)"
        try? FileManager.default.removeItem(atPath: dir)
        var options = EmbeddedPostgres.Options(directory: dir, port: port, fast: true)
        options.extraSettings = ["-c shared_buffers=32MB"]
        let postgres = try EmbeddedPostgres(options: options, logger: Logger(label: "test-cluster-\(port)"))
        try postgres.start()
        return TestCluster(postgres: postgres, directory: dir, port: port)
    }

    let port: Int

    private init(postgres: EmbeddedPostgres, directory: String, port: Int = 5432) {
        self.postgres = postgres
        self.directory = directory
        self.port = port
    }

    /// Runs SQL as the superuser with psql; throws on failure.
    @discardableResult
    func psql(_ sql: String, database: String = "postgres", user: String = "postgres") throws -> String {
        let out = try Subprocess.run([postgres.binDirectory + "/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                                      "-h", directory, "-p", String(port), "-U", user, "-d", database, "-c", sql])
        guard out.status == 0 else { throw SpawnError(message: "psql: \(out.stderr)") }
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Calls of `registry.<function>` counted by `track_functions` in `database`, once a backend has
    /// reported them (backends report when idle, within seconds); 0 when none did within 15 s.
    func registryFunctionCalls(_ function: String, database: String) async throws -> Int {
        for _ in 0..<150 {
            try await Task.sleep(for: .milliseconds(100))
            let calls = Int(try psql("""
                SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions WHERE schemaname = 'registry' AND funcname = '\(function)'
                """, database: database)) ?? 0
            if calls > 0 { return calls }
        }
        return 0
    }

    /// A new, empty database.
    func createDatabase() throws -> String {
        let name = "e2e_" + UUID().uuidString.prefix(8).lowercased()
        try psql("CREATE DATABASE \(name)")
        return name
    }

    func url(database: String, user: String) -> String {
        "postgresql://\(user)@/\(database)?host=\(directory)&port=\(port)"
    }
}
