import Logging
import PostgresNIO

/// Applies pending migrations, each in one transaction, and records them in `registry.schema_migrations`.
public struct MigrationRunner: Sendable {
    public let client: PostgresClient
    public let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Current schema version (0 for an empty database).
    public func currentVersion() async throws -> Int {
        let rows = try await client.query("SELECT to_regclass('registry.schema_migrations') IS NOT NULL", logger: logger)
        var exists = false
        for try await flag in rows.decode(Bool.self) { exists = flag }
        guard exists else { return 0 }
        var version = 0
        for try await v in try await client.query("SELECT coalesce(max(version), 0) FROM registry.schema_migrations", logger: logger)
            .decode(Int.self) { version = v }
        return version
    }

    /// Applies what is missing up to `SchemaVersion.expected`; verifies applied files were not edited.
    @discardableResult
    public func migrate(_ migrations: [Migration]) async throws -> Int {
        let known = SchemaVersion.expected
        if let last = migrations.last, last.version > known { throw MigrationError.filesNewer(files: last.version, known: known) }
        try await client.query("CREATE SCHEMA IF NOT EXISTS registry", logger: logger)
        try await client.query("""
            CREATE TABLE IF NOT EXISTS registry.schema_migrations (
                version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """, logger: logger)
        var applied: [Int: (String, String)] = [:]
        for try await (v, name, sum) in try await client.query("SELECT version, name, checksum FROM registry.schema_migrations", logger: logger)
            .decode((Int, String, String).self) { applied[v] = (name, sum) }
        if let newest = applied.keys.max(), newest > known { throw MigrationError.databaseNewer(database: newest, known: known) }
        var version = applied.keys.max() ?? 0
        for migration in migrations {
            let checksum = try await self.checksum(migration.sql)
            if let (name, sum) = applied[migration.version] {
                if sum != checksum { throw MigrationError.changed(version: migration.version, name: name) }
                continue
            }
            let statements = SQLStatementSplitter.split(migration.sql)
            do {
                try await client.withTransaction(logger: logger) { conn in
                    for (index, statement) in statements.enumerated() {
                        do {
                            try await conn.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        } catch {
                            let message = (error as? PSQLError)?.serverInfo?[.message] ?? "\(error)"
                            throw MigrationError.failed(version: migration.version, name: migration.name, statement: index + 1, error: message)
                        }
                    }
                    try await conn.query("""
                        INSERT INTO registry.schema_migrations (version, name, checksum)
                        VALUES (\(migration.version), \(migration.name), \(checksum))
                        """, logger: logger)
                }
            } catch let error as PostgresTransactionError {
                if let inner = error.closureError { throw inner }
                throw error
            }
            logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            version = migration.version
        }
        return version
    }

    /// Refuses a schema that is older or newer than this build knows (used when not migrating).
    public func check() async throws {
        let version = try await currentVersion()
        if version > SchemaVersion.expected { throw MigrationError.databaseNewer(database: version, known: SchemaVersion.expected) }
        if version < SchemaVersion.expected { throw MigrationError.databaseOlder(database: version, known: SchemaVersion.expected) }
    }

    private func checksum(_ sql: String) async throws -> String {
        var result = ""
        for try await sum in try await client.query("SELECT encode(sha256(convert_to(\(sql), 'UTF8')), 'hex')", logger: logger)
            .decode(String.self) { result = sum }
        return result
    }
}
