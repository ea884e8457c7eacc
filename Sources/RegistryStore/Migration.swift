import Foundation

/// One forward-only migration file `sql/NNNN_description.sql`.
public struct Migration: Sendable, Hashable {
    public var version: Int
    public var name: String
    public var sql: String

    /// Loads every `NNNN_*.sql` file of `directory`, in version order; refuses gaps and duplicates.
    public static func load(from directory: String) throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }
        var migrations: [Migration] = []
        for file in files {
            let digits = file.prefix { $0.isNumber }
            guard digits.count == 4, let version = Int(digits) else { continue }
            let sql = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            migrations.append(Migration(version: version, name: String(file.dropLast(4)), sql: sql))
        }
        migrations.sort { $0.version < $1.version }
        for (index, m) in migrations.enumerated() where m.version != index + 1 {
            throw MigrationError.gap(expected: index + 1, found: m.name)
        }
        return migrations
    }
}

/// Why migrations could not run.
public enum MigrationError: Error, CustomStringConvertible, Equatable {
    case gap(expected: Int, found: String)
    case databaseNewer(database: Int, known: Int)
    case filesNewer(files: Int, known: Int)
    case databaseOlder(database: Int, known: Int)
    case changed(version: Int, name: String)
    case failed(version: Int, name: String, statement: Int, error: String)

    public var description: String {
        switch self {
        case .gap(let expected, let found): return "migration \(expected) missing before \(found)"
        case .databaseNewer(let db, let known):
            return "database schema is at version \(db), newer than this registryd knows (\(known)); refusing to run"
        case .filesNewer(let files, let known):
            return "sql/ holds migrations up to \(files) but this registryd knows \(known); use the matching build"
        case .databaseOlder(let db, let known):
            return "database schema is at version \(db), this registryd needs \(known): run migrations (registryd migrate)"
        case .changed(let version, let name): return "applied migration \(version) (\(name)) was edited; migrations are forward-only"
        case .failed(let version, let name, let statement, let error):
            return "migration \(version) (\(name)) failed at statement \(statement): \(error)"
        }
    }
}
