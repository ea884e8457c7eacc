@testable import RegistryStore
import Testing

/// The pool configuration: no timer armed per request where none is needed.
@Suite struct DatabaseEndpointTests {
    /// Every connection is a minimum one (no idle-timeout timer per lease), and over a Unix socket no
    /// keep-alive timer either; over TCP the keep-alive stays, since only asking finds a dropped path.
    @Test func poolArmsNoTimerPerLeaseOnAUnixSocket() throws {
        let local = try DatabaseEndpoint(url: "postgresql://registry_app@/registry?host=/run/postgresql")
        let unix = local.clientConfiguration(maximumConnections: 12)
        #expect(unix.options.minimumConnections == 12)
        #expect(unix.options.maximumConnections == 12)
        #expect(unix.options.keepAliveBehavior == nil)

        let remote = try DatabaseEndpoint(url: "postgresql://registry_app:secret@db.example:5433/registry")
        let tcp = remote.clientConfiguration(maximumConnections: 12)
        #expect(tcp.options.minimumConnections == 12)
        #expect(tcp.options.keepAliveBehavior != nil)
    }

    @Test func urlFormsParse() throws {
        let tcp = try DatabaseEndpoint(url: "postgresql://registry_app:secret@db.example:5433/registry")
        #expect(tcp.host == "db.example" && tcp.port == 5433 && tcp.password == "secret" && tcp.socketDirectory == nil)
        #expect(tcp.description == "postgresql://registry_app@db.example:5433/registry")  // never the password
        let unix = try DatabaseEndpoint(url: "postgresql://registry_app@/registry?host=/tmp/pg&port=5499")
        #expect(unix.socketDirectory == "/tmp/pg" && unix.port == 5499 && unix.host == nil)
        #expect(throws: DatabaseEndpoint.ParseError.self) { try DatabaseEndpoint(url: "mysql://x@y/z") }
    }
}
