import Logging
import RegistryStore
import ServiceLifecycle

/// Keeps the embedded cluster for the daemon's lifetime and stops it last on shutdown
/// (first in the ServiceGroup, so shut down after the pool and the listeners).
struct EmbeddedPostgresService: Service {
    let postgres: EmbeddedPostgres
    let stopOnExit: Bool

    func run() async throws {
        try? await gracefulShutdown()
        if stopOnExit { try await offPool { postgres.stop() } }
    }
}
