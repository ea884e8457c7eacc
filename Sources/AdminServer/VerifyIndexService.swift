import Logging
import PostgresNIO
import RegistryStore
import ServiceLifecycle

/// Keeps the hotline index in step: a full load once `LISTEN registry_changed` is acknowledged (so no
/// change falls between load and subscription), then one patch per notification; on a lost connection,
/// the same again after a short pause.
public final class VerifyIndexService: Service, Sendable {
    private let index: VerifyIndex
    private let store: Store
    private let logger: Logger

    public init(index: VerifyIndex, store: Store, logger: Logger) {
        self.index = index
        self.store = store
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { [index, store] in
                    try await store.withConnection { connection in
                        try await connection.listen(on: "registry_changed") { notifications in
                            try await index.reload(from: store)
                            for try await note in notifications {
                                try await index.apply(note.payload, from: store)
                            }
                        }
                    }
                }
            } catch is CancellationError {
                return
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                logger.warning("hotline index subscription lost; resubscribing", metadata: ["error": "\(StoreError.from(error))"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            }
        }
    }
}
