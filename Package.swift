// swift-tools-version:6.1
// Swift 6 language mode is the default for tools-version 6.x.
import PackageDescription

let package = Package(
    name: "registryd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "registryd", targets: ["registryd"]),
        .executable(name: "registryctl", targets: ["registryctl"]),
        .executable(name: "registry-bench", targets: ["registry-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
    ],
    targets: [
        // Pure: the one line grammar (tokenizer + quoter) shared by the protocol and the rulebook files.
        .target(name: "LineGrammar"),
        // Pure: replies, codes, command specs, session state machine. No NIO, no PostgresNIO.
        .target(name: "AdminProtocol", dependencies: ["LineGrammar"]),
        // Pure: rulebook, calendar, provinces, roles and capabilities.
        .target(name: "RegistryDomain", dependencies: ["LineGrammar"]),
        // PostgreSQL access: migrations, staff accounts, audit chain, embedded cluster.
        .target(
            name: "RegistryStore",
            dependencies: [
                "RegistryDomain",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // NIO shell: listeners, peer credentials, dispatcher, command handlers.
        .target(
            name: "AdminServer",
            dependencies: [
                "AdminProtocol", "RegistryDomain", "RegistryStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "registryd",
            dependencies: [
                "AdminServer", "RegistryStore", "RegistryDomain", "AdminProtocol",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "registryctl",
            dependencies: [
                "AdminProtocol", "LineGrammar",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "registry-bench",
            dependencies: ["RegistryDomain", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "LineGrammarTests", dependencies: ["LineGrammar", "RegistryDomain"], resources: [.copy("Fixtures")]),
        .testTarget(name: "AdminProtocolTests", dependencies: ["AdminProtocol", "AdminServer"]),
        .testTarget(name: "RegistryDomainTests", dependencies: ["RegistryDomain"]),
        .testTarget(name: "AdminServerTests", dependencies: ["AdminServer"]),
        .testTarget(name: "RegistryStoreTests", dependencies: ["RegistryStore", "RegistryDomain"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["RegistryStore", "RegistryDomain", "AdminProtocol", "AdminServer", "LineGrammar", "registryd", "registryctl"]
        ),
    ]
)
