import ConfigFile
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MemcachedTestSupport
import PushCore
import Store
import StoreMemcached
import XCTest

/// What only the memcached backend promises: nodes share state, the store's own channel cap,
/// record lifetimes by state, and failing fast then recovering when memcached goes away.
final class MemcachedStoreTests: XCTestCase {
    private var stores: [MemcachedStore] = []

    override func tearDown() async throws {
        for store in stores { try await store.close() }
        stores.removeAll()
    }

    private func open(_ settings: ServerConfig.Storage.Memcache) throws -> MemcachedStore {
        let store = try MemcachedStore(settings)
        stores.append(store)
        return store
    }

    func testTwoNodesShareDevicesChannelsAndVersions() async throws {
        let settings = try MemcachedDaemon.shared.get().settings()
        let (a, b) = (try open(settings), try open(settings))
        let uaid = device(1)
        _ = try await a.register(uaid, channel: channel(1), maxChannels: 10)
        let known = try await b.uaidExists(uaid)
        XCTAssertTrue(known)
        let saved = try await b.saveUpdate(uaid, channel: channel(1), version: 5, data: "from b")
        XCTAssertEqual(saved, .saved)
        let pendingOnA = try await a.fetchPending(uaid)
        XCTAssertEqual(pendingOnA, [Update(channelID: channel(1), version: 5, data: "from b")])
        let acked = try await a.ack(uaid, channel: channel(1), version: 5)
        XCTAssertTrue(acked)
        let staleOnB = try await b.saveUpdate(uaid, channel: channel(1), version: 5, data: nil)
        XCTAssertEqual(staleOnB, .stale, "b sees the version a acked")
        try await b.unregister(uaid, channel: channel(1))
        let goneOnA = try await a.saveUpdate(uaid, channel: channel(1), version: 6, data: nil)
        XCTAssertEqual(goneOnA, .unknownChannel)
    }

    /// Two nodes racing on one UAID: no registration is lost, the limit holds, and the highest
    /// version wins whichever node saved it.
    func testConcurrentWritesFromTwoNodesLoseNothing() async throws {
        let settings = try MemcachedDaemon.shared.get().settings()
        let nodes = [try open(settings), try open(settings)]
        let uaid = device(2)
        let registered = try await withThrowingTaskGroup(of: RegisterResult.self) { group in
            for n in 1 ... 24 {
                group.addTask { try await nodes[n % 2].register(uaid, channel: channel(n), maxChannels: 12) }
            }
            return try await group.reduce(0) { $0 + ($1 == .registered ? 1 : 0) }
        }
        XCTAssertEqual(registered, 12)
        var accepted: [Int] = []
        for n in 1 ... 24 {
            let result = try await nodes[0].saveUpdate(uaid, channel: channel(n), version: 1, data: nil)
            if result == .saved { accepted.append(n) }
        }
        XCTAssertEqual(accepted.count, 12, "every registration that answered .registered is stored")

        let target = channel(accepted[0])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for version in (2 ... 60).shuffled() {
                group.addTask {
                    _ = try await nodes[Int(version) % 2].saveUpdate(uaid, channel: target, version: Version(version), data: "v\(version)")
                }
            }
            try await group.waitForAll()
        }
        let pending = try await nodes[1].fetchPending(uaid).first { $0.channelID == target }
        XCTAssertEqual(pending, Update(channelID: target, version: 60, data: "v60"))
    }

    func testTheStoreCapsChannelsBelowTheCallersLimit() async throws {
        var settings = try MemcachedDaemon.shared.get().settings()
        settings.maxChannels = 2
        let store = try open(settings)
        var results: [RegisterResult] = []
        for n in 1 ... 3 { results.append(try await store.register(device(3), channel: channel(n), maxChannels: 10)) }
        XCTAssertEqual(results, [.registered, .registered, .tooManyChannels])
        let callerLower = try await store.register(device(4), channel: channel(1), maxChannels: 0)
        XCTAssertEqual(callerLower, .tooManyChannels, "the caller's lower limit still applies")
    }

    /// A pending update lives timeout_live, an acked version timeout_reg: each state expires on
    /// its own clock.
    func testRecordsExpireByTheirState() async throws {
        let daemon = try MemcachedDaemon.shared.get()
        var shortLive = daemon.settings()
        (shortLive.timeoutLive, shortLive.timeoutReg) = (1, 600)
        var shortReg = daemon.settings()
        (shortReg.timeoutLive, shortReg.timeoutReg) = (600, 1)
        let (liveExpires, regExpires) = (try open(shortLive), try open(shortReg))
        let uaid = device(5)
        for store in [liveExpires, regExpires] {
            for n in 1 ... 2 {
                _ = try await store.register(uaid, channel: channel(n), maxChannels: 10)
                _ = try await store.saveUpdate(uaid, channel: channel(n), version: 10, data: "ten")
            }
            try await store.ack(uaid, channel: channel(2), version: 10)
        }
        // memcached counts whole seconds, so a one-second item is gone within about two.
        try await Task.sleep(nanoseconds: 3_000_000_000)

        let droppedPending = try await liveExpires.fetchPending(uaid)
        XCTAssertEqual(droppedPending, [], "the update waited longer than timeout_live")
        let floorKept = try await liveExpires.saveUpdate(uaid, channel: channel(2), version: 9, data: nil)
        XCTAssertEqual(floorKept, .stale, "the acked version lives timeout_reg")

        let keptPending = try await regExpires.fetchPending(uaid)
        XCTAssertEqual(keptPending, [Update(channelID: channel(1), version: 10, data: "ten")])
        let floorGone = try await regExpires.saveUpdate(uaid, channel: channel(2), version: 9, data: nil)
        XCTAssertEqual(floorGone, .saved, "the acked version was forgotten after timeout_reg")
        let stillRegistered = try await regExpires.uaidExists(uaid)
        XCTAssertTrue(stillRegistered, "the device item does not expire")
    }

    func testCallsFailFastWhenNoServerAnswers() async throws {
        var settings = try MemcachedDaemon.shared.get().settings()
        let deadPort = try LoopbackPort.free(1)[0]
        settings.servers = ["127.0.0.1:\(deadPort)"]
        let store = try open(settings)
        let started = Date()
        await assertUnavailable(mentioning: "\(deadPort)") { try await store.healthCheck() }
        await assertUnavailable(mentioning: "save update") {
            _ = try await store.saveUpdate(device(6), channel: channel(1), version: 1, data: nil)
        }
        await assertUnavailable(mentioning: "register") {
            _ = try await store.register(device(6), channel: channel(1), maxChannels: 1)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 2, "three refused calls must not wait for timeouts")
    }

    func testStoreRecoversWhenMemcachedIsBackOnTheSamePort() async throws {
        let daemon = try MemcachedDaemon()
        let store = try open(daemon.settings())
        let uaid = device(7)
        _ = try await store.register(uaid, channel: channel(1), maxChannels: 10)

        daemon.stop()
        await assertUnavailable(mentioning: "save update") {
            _ = try await store.saveUpdate(uaid, channel: channel(1), version: 1, data: nil)
        }
        await assertUnavailable(mentioning: "health check") { try await store.healthCheck() }

        try daemon.restart()
        let deadline = Date().addingTimeInterval(10)
        var healthy = false
        while !healthy && Date() < deadline {
            do {
                try await store.healthCheck()
                healthy = true
            } catch {
                try await Task.sleep(nanoseconds: 200_000_000)
            }
        }
        XCTAssertTrue(healthy, "the store did not recover within 10 s of memcached's return")
        // A restarted memcached is empty: the device has to register again, and then it works.
        let known = try await store.uaidExists(uaid)
        XCTAssertFalse(known)
        _ = try await store.register(uaid, channel: channel(1), maxChannels: 10)
        let saved = try await store.saveUpdate(uaid, channel: channel(1), version: 1, data: nil)
        XCTAssertEqual(saved, .saved)
        daemon.stop()
    }

    /// Every node reads the same epoch until the server loses its items; then all read a new one.
    func testTheRecordsEpochChangesOnlyWhenTheServerLostItsItems() async throws {
        let daemon = try MemcachedDaemon()
        let settings = daemon.settings()
        let (a, b) = (try open(settings), try open(settings))
        let first = try await a.recordsEpoch()
        let again = try await a.recordsEpoch()
        let seenByB = try await b.recordsEpoch()
        XCTAssertNotNil(first)
        XCTAssertEqual(again, first)
        XCTAssertEqual(seenByB, first, "one epoch for every node")
        try daemon.restart()
        // Each pooled connection finds the restart on its first call, which fails.
        func epochOnceBack(_ store: MemcachedStore) async throws -> String? {
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                if let epoch = try? await store.recordsEpoch() { return epoch }
                try await Task.sleep(nanoseconds: 100_000_000)
            }
            return nil
        }
        let after = try await epochOnceBack(b)
        let afterA = try await epochOnceBack(a)
        XCTAssertNotNil(after)
        XCTAssertNotEqual(after, first, "a restarted server holds a new epoch")
        XCTAssertEqual(afterA, after)
        daemon.stop()
    }

    /// memcached forgets: an update for a device it lost brings the device back (nothing tells an
    /// app server to delete a subscription that still works), but a channel it knows was
    /// unregistered or dropped stays gone.
    func testOnlyWhatMemcachedPositivelyKnowsIsGone() async throws {
        let daemon = try MemcachedDaemon()
        let settings = daemon.settings()
        let store = try open(settings)
        let (lost, unregistered, dropped) = (device(8), device(9), device(10))
        for uaid in [lost, unregistered, dropped] { _ = try await store.register(uaid, channel: channel(1), maxChannels: 10) }
        _ = try await store.saveUpdate(lost, channel: channel(1), version: 3, data: nil)
        try await store.unregister(unregistered, channel: channel(1))
        try await store.drop(dropped)
        let goneAfterUnregister = try await store.saveUpdate(unregistered, channel: channel(1), version: 1, data: nil)
        XCTAssertEqual(goneAfterUnregister, .unknownChannel)
        let goneAfterDrop = try await store.saveUpdate(dropped, channel: channel(1), version: 1, data: nil)
        XCTAssertEqual(goneAfterDrop, .unknownChannel, "the drop left the channel's deleted marker")

        // Evicted: the device item alone goes (what an LRU does first to a big, old item).
        try Self.command("delete \(settings.prefix + lost.hex)\r\n", toPort: daemon.port, expecting: "DELETED")
        let stale = try await store.saveUpdate(lost, channel: channel(1), version: 2, data: nil)
        XCTAssertEqual(stale, .stale, "back under its old registration, so versions still only move forward")
        let saved = try await store.saveUpdate(lost, channel: channel(1), version: 4, data: nil)
        XCTAssertEqual(saved, .saved)

        // Restarted: everything is gone, and an update brings the device back with its channel.
        try daemon.restart()
        try await waitUntilHealthy(store)
        let afterRestart = try await store.saveUpdate(lost, channel: channel(1), version: 5, data: "kept")
        XCTAssertEqual(afterRestart, .saved)
        let pending = try await store.fetchPending(lost)
        XCTAssertEqual(pending, [Update(channelID: channel(1), version: 5, data: "kept")])
        let protocolBack = try await store.deviceProtocol(lost)
        XCTAssertEqual(protocolBack, .simplePush)
        daemon.stop()
    }

    /// One command in memcached's text protocol, as an eviction would do it behind the store's back.
    private static func command(_ command: String, toPort port: Int, expecting answer: String) throws {
        let fd = LoopbackPort.connected(to: port)
        XCTAssertGreaterThanOrEqual(fd, 0, "connect to memcached")
        defer { close(fd) }
        _ = command.withCString { Glibc.send(fd, $0, strlen($0), 0) }
        var reply = [UInt8](repeating: 0, count: 256)
        let count = recv(fd, &reply, reply.count, 0)
        let text = String(decoding: reply.prefix(max(0, count)), as: UTF8.self)
        XCTAssertTrue(text.hasPrefix(answer), "memcached answered \(text.debugDescription)")
    }

    private func waitUntilHealthy(_ store: MemcachedStore) async throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? await store.healthCheck()) != nil { return }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        XCTFail("the store did not recover within 10 s of memcached's return")
    }

    func testBadSettingsAreRefusedAtStart() throws {
        var badPrefix = ServerConfig.Storage.Memcache()
        badPrefix.prefix = "has space"
        XCTAssertThrowsError(try MemcachedStore(badPrefix)) { assertUnavailable($0, mentioning: "prefix") }
        var badServer = ServerConfig.Storage.Memcache()
        badServer.servers = ["127.0.0.1:notaport"]
        XCTAssertThrowsError(try MemcachedStore(badServer)) { assertUnavailable($0, mentioning: "127.0.0.1:notaport") }
        var noServer = ServerConfig.Storage.Memcache()
        noServer.servers = []
        XCTAssertThrowsError(try MemcachedStore(noServer)) { assertUnavailable($0, mentioning: "no server") }
    }

    func testServerAddressForms() {
        let parse = ServerConfig.Storage.Memcache.parseServer
        XCTAssertTrue(parse("10.0.0.1:11311")! == ("10.0.0.1", 11311))
        XCTAssertTrue(parse("cache.example")! == ("cache.example", 11211))
        XCTAssertTrue(parse("[::1]:11212")! == ("::1", 11212))
        XCTAssertTrue(parse("[::1]")! == ("::1", 11211))
        for bad in ["", ":11211", "host:", "host:0", "host:70000", "::1", "host:port"] {
            XCTAssertNil(parse(bad), bad)
        }
    }

    private func assertUnavailable(mentioning fragment: String, file: StaticString = #filePath, line: UInt = #line,
                                   _ call: () async throws -> Void) async {
        do {
            try await call()
            XCTFail("expected StoreError.unavailable", file: file, line: line)
        } catch {
            assertUnavailable(error, mentioning: fragment, file: file, line: line)
        }
    }

    private func assertUnavailable(_ error: Error, mentioning fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        guard case StoreError.unavailable(let why) = error else {
            return XCTFail("expected StoreError.unavailable, got \(error)", file: file, line: line)
        }
        XCTAssertTrue(why.contains(fragment), "\(why) does not mention \(fragment)", file: file, line: line)
    }
}
