// swift-tools-version:6.1
import PackageDescription

// One target per concern. The connection node is a hand-written epoll reactor (CEpoll + Reactor)
// because that is what keeps idle connections under a few hundred bytes each (see BENCHMARKS.md);
// the HTTP side uses Hummingbird.
let package = Package(
    name: "simplepush",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "simplepush", targets: ["simplepush"]),
        .executable(name: "loadtest", targets: ["loadtest"]),
        // The pure parsers, as libraries so the fuzzing package in fuzz/ can link them.
        .library(name: "Parsers", targets: ["WebSocket", "HTTPForm", "JSON", "PushCore", "SimplePush", "VAPID", "WebPush", "ConfigFile", "ConfigLoader"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // Linux epoll/eventfd, which Swift's Glibc module does not export.
        .target(name: "CEpoll"),
        // OpenSSL 3 (Debian libssl-dev) for TLS on the reactor and in the load tester: a C shim, so
        // the event loop sees "want read / want write" and OpenSSL's types stay out of Swift.
        .target(name: "CTLS", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),
        // TLS contexts and non-blocking connections over CTLS.
        .target(name: "TLS", dependencies: ["CTLS"]),
        // RFC 6455: upgrade parsing, frame codec. Pure value code over bytes.
        .target(name: "WebSocket", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Strict JSON parsing and writing, shared by the device protocol and the HTTP replies.
        .target(name: "JSON"),
        // Identifiers, versions, endpoint tokens, live (reloadable) values: what every module shares.
        .target(name: "PushCore", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // VAPID (RFC 8292): app-server credentials of a WebPush request, verified with swift-crypto, and their cache.
        .target(name: "VAPID", dependencies: [
            "PushCore", "JSON",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The async Router: where an accepted message goes (this node, another node, a bridge, the store).
        .target(name: "Routing", dependencies: ["PushCore"]),
        // The configuration file as one typed tree; the app maps it into each module's own settings.
        .target(name: "ConfigFile"),
        // The offline store protocol and its backends.
        .target(name: "Store", dependencies: [
            "PushCore", "JSON",
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        .target(name: "StoreMemory", dependencies: ["Store", "PushCore"]),
        .target(name: "StoreSQLite", dependencies: [
            "Store", "PushCore", "JSON",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // libmemcached (Debian libmemcached-dev), for the memcached store.
        .systemLibrary(name: "CMemcached", pkgConfig: "libmemcached",
                       providers: [.apt(["libmemcached-dev"])]),
        .target(name: "StoreMemcached", dependencies: [
            "Store", "PushCore", "ConfigFile", "CMemcached", "JSON",
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        // The SimplePush per-connection state machine and error table, transport independent.
        .target(name: "SimplePush", dependencies: ["PushCore", "Store", "JSON"]),
        // The epoll reactor: sockets, WebSocket framing, timers, mailbox. Knows nothing of SimplePush.
        .target(name: "Reactor", dependencies: [
            "CEpoll", "WebSocket", "TLS",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        // Runs protocol handlers on reactors (one chosen per connection), the UAID registry, the local router.
        .target(name: "ConnectionNode", dependencies: [
            "Reactor", "WebSocket", "PushCore", "Routing", "Observability", "TLS",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // application/x-www-form-urlencoded decoding: pure code over bytes, fuzzed alone.
        .target(name: "HTTPForm"),
        // HTTP: the listener, its limits, route modules, health and metrics routes.
        .target(name: "Endpoint", dependencies: [
            "JSON", "Observability",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "NIOExtras", package: "swift-nio-extras"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        // SimplePush as a module: its connection handler on the node and its /update routes.
        .target(name: "SimplePushModule", dependencies: [
            "SimplePush", "ConnectionNode", "Reactor", "Endpoint", "Routing", "PushCore", "Store", "HTTPForm", "Observability", "WebSocket",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        // The WebPush rules free of any transport: device messages and replies, push headers and
        // their errors, subscription and message-id tokens.
        .target(name: "WebPush", dependencies: ["PushCore", "Store", "JSON", "VAPID", "Routing"]),
        // WebPush as a module: its connection handler on the node and its /wpush and /m routes.
        .target(name: "WebPushModule", dependencies: [
            "WebPush", "VAPID", "ConnectionNode", "Reactor", "Endpoint", "Routing", "PushCore", "Store", "Observability",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        // TOML + environment + flag overrides into the typed config tree.
        .target(name: "ConfigLoader", dependencies: [
            "ConfigFile", "PushCore",
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        // Logging handler (text/JSON, reopenable file) and the Prometheus metrics backend.
        .target(name: "Observability", dependencies: [
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // Wires the pieces from the config; owns start-up and shutdown order.
        // Many nodes, one service: node records in the shared store, the router listener other
        // nodes deliver to, and the router that calls them.
        .target(name: "Fleet", dependencies: [
            "ConnectionNode", "Endpoint", "Routing", "PushCore", "Store",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // posix_spawn with every signal reset to its default, which Swift cannot set up directly.
        .target(name: "CProcess"),
        // `serve --procs N`: the supervisor of a cluster's worker processes on one machine.
        .target(name: "Cluster", dependencies: [
            "CProcess",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ]),
        .target(name: "App", dependencies: [
            "PushCore", "ConfigFile", "ConfigLoader", "Store", "StoreMemory", "StoreSQLite", "StoreMemcached",
            "ConnectionNode", "Reactor", "Endpoint", "Routing", "SimplePushModule", "WebPushModule", "Observability", "TLS", "Fleet", "Cluster",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "simplepush", dependencies: [
            "App", "PushCore", "ConfigFile", "ConfigLoader",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // The load tester: its own epoll client loop, as lean as the server.
        .target(name: "LoadTestKit", dependencies: [
            "CEpoll", "WebSocket", "JSON", "TLS",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], path: "loadtest/Sources/LoadTestKit"),
        .executableTarget(name: "loadtest", dependencies: [
            "LoadTestKit",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "loadtest/Sources/loadtest"),

        // A blocking loopback WebSocket client for tests that drive a reactor step by step.
        .target(name: "LoopbackClient", dependencies: ["WebSocket"], path: "Tests/Support/LoopbackClient"),
        // A throwaway CA and server certificate, made with the openssl command line.
        .target(name: "TestCertificates", path: "Tests/Support/TestCertificates"),
        // Starts a real memcached for the store and end-to-end tests.
        .target(name: "MemcachedTestSupport", path: "Tests/Support/MemcachedTestSupport"),

        .testTarget(name: "WebSocketTests", dependencies: ["WebSocket"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "VAPIDTests", dependencies: [
            "VAPID", "PushCore",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "ReactorTests", dependencies: ["Reactor", "CEpoll", "WebSocket", "LoopbackClient"]),
        .testTarget(name: "ConnectionNodeTests", dependencies: [
            "ConnectionNode", "SimplePushModule", "Routing", "Reactor", "PushCore", "Store", "StoreMemory", "WebSocket", "WebPush", "WebPushModule",
            "LoopbackClient",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "EndpointTests", dependencies: [
            "Endpoint", "SimplePushModule", "Routing", "PushCore", "Store", "StoreMemory",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "WebPushTests", dependencies: ["WebPush", "PushCore", "Store", "Routing"]),
        .testTarget(name: "ConfigLoaderTests", dependencies: ["ConfigLoader", "ConfigFile", "PushCore"]),
        .testTarget(name: "SimplePushTests", dependencies: ["SimplePush", "PushCore", "Store", "StoreMemory", "JSON"]),
        .testTarget(name: "StoreTests", dependencies: [
            "Store", "StoreMemory", "StoreSQLite", "StoreMemcached", "PushCore", "ConfigFile", "MemcachedTestSupport",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "EndToEndTests", dependencies: ["WebSocket", "PushCore", "SimplePush", "MemcachedTestSupport", "TLS", "TestCertificates"]),
        .testTarget(name: "TLSTests", dependencies: ["TLS", "TestCertificates", "MemcachedTestSupport"]),
        .testTarget(name: "ClusterUnitTests", dependencies: ["Cluster"]),
        .testTarget(name: "FleetUnitTests", dependencies: ["Fleet", "PushCore", "Routing"]),
        .testTarget(name: "LoadTestKitTests", dependencies: [
            "LoadTestKit", "JSON", "TestCertificates",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
