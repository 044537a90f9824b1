import ConfigFile
import Foundation
import MemcachedTestSupport
import PushCore
import Store
import StoreMemcached
import XCTest

/// Store operations per second on this machine, for BENCHMARKS.md: save-update, fetch-pending
/// and ack, each over every device once, one call at a time and with 16 in flight. Skipped
/// unless asked for; run on a release build:
///
///     SIMPLEPUSH_BENCH=1 swift test -c release --filter StoreBenchmarkTests
final class StoreBenchmarkTests: XCTestCase {
    private let devices = 4000
    private let concurrencies = [1, 16]

    func testStoreOperationsPerSecond() async throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["SIMPLEPUSH_BENCH"] == "1",
                          "set SIMPLEPUSH_BENCH=1 to measure store throughput")
        var lines = ["| Store | In flight | save-update/s | fetch-pending/s | ack/s |", "|---|---|---|---|---|"]
        // memcached with the server's default pool size, not the smaller one the other tests use.
        let memcached = StoreBackend(name: "memcached") {
            var settings = try MemcachedDaemon.shared.get().settings()
            settings.poolSize = ServerConfig.Storage.Memcache().poolSize
            return (store: try MemcachedStore(settings), cleanUp: {})
        }
        for backend in [StoreBackend.sqlite, memcached] {
            for concurrency in concurrencies {
                let (store, cleanUp) = try await backend.open()
                let rates = try await measure(store, concurrency: concurrency)
                try await store.close()
                cleanUp()
                lines.append("| \(backend.name) | \(concurrency) | " + rates.map { String(Int($0)) }.joined(separator: " | ") + " |")
            }
        }
        print((["", "Store operations per second, \(devices) devices with one channel each:"] + lines).joined(separator: "\n"))
    }

    /// Operations per second for save-update, fetch-pending and ack, in that order.
    private func measure(_ store: any Store, concurrency: Int) async throws -> [Double] {
        let count = devices
        try await run(count, concurrency) { n in _ = try await store.register(device(UInt64(n)), channel: channel(1), maxChannels: 10) }
        let save = try await run(count, concurrency) { n in
            let result = try await store.saveUpdate(device(UInt64(n)), channel: channel(1), version: 7, data: "payload")
            guard result == .saved else { throw BenchmarkFailure("save returned \(result)") }
        }
        let fetch = try await run(count, concurrency) { n in
            let pending = try await store.fetchPending(device(UInt64(n)))
            guard pending.count == 1 else { throw BenchmarkFailure("fetch returned \(pending)") }
        }
        let ack = try await run(count, concurrency) { n in
            guard try await store.ack(device(UInt64(n)), channel: channel(1), version: 7) else { throw BenchmarkFailure("ack removed nothing") }
        }
        return [save, fetch, ack].map { Double(count) / $0 }
    }

    /// Runs `operation` for 0..<count with `concurrency` calls in flight; returns the seconds taken.
    @discardableResult
    private func run(_ count: Int, _ concurrency: Int, _ operation: @escaping @Sendable (Int) async throws -> Void) async throws -> Double {
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0 ..< concurrency {
                group.addTask {
                    for n in stride(from: worker, to: count, by: concurrency) { try await operation(n) }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

private struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
