import Configuration
import Foundation
import NIOCore
import SystemPackage

/// The daemon's settings, read with swift-configuration from (highest first) `REGISTRYD_*` environment
/// variables and the JSON file given with `--config`. Every key is documented in
/// `Config/registryd.example.json`.
struct Settings: Sendable {
    /// Runtime database URL (the `registry_app` role). Absent: the embedded PostgreSQL is used.
    var databaseURL: String?
    /// Owner URL used to apply migrations at start; absent in a configured deployment: only checked.
    var migrationURL: String?
    var maxConnections: Int
    var stateDirectory: String
    var socketDirectory: String
    var rulebookPath: String
    var holidaysPath: String
    var sqlDirectory: String
    var logLevel: String
    var enabledListeners: [String]
    var commandDeadlineSeconds: Int
    var idleTimeoutSeconds: Int
    /// Audit entries `audit.verify` checks per statement; each range must finish within the deadline.
    var auditVerifyChunk: Int
    /// Test daemons only: `clock.advance` may move the registry clock.
    var testClock: Bool
    /// Test daemons only (with `testing.clock`): `timer.after_claim=<path>` makes the first claimed timer
    /// create the file at `path` and wait two seconds inside its open transaction, so that a fault test
    /// can stop the process while it holds the claim (reliability-security T3); `shutdown.stall` adds a
    /// service that never stops, to show that a stop still ends (`ShutdownStall`).
    var failpoint: String?
    var timerPollMilliseconds: Int
    /// Event-loop threads serving the admin sockets.
    var eventLoopThreads: Int
    /// Load the synthetic demonstration dataset into an empty registry (default on in development mode).
    var demoData: Bool

    /// True when no database is configured and the daemon runs its own PostgreSQL.
    var embedded: Bool { databaseURL == nil }

    static func load(configFile: String?, overrides: [String: String]) async throws -> Settings {
        var env: [String: String] = [:]
        for (key, value) in ProcessInfo.processInfo.environment where key.hasPrefix("REGISTRYD_") {
            env[String(key.dropFirst("REGISTRYD_".count))] = value
        }
        var providers: [any ConfigProvider] = [
            InMemoryProvider(values: Dictionary(uniqueKeysWithValues: overrides.map { entry -> (AbsoluteConfigKey, ConfigValue) in
                (AbsoluteConfigKey(entry.key.split(separator: ".").map(String.init)), ConfigValue(.string(entry.value), isSecret: true))
            })),
            EnvironmentVariablesProvider(environmentVariables: env, secretsSpecifier: .specific(["DATABASE_URL", "DATABASE_MIGRATION_URL"])),
        ]
        if let configFile {
            providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(configFile)))
        }
        let config = ConfigReader(providers: providers)
        let state = config.string(forKey: "state.directory", default: "state")
        let stateAbsolute = state.hasPrefix("/") ? state : FileManager.default.currentDirectoryPath + "/" + state
        return Settings(
            databaseURL: config.string(forKey: "database.url", isSecret: true),
            migrationURL: config.string(forKey: "database.migration_url", isSecret: true),
            maxConnections: config.int(forKey: "database.max_connections", default: 16),
            stateDirectory: stateAbsolute,
            socketDirectory: config.string(forKey: "sockets.directory", default: stateAbsolute + "/run"),
            rulebookPath: config.string(forKey: "rulebook.path", default: "Config/rulebook.conf"),
            holidaysPath: config.string(forKey: "calendar.holidays_path", default: "Config/holidays.conf"),
            sqlDirectory: config.string(forKey: "sql.directory", default: "sql"),
            logLevel: config.string(forKey: "log.level", default: "info"),
            enabledListeners: config.string(forKey: "sockets.listeners", default: "admin,staff,readonly")
                .split(separator: ",").map(String.init),
            commandDeadlineSeconds: config.int(forKey: "limits.command_deadline_seconds", default: 10),
            idleTimeoutSeconds: config.int(forKey: "limits.idle_timeout_seconds", default: 120),
            auditVerifyChunk: config.int(forKey: "limits.audit_verify_chunk", default: 50_000),
            testClock: config.bool(forKey: "testing.clock", default: false),
            failpoint: config.string(forKey: "testing.failpoint"),
            timerPollMilliseconds: config.int(forKey: "timers.poll_milliseconds", default: 1000),
            eventLoopThreads: max(1, config.int(forKey: "sockets.event_loop_threads", default: System.coreCount)),
            demoData: config.bool(forKey: "demo.load", default: config.string(forKey: "database.url") == nil)
        )
    }
}
