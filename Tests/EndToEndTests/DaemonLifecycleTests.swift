import Foundation
import RegistryStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Start-up refusals, graceful shutdown, the embedded default.
@Suite(.serialized) struct DaemonLifecycleTests {
    @Test func sigtermAnswersOpenSessionsWith421AndExitsCleanly() async throws {
        let daemon = try await Daemon.configured()
        defer { daemon.tearDown() }
        // A client that keeps its connection open (socat waits up to 30 s for the server after stdin ends
        // only with -t; here stdin stays open for 3 s via a sleeping shell).
        let socket = daemon.adminSocket
        let (pid, out, _) = try Subprocess.spawn(["/bin/sh", "-c", "(printf 'ping\\n'; sleep 3) | socat -t 30 - UNIX-CONNECT:\(socket)"])
        try await Task.sleep(for: .milliseconds(800))
        let status = await Task.detached { daemon.stop() }.value
        #expect(status == 0, "\(daemon.log)")
        _ = Subprocess.wait(pid, timeout: 30)
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        #expect(text == "211 STATUS msg=pong\n421 CLOSING reason=shutdown\n")
        #expect(!FileManager.default.fileExists(atPath: socket))
        #expect(daemon.log.contains("registryd stopped"))
    }

    /// A stop always ends: a service that ignores graceful shutdown and cancellation (failpoint
    /// `shutdown.stall`) is cancelled after the command deadline plus 10 s, and the process ends 5 s
    /// later with a fatal error that says why (and a crash report), instead of living on with no
    /// socket and no database.
    @Test func stopEndsEvenWhenAServiceNeverFinishes() async throws {
        let daemon = try await Daemon.configured(extraEnvironment: [
            "REGISTRYD_TESTING_CLOCK": "true", "REGISTRYD_TESTING_FAILPOINT": "shutdown.stall", "REGISTRYD_LIMITS_COMMAND_DEADLINE_SECONDS": "1",
        ])
        defer { daemon.tearDown() }
        let out = try await offPool { try daemon.socat("ping\n") }
        #expect(out == "211 STATUS msg=pong\n")
        let started = Date()
        let status = await Task.detached { daemon.stop(timeout: 90) }.value
        let took = Date().timeIntervalSince(started)
        #expect(status != -9, "still running 90 s after SIGTERM: \(daemon.log)")
        #expect(status != 0, "the stalled service cannot have finished")
        // 1 s deadline + 10 s, then 5 s of cancellation; then the runtime's crash report, which takes
        // seconds more (tens under a loaded test run).
        #expect(took >= 16, "took \(took) s")
        #expect(daemon.log.contains("Cancellation took longer than allowed"), "\(daemon.log)")
        // The listeners stopped first, as in any shutdown: the socket is gone.
        #expect(!FileManager.default.fileExists(atPath: daemon.adminSocket))
    }

    /// A second registryd started on the first one's socket folder refuses to start instead of taking
    /// its sockets over (the first, stopped later, would then have removed the second's).
    @Test func secondDaemonOnLiveSocketsIsRefused() async throws {
        let daemon = try await Daemon.configured()
        defer { daemon.tearDown() }
        let second = try await offPool { try daemon.command([]) }
        #expect(second.status != 0)
        #expect(second.stderr.contains("another process is listening on \(daemon.adminSocket)"), "\(second.stderr)")
        let out = try await offPool { try daemon.socat("ping\n") }
        #expect(out == "211 STATUS msg=pong\n")
        let status = await Task.detached { daemon.stop() }.value
        #expect(status == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.adminSocket))
    }

    @Test func badRulebookStopsStartWithKeyAndLine() async throws {
        let dir = "/tmp/regd-rb-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = try String(contentsOfFile: Daemon.packageRoot + "/Config/rulebook.conf", encoding: .utf8)
        try (good + "complaint.second_action_days value=10 tag=S basis=CMP-4 source=x\n")
            .write(toFile: dir + "/rulebook.conf", atomically: true, encoding: .utf8)
        let lines = good.split(separator: "\n", omittingEmptySubsequences: false).count
        let out = try await offPool {
            try Subprocess.run([Daemon.binary, "check-config"], environment: ["REGISTRYD_RULEBOOK_PATH": dir + "/rulebook.conf", "PATH": "/usr/bin:/bin"],
                               directory: Daemon.packageRoot)
        }
        #expect(out.status != 0)
        #expect(out.stderr.contains("rulebook.conf:\(lines): complaint.second_action_days: unknown key"), "\(out.stderr)")
        let ok = try await offPool { try Subprocess.run([Daemon.binary, "check-config"], directory: Daemon.packageRoot) }
        #expect(ok.stdout.hasPrefix("200 OK rules="))
    }

    @Test func newerSchemaIsRefused() async throws {
        let daemon = try await Daemon.configured()
        defer { daemon.tearDown() }
        _ = daemon.stop()
        try await offPool {
            try TestCluster.shared.psql("INSERT INTO registry.schema_migrations (version, name, checksum) VALUES (99, '0099_future', 'x')",
                                        database: daemon.database!)
        }
        let out = try await offPool { try daemon.command([]) }
        #expect(out.status != 0)
        #expect(out.stderr.contains("newer than this registryd knows"), "\(out.stderr)")
    }

    /// A start that fails after the embedded PostgreSQL is up (here: sql/ holds a migration this build
    /// does not know) stops that PostgreSQL before exiting. It was left running, and a benchmark run with
    /// a stale binary left a cluster behind.
    @Test func failedEmbeddedStartStopsItsPostgres() async throws {
        let daemon = try await Daemon.embedded()
        defer { daemon.tearDown() }
        #expect(await Task.detached { daemon.stop() }.value == 0)
        let sql = daemon.stateDirectory + "/sql-ahead"
        try FileManager.default.createDirectory(atPath: sql, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: Daemon.packageRoot + "/sql") where file.hasSuffix(".sql") {
            try FileManager.default.copyItem(atPath: Daemon.packageRoot + "/sql/" + file, toPath: sql + "/" + file)
        }
        let next = String(format: "%04d", SchemaVersion.expected + 1)
        try "SELECT 1;\n".write(toFile: sql + "/\(next)_from_the_future.sql", atomically: true, encoding: .utf8)
        daemon.environment["REGISTRYD_SQL_DIRECTORY"] = sql
        let out = try await offPool { try daemon.command([]) }
        #expect(out.status != 0)
        #expect(out.stderr.contains("but this registryd knows \(SchemaVersion.expected)"), "\(out.stderr)")
        #expect(out.stderr.contains("embedded PostgreSQL stopped"), "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: daemon.stateDirectory + "/pg/data/postmaster.pid"))
    }

    @Test func embeddedDefaultComesUpWithDevelopmentAccountAndStopsItsPostgres() async throws {
        let daemon = try await Daemon.embedded()
        defer { daemon.tearDown() }
        let out = try await offPool { try daemon.socat("hello\nrule.show complaint.first_action_days\n") }
        #expect(out.contains("roles=licensing_officer,inspector,commune_chief,hotline_operator,auditor,admin"))
        #expect(out.hasSuffix("200 OK\n"))
        #expect(daemon.log.contains("DEVELOPMENT MODE"))
        let status = await Task.detached { daemon.stop() }.value
        #expect(status == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.stateDirectory + "/pg/postmaster.pid"))
        #expect(!FileManager.default.fileExists(atPath: daemon.stateDirectory + "/pg/data/postmaster.pid"))
    }
}
