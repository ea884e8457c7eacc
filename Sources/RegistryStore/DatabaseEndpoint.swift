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

    /// A `database.url` that cannot be used, with what is wrong with it (never the password).
    public enum ParseError: Error, CustomStringConvertible {
        case invalid(String)
        public var description: String {
            switch self { case .invalid(let why): return "database URL: \(why)" }
        }
    }

    /// Parses a `database.url` (see the type's documentation for the accepted forms).
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
        // No pool timer per request. PostgresNIO's pool arms a timer each time it parks a connection
        // (an idle timeout above the minimum, a keep-alive query) and cancels it at the next lease; each
        // timer is a task group with two tasks and a Dispatch sleep, and that churn was a third of the
        // daemon's CPU per complaint filing (measured with perf: 288 µs per filing, 206 µs without).
        // So every connection is a minimum one (opened at start, never timed out), and over a Unix
        // socket there is no keep-alive query: a local peer that goes away closes the socket at once,
        // there is no half-open connection to detect. Over TCP the keep-alive stays (a dropped network
        // path is found only by asking), at the cost of one timer per lease.
        config.options.minimumConnections = maximumConnections
        if socketDirectory != nil { config.options.keepAliveBehavior = nil }
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
