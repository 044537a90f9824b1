import Foundation
import Synchronization
@testable import ConnectionNode
import LoopbackClient
import PushCore
@testable import Reactor
import XCTest

/// Per-connection state follows the connection, not the slot; nothing runs for a connection that
/// is no longer open; a batch of messages is answered in order and closes nobody.
final class SessionLifecycleTests: XCTestCase {
    private let channel = ChannelID("2b3a7c1e-4f5d-4e6a-9b8c-0d1e2f3a4b5c")!

    func testABatchOfMessagesWhileStoreWorkIsInFlightIsAnsweredInOrder() throws {
        let harness = try NodeHarness()
        let client = try harness.connect()
        XCTAssertNotNil(harness.hello(client))
        // A browser acks each message of a drained batch on its own: 40 messages in one write,
        // each needing the store.
        let channels = (0..<40).map { _ in UUID().uuidString.lowercased() }
        client.send(channels.map { #"{"messageType":"register","channelID":"\#($0)"}"# })
        for expected in channels {
            let reply = harness.nextObject(client)
            XCTAssertEqual(reply["channelID"] as? String, expected)
            XCTAssertEqual(reply["status"] as? Int, 200)
        }
        XCTAssertEqual(harness.reactor.openConnections, 1, "a good client must not be closed")
    }

    func testAConnectionWhoseHelloReplyFailedLeavesNothingForTheNextOnItsSlot() throws {
        let store = GatedStore()
        let uaid = UAID.random()
        let channel = channel
        _ = try awaitResult { try await store.register(uaid, channel: channel, maxChannels: 10) }
        let harness = try NodeHarness(store: store)
        let first = try harness.connect()
        first.send([#"{"messageType":"hello","uaid":"\#(uaid.hex)","channelIDs":["\#(channel.value)"]}"#])
        harness.run(until: { store.callsStarted == 1 })
        // The store answers, then the device resets before the reply can be written.
        store.open()
        usleep(100_000)
        first.reset()
        usleep(50_000)
        harness.run(until: { harness.reactor.openConnections == 0 })
        let second = try harness.connect()
        XCTAssertEqual(harness.reactor.slots.count, 1, "the second connection reuses the slot")
        second.send(["{}"])
        XCTAssertEqual(harness.nextText(second), "{}", "the new connection's messages must be answered")
        XCTAssertTrue(harness.worker.busy.isEmpty)
    }

    func testMessagesAfterAProtocolErrorNeverRunForTheClosingConnection() throws {
        let store = GatedStore()
        let harness = try NodeHarness(store: store)
        let holder = try harness.connect()
        guard let held = harness.hello(holder) else { return XCTFail("no hello") }
        let other = try harness.connect()
        // A hello held in flight, a message that closes the connection, then a hello for the
        // holder's UAID that must not run for the dying socket.
        other.send([
            #"{"messageType":"hello","uaid":"\#(UAID.random().hex)","channelIDs":["\#(channel.value)"]}"#,
            #"{"messageType":"bogus"}"#,
            #"{"messageType":"hello","uaid":"\#(held.hex)","channelIDs":[]}"#,
        ])
        harness.run(until: { store.callsStarted == 1 })
        store.open()
        harness.run(until: { harness.reactor.openConnections == 1 })
        harness.run(for: 0.2)
        XCTAssertEqual(harness.node.shared.registry.lookup(held)?.entry.connection, harness.reactor.id(of: 0))
        holder.send(["{}"])
        XCTAssertEqual(harness.nextText(holder), "{}", "the real holder must stay connected")
    }

    func testALiveDeliveryNeverGoesBackToAnOlderVersion() throws {
        let harness = try NodeHarness()
        let client = try harness.connect()
        guard let uaid = harness.hello(client) else { return XCTFail("no hello") }
        // Two PUTs saved 5 then 6 may reach the reactor as 6 then 5.
        XCTAssertEqual(try harness.route(Update(channelID: channel, version: 6), to: uaid), .deliveredHere)
        XCTAssertEqual(try harness.route(Update(channelID: channel, version: 5), to: uaid), .deliveredHere)
        XCTAssertEqual(try harness.route(Update(channelID: channel, version: 6), to: uaid), .deliveredHere)
        XCTAssertEqual(try harness.route(Update(channelID: channel, version: 7), to: uaid), .deliveredHere)
        var versions: [Int] = []
        while let text = harness.nextText(client, timeout: 0.5) {
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            let updates = object?["updates"] as? [[String: Any]] ?? []
            versions += updates.compactMap { $0["version"] as? Int }
        }
        XCTAssertEqual(versions, [6, 7])
    }

    func testStoreCallsInFlightAreBoundedForTheWholeNode() throws {
        let store = GatedStore()
        let harness = try NodeHarness(store: store) { $0.maxStoreCalls = 2 }
        var clients: [RawClient] = []
        for _ in 0..<5 {
            let client = try harness.connect()
            client.send([#"{"messageType":"hello","uaid":"\#(UAID.random().hex)","channelIDs":["\#(channel.value)"]}"#])
            clients.append(client)
        }
        harness.run(for: 0.5)
        XCTAssertEqual(store.callsStarted, 2, "only the limit's worth of calls may run at once")
        XCTAssertEqual(harness.node.shared.storeCalls.queued, 3)
        store.open()
        for client in clients {
            XCTAssertEqual(harness.nextObject(client)["status"] as? Int, 200)
        }
        XCTAssertEqual(store.callsStarted, 5)
        XCTAssertEqual(harness.node.shared.storeCalls.queued, 0)
    }
}

/// Runs async work to completion from a synchronous test.
func awaitResult<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        let result: Result<T, any Error>
        do { result = .success(try await work()) } catch { result = .failure(error) }
        box.result.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    return try box.result.withLock { $0 }!.get()
}

private final class ResultBox<T: Sendable>: Sendable {
    let result = Mutex<Result<T, any Error>?>(nil)
}
