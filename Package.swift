// swift-tools-version: 6.1
import Foundation
import PackageDescription

/// One set of Swift settings for every target; `SEND_STRICT=1` (set by deploy/test, so CI) makes warnings errors.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
] + (ProcessInfo.processInfo.environment["SEND_STRICT"] == "1" ? [.unsafeFlags(["-warnings-as-errors"])] : [])

/// A service: its domain in a library the tests import, and a thin executable.
func service(_ library: String, executable: String, folder: String, extra: [Target.Dependency] = []) -> [Target] {
    [
        .target(
            name: library,
            dependencies: ["SendRuntime", "SendModel", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Logging", package: "swift-log")] + extra,
            path: "Services/\(folder)/Library",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: executable,
            dependencies: [.target(name: library), "SendRuntime",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Services/\(folder)/Executable",
            swiftSettings: swiftSettings
        ),
    ]
}

let package = Package(
    name: "SendPartnership",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "findings-intake", targets: ["findings-intake"]),
        .executable(name: "board-actions", targets: ["board-actions"]),
        .executable(name: "parent-comms", targets: ["parent-comms"]),
        .executable(name: "notifications", targets: ["notifications"]),
        .executable(name: "send-supervisor", targets: ["send-supervisor"]),
        .executable(name: "sendctl", targets: ["sendctl"]),
        .executable(name: "family-portal", targets: ["family-portal"]),
        .executable(name: "send-bench", targets: ["send-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // MARK: Shared base: C library, its Swift wrapper, the model, the runtime.
        .systemLibrary(
            name: "CLibZMQ",
            path: "Shared/CLibZMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        .systemLibrary(
            name: "CLibCrypto",
            path: "Shared/CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CLibCurl",
            path: "Shared/CLibCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(name: "ZeroMQ", dependencies: ["CLibZMQ"], path: "Shared/ZeroMQ", swiftSettings: swiftSettings),
        .target(name: "SendModel", path: "Shared/SendModel",
                resources: [.copy("Resources/bank-holidays-england-and-wales.json")],
                swiftSettings: swiftSettings),
        .target(
            name: "SendRuntime",
            dependencies: ["ZeroMQ", "SendModel",
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "GRDBSQLite", package: "GRDB.swift"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser"), "CLibCrypto"],
            path: "Shared/SendRuntime",
            swiftSettings: swiftSettings
        ),
        .target(name: "SendReports", dependencies: ["SendModel"], path: "Shared/SendReports", swiftSettings: swiftSettings),
    ]
    // MARK: Services
    + service("FindingsService", executable: "findings-intake", folder: "findings-intake")
    + service("BoardService", executable: "board-actions", folder: "board-actions")
    + service("CommsService", executable: "parent-comms", folder: "parent-comms",
              extra: ["CLibCurl", .product(name: "GRDBSQLite", package: "GRDB.swift")])
    + service("NotificationsService", executable: "notifications", folder: "notifications")
    + service("SupervisorService", executable: "send-supervisor", folder: "send-supervisor")
    + [
        // The families' door: HTTP at the edge, a ZeroMQ client inside; no database of its own.
        .target(
            name: "FamilyPortal",
            dependencies: ["SendRuntime", "SendModel", "SendReports",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "Logging", package: "swift-log")],
            path: "Services/family-portal/Library",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "family-portal",
            dependencies: ["FamilyPortal", "SendRuntime",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")],
            path: "Services/family-portal/Executable",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "sendctl",
            dependencies: ["SendRuntime", "SendModel", "SendReports",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Services/sendctl",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "send-bench",
            dependencies: ["SendRuntime", "SendModel", "ZeroMQ", "CLibZMQ", "BoardService", "SendReports",
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/send-bench",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .target(name: "TestSupport", dependencies: ["SendRuntime", "SendModel", "ZeroMQ"],
                path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "SendModelTests", dependencies: ["SendModel"], swiftSettings: swiftSettings),
        .testTarget(name: "SendRuntimeTests",
                    dependencies: ["SendRuntime", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "FindingsServiceTests",
                    dependencies: ["FindingsService", "TestSupport", "SendModel", .product(name: "GRDB", package: "GRDB.swift")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "NotificationsServiceTests", dependencies: ["NotificationsService", "SendRuntime", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BoardServiceTests", dependencies: ["BoardService", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "CommsServiceTests", dependencies: ["CommsService", "TestSupport", "SendRuntime",
                                                             .product(name: "GRDB", package: "GRDB.swift")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "SupervisorServiceTests", dependencies: ["SupervisorService", "SendRuntime", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "SendReportsTests", dependencies: ["SendReports", "TestSupport", "SendModel"], swiftSettings: swiftSettings),
        .testTarget(name: "PortalTests", dependencies: ["TestSupport", "SendModel", "SendRuntime", .product(name: "GRDB", package: "GRDB.swift")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "StackTests", dependencies: ["TestSupport", "SendModel", "SendRuntime", .product(name: "GRDB", package: "GRDB.swift")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "ProofTests", dependencies: ["TestSupport", "SendModel", "SendRuntime", "ZeroMQ", "NotificationsService"], swiftSettings: swiftSettings),
    ]
)
