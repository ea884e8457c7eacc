import Foundation
import Logging
import PostgresNIO
import RegistryStore

/// Brings the database up to the point where the daemon can run: starts the embedded cluster when no
/// database is configured, creates the `registry` database, applies migrations as the owner, and
/// returns the runtime endpoint (role `registry_app`).
struct DatabaseSetup {
    let settings: Settings
    let logger: Logger

    struct Prepared {
        var runtime: DatabaseEndpoint
        var embedded: EmbeddedPostgres?
        var startedEmbedded: Bool
        var owner: DatabaseEndpoint?
    }

    func prepare(migrate: Bool = true) async throws -> Prepared {
        if let url = settings.databaseURL {
            let runtime = try DatabaseEndpoint(url: url)
            if let owner = try settings.migrationURL.map(DatabaseEndpoint.init(url:)), migrate {
                try await Self.withClient(owner, logger: logger) { client in
                    try await MigrationRunner(client: client, logger: logger).migrate(try Migration.load(from: settings.sqlDirectory))
                }
                return Prepared(runtime: runtime, embedded: nil, startedEmbedded: false, owner: owner)
            }
            try await Self.withClient(runtime, logger: logger) { client in
                try await MigrationRunner(client: client, logger: logger).check()
            }
            return Prepared(runtime: runtime, embedded: nil, startedEmbedded: false, owner: nil)
        }
        let embedded = try EmbeddedPostgres(options: .init(directory: settings.stateDirectory + "/pg"), logger: logger)
        let wasRunning = FileManager.default.fileExists(atPath: embedded.socketPath)
        try await offPool { try embedded.start() }
        do {
            return try await prepareEmbedded(embedded, migrate: migrate, startedEmbedded: !wasRunning)
        } catch {
            // A daemon that fails to start (a migration refused, a newer schema) leaves no PostgreSQL of
            // its own running behind it.
            if !wasRunning { try? await offPool { embedded.stop() } }
            throw error
        }
    }

    private func prepareEmbedded(_ embedded: EmbeddedPostgres, migrate: Bool, startedEmbedded: Bool) async throws -> Prepared {
        let admin = DatabaseEndpoint(socketDirectory: embedded.options.directory, port: embedded.options.port,
                                     user: "postgres", database: "postgres")
        try await Self.withClient(admin, logger: logger) { client in
            var exists = false
            for try await _ in try await client.query("SELECT 1 FROM pg_database WHERE datname = 'registry'", logger: logger) {
                exists = true
            }
            if !exists { try await client.query("CREATE DATABASE registry", logger: logger) }
        }
        let owner = DatabaseEndpoint(socketDirectory: embedded.options.directory, port: embedded.options.port,
                                     user: "postgres", database: "registry")
        if migrate {
            try await Self.withClient(owner, logger: logger) { client in
                try await MigrationRunner(client: client, logger: logger).migrate(try Migration.load(from: settings.sqlDirectory))
            }
        }
        return Prepared(runtime: owner.with(user: "registry_app"), embedded: embedded, startedEmbedded: startedEmbedded, owner: owner)
    }

    /// Runs `body` with a short-lived pool.
    @discardableResult
    static func withClient<T: Sendable>(_ endpoint: DatabaseEndpoint, logger: Logger,
                                        _ body: @escaping @Sendable (PostgresClient) async throws -> T) async throws -> T {
        let client = PostgresClient(configuration: endpoint.clientConfiguration(maximumConnections: 2), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            group.addTask { try await body(client) }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let value = next { return value }
            }
            throw CancellationError()
        }
    }
}

/// Runs blocking work (process spawning, waiting) on its own thread: the cooperative pool has only one
/// thread per core here, and blocking it stalls every task.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
