import AdminProtocol
import AdminServer
import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import RegistryDomain
import RegistryStore
import NIOPosix
import ServiceLifecycle

/// registryd: the registry and complaint daemon of Sub-Decree 190 and its prakas.
@main
struct Registryd: AsyncParsableCommand {
    static let version = "0.1.0"
    static let configuration = CommandConfiguration(
        commandName: "registryd",
        abstract: "Recruitment-agency registry and migrant-worker complaint daemon (Sub-Decree 190, Cambodia).",
        version: version,
        subcommands: [Serve.self, BootstrapAdmin.self, Migrate.self, CheckConfig.self, LoadDemoData.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every subcommand shares.
struct CommonOptions: ParsableArguments {
    @Option(help: "JSON configuration file (see Config/registryd.example.json).")
    var config: String?

    @Option(name: .customLong("database-url"), help: "Runtime database URL; without one, an embedded PostgreSQL is started.")
    var databaseURL: String?

    @Option(name: .customLong("state-dir"), help: "State folder (embedded PostgreSQL, sockets). Default: ./state")
    var stateDirectory: String?

    func settings() async throws -> Settings {
        var overrides: [String: String] = [:]
        if let databaseURL { overrides["database.url"] = databaseURL }
        if let stateDirectory { overrides["state.directory"] = stateDirectory }
        return try await Settings.load(configFile: config, overrides: overrides)
    }

    func logger(_ settings: Settings) -> Logger {
        var logger = Logger(label: "registryd")
        logger.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info
        return logger
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the daemon (the default).")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        // Swift Concurrency's jobs run on NIO's event loops (where PostgresNIO's connections live), not
        // on a separate thread pool: a complaint filing hopped between the two pools several times, and
        // those thread switches were most of the daemon's CPU per filing (measured with perf).
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let settings = try await common.settings()
        let logger = common.logger(settings)
        let (rulebook, calendar) = try Loader.rulebook(settings)
        let table = try Loader.table()
        logger.info("rulebook loaded", metadata: ["rules": "\(rulebook.keys.count)", "holiday_years": "\(calendar.years)"])

        let prepared = try await DatabaseSetup(settings: settings, logger: logger).prepare()
        let group: ServiceGroup
        do {
            group = try await services(settings: settings, logger: logger, rulebook: rulebook, calendar: calendar, table: table,
                                       prepared: prepared)
        } catch {
            // The embedded PostgreSQL this run started stops with it, also when start-up fails before
            // the services (which stop it when they end) run.
            if prepared.startedEmbedded, let embedded = prepared.embedded { try? await offPool { embedded.stop() } }
            throw error
        }
        logger.notice("registryd ready", metadata: ["database": "\(prepared.runtime)", "sockets": "\(settings.socketDirectory)"])
        do {
            try await group.run()
        } catch is CancellationError {
            // SIGTERM/SIGINT: a normal end.
        }
        logger.notice("registryd stopped")
    }

    /// The daemon's services, ready to run: pool, timers, hotline index, listeners (and the embedded
    /// PostgreSQL's keeper).
    private func services(settings: Settings, logger: Logger, rulebook: Rulebook, calendar: WorkingCalendar, table: CommandTable,
                          prepared: DatabaseSetup.Prepared) async throws -> ServiceGroup {
        let runtime = prepared.runtime, maxConnections = settings.maxConnections
        var poolConfiguration = runtime.clientConfiguration(maximumConnections: maxConnections)
        // The command deadline for statements outside a transaction too (filings, status lookups), as a
        // session default: a transaction sets its own for itself. Only for the daemon's pool: migrations,
        // on their own connections, may take longer.
        poolConfiguration.options.additionalStartupParameters.append(("statement_timeout", "\(settings.commandDeadlineSeconds * 1000)"))
        let clientConfiguration = poolConfiguration
        let pool = DatabasePool {
            PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        }
        let store = Store(pool: pool, logger: logger)
        if settings.embedded, let owner = prepared.owner {
            try await DevelopmentAccount.ensure(uid: Int(getuid()), owner: owner, logger: logger)
        }
        if settings.demoData {
            // The pool only runs inside the service group; a short-lived one loads the data before that.
            try await DatabaseSetup.withClient(prepared.runtime, logger: logger) { client in
                try await DemoData.loadIfEmpty(store: Store(client: client, logger: logger), rulebook: rulebook, logger: logger)
            }
        }
        let counter = VerifyCounter()
        let index = VerifyIndex(logger: logger)
        let indexService = VerifyIndexService(index: index, store: store, logger: logger)
        let timers = TimerService(store: store, rulebook: rulebook, calendar: calendar, counter: counter,
                                  interval: .milliseconds(settings.timerPollMilliseconds), logger: logger, index: index,
                                  afterClaimMarker: settings.testClock ? TimerService.afterClaimMarker(settings.failpoint) : nil)
        if settings.testClock { logger.warning("testing.clock is on: clock.advance may move the registry clock") }
        let services = AdminServices(store: store, rulebook: rulebook, calendar: calendar, table: table,
                                     serverName: "registryd/\(Registryd.version)",
                                     verifyCounter: counter, testClock: settings.testClock, timerKick: { timers.kick() },
                                     verifyIndex: index, auditVerifyChunk: settings.auditVerifyChunk)
        var limits = ProtocolLimits()
        limits.commandDeadlineSeconds = settings.commandDeadlineSeconds
        limits.idleTimeoutSeconds = settings.idleTimeoutSeconds
        // Event loops of the admin sockets (default: one per core; measured best with registry-bench).
        let adminLoops = MultiThreadedEventLoopGroup(numberOfThreads: settings.eventLoopThreads)
        let listeners = ListenerCeiling.allCases.filter { settings.enabledListeners.contains($0.rawValue) }.map { ceiling in
            AdminListener(configuration: ListenerConfiguration(name: ceiling.rawValue, path: settings.socketDirectory + "/\(ceiling.rawValue).sock",
                                                               ceiling: ceiling, limits: limits),
                          services: services, logger: logger, group: adminLoops)
        }
        var serviceList: [any Service] = []
        if let embedded = prepared.embedded {
            serviceList.append(EmbeddedPostgresService(postgres: embedded, stopOnExit: prepared.startedEmbedded))
        }
        // Stopped after the listeners, the index and the timers, like a stuck part of the daemon would be.
        if settings.testClock, settings.failpoint == "shutdown.stall" { serviceList.append(ShutdownStall(logger: logger)) }
        serviceList.append(DatabasePoolService(pool: pool, logger: logger))
        serviceList.append(timers)
        serviceList.append(indexService)
        serviceList += listeners as [any Service]
        var groupConfiguration = ServiceGroupConfiguration(
            services: serviceList.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // A stop always ends. Graceful shutdown gets the listeners' drain (a running command's deadline
        // plus 5 s) and some margin; a service still running then is cancelled, and one that ignores
        // cancellation too ends the process (a fatal error, logged). Before this bound, a shutdown
        // that waited on something that never came left a daemon with no socket and no database
        // connection that never exited (seen once under load, not reproduced). systemd's
        // TimeoutStopSec (60 s, deploy/systemd) leaves room for the crash report after the sum.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(settings.commandDeadlineSeconds + 10)
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        return ServiceGroup(configuration: groupConfiguration)
    }
}

/// The development account of the embedded default: the OS user who started the daemon holds every role.
enum DevelopmentAccount {
    static func ensure(uid: Int, owner: DatabaseEndpoint, logger: Logger) async throws {
        let user = ProcessInfo.processInfo.environment["USER"] ?? "uid \(uid)"
        try await DatabaseSetup.withClient(owner, logger: logger) { client in
            let store = Store(client: client, logger: logger)
            try await store.transaction(.system) { tx in
                if let existing = try await tx.enabledStaff(uid: uid), !existing.development { return }
                let roles = Role.allCases.map(\.rawValue)
                var rows = 0
                for try await _ in try await tx.query("SELECT 1 FROM registry.staff WHERE uid = \(uid)") { rows += 1 }
                if rows == 0 {
                    let account = try await tx.createStaff(uid: uid, name: "development (\(user))", roles: roles,
                                                           provinces: [], communes: [], development: true)
                    try await tx.audit(AuditEntry(command: "development-account", arguments: "uid=\(uid)", code: 201,
                                                  status: "CREATED", detail: account.id))
                }
            }
        }
        logger.warning("""
            DEVELOPMENT MODE: no database configured, embedded PostgreSQL in use, and uid \(uid) is mapped to a \
            development account holding EVERY role. Never run a deployment like this: configure database.url.
            """)
    }
}

struct BootstrapAdmin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bootstrap-admin",
        abstract: "Create the first admin account for a Unix uid (refused once an enabled admin exists).")

    @OptionGroup var common: CommonOptions
    @Option(help: "Unix uid of the first administrator.") var uid: Int
    @Option(help: "Name of the administrator.") var name: String = "administrator"

    func run() async throws {
        let settings = try await common.settings()
        let logger = common.logger(settings)
        let prepared = try await DatabaseSetup(settings: settings, logger: logger).prepare()
        defer { if prepared.startedEmbedded { prepared.embedded?.stop() } }
        guard let owner = prepared.owner else {
            throw ValidationFailure(message: "bootstrap-admin needs database.migration_url (the owner role) in a configured deployment")
        }
        let uid = self.uid, name = self.name
        let id: String = try await DatabaseSetup.withClient(owner, logger: logger) { client in
            try await Store(client: client, logger: logger).transaction(.system) { tx in
                if try await tx.countStaff(role: Role.admin.rawValue) > 0, try await tx.enabledStaff(uid: uid)?.development != true {
                    var devOnly = true
                    for try await (dev) in try await tx.query("SELECT bool_and(development) FROM registry.staff WHERE enabled AND 'admin' = ANY(roles)").decode(Bool.self) { devOnly = dev }
                    if !devOnly { throw ValidationFailure(message: "an enabled admin exists already; use staff.add over the admin socket") }
                }
                let account = try await tx.createStaff(uid: uid, name: name, roles: [Role.admin.rawValue], provinces: [], communes: [])
                try await tx.audit(AuditEntry(command: "bootstrap-admin", arguments: "uid=\(uid)", code: 201, status: "CREATED", detail: account.id))
                return account.id
            }
        }
        print("201 CREATED id=\(id) uid=\(uid) roles=admin")
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations and exit.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let settings = try await common.settings()
        let logger = common.logger(settings)
        let prepared = try await DatabaseSetup(settings: settings, logger: logger).prepare()
        if prepared.startedEmbedded { try await offPool { prepared.embedded?.stop() } }
        print("200 OK schema=\(SchemaVersion.expected)")
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Validate the rulebook, holidays and command table.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let settings = try await common.settings()
        let (rulebook, calendar) = try Loader.rulebook(settings)
        _ = try Loader.table()
        print("200 OK rules=\(rulebook.keys.count) holidays=\(calendar.holidays.count)")
    }
}

struct LoadDemoData: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo-data",
                                                    abstract: "Load the synthetic demonstration registry into an empty database.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let settings = try await common.settings()
        let logger = common.logger(settings)
        let (rulebook, _) = try Loader.rulebook(settings)
        let prepared = try await DatabaseSetup(settings: settings, logger: logger).prepare()
        let count = try await DatabaseSetup.withClient(prepared.runtime, logger: logger) { client in
            try await DemoData.loadIfEmpty(store: Store(client: client, logger: logger), rulebook: rulebook, logger: logger)
        }
        if prepared.startedEmbedded { try await offPool { prepared.embedded?.stop() } }
        print(count > 0 ? "200 OK agencies=\(count)" : "200 OK agencies=0 msg=\"registry not empty: nothing loaded\"")
    }
}
