import Foundation
import PostgresNIO

/// Where the database is and who to connect as, parsed from a libpq-style URL:
/// `postgresql://user[:password]@host[:port]/dbname` or, for a Unix socket,
/// `postgresql://user@/dbname?host=/run/postgresql[&port=5432]`.
public struct DatabaseEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String?
    public var port: Int
    public var socketDirectory: String?
    public var user: String
    public var password: String?
    public var database: String

    public init(socketDirectory: String, port: Int = 5432, user: String, database: String) {
        self.socketDirectory = socketDirectory
        self.port = port
        self.user = user
        self.database = database
    }

    public enum ParseError: Error, CustomStringConvertible {
        case invalid(String)
        public var description: String {
            switch self { case .invalid(let why): return "database URL: \(why)" }
        }
    }

    public init(url text: String) throws {
        guard let components = URLComponents(string: text),
              components.scheme == "postgresql" || components.scheme == "postgres"
        else { throw ParseError.invalid("expected postgresql://user@host:port/dbname") }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, b in b })
        self.user = components.user ?? query["user"] ?? "registry_app"
        self.password = components.password ?? query["password"]
        self.port = components.port ?? query["port"].flatMap(Int.init) ?? 5432
        let db = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = db.isEmpty ? "registry" : db
        if let h = query["host"], h.hasPrefix("/") {
            self.socketDirectory = h
        } else if let h = components.host, !h.isEmpty {
            self.host = h
        } else {
            self.socketDirectory = "/run/postgresql"
        }
    }

    /// The same server as another role (the runtime role after migrations ran as the owner).
    public func with(user: String, password: String? = nil) -> DatabaseEndpoint {
        var copy = self
        copy.user = user
        copy.password = password
        return copy
    }

    /// PostgresClient configuration; TLS is off on Unix sockets and required-if-offered on TCP.
    public func clientConfiguration(maximumConnections: Int) -> PostgresClient.Configuration {
        var config: PostgresClient.Configuration
        if let dir = socketDirectory {
            config = .init(unixSocketPath: "\(dir)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            config = .init(host: host ?? "127.0.0.1", port: port, username: user, password: password, database: database,
                           tls: .disable)
        }
        config.options.maximumConnections = maximumConnections
        config.options.minimumConnections = 0
        config.options.connectTimeout = .seconds(3)
        // No JIT compilation: the daemon's queries are short, and for the few larger ones (statistics
        // over a year of cases) the compilation cost more than it saved: 0.4 s of a 1.8 s query over
        // 150,000 cases, without JIT 1.2 s.
        config.options.additionalStartupParameters = [("jit", "off")]
        return config
    }

    /// For logs: never shows the password.
    public var description: String {
        let place = socketDirectory.map { "\($0)/.s.PGSQL.\(port)" } ?? "\(host ?? ""):\(port)"
        return "postgresql://\(user)@\(place)/\(database)"
    }
}
