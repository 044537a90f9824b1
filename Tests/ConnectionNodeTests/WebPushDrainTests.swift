import Foundation
@testable import ConnectionNode
import LoopbackClient
import PushCore
import Routing
import Store
import StoreMemory
import WebPush
import WebPushModule
import XCTest

/// How the WebPush handler drains a device's stored messages: in batches that wait for acks, and
/// without losing a message that is stored and routed while a batch is being read.
final class WebPushDrainTests: XCTestCase {
    private let channel = ChannelID("5f9a1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b")!
    private let tokens = try! EndpointTokenCodec(encodedKeys: [EndpointTokenCodec.generateKey()])

    private func harness(_ store: any Store, batchSize: Int = 10) throws -> NodeHarness {
        var settings = WebPushSettings(publicURL: "http://127.0.0.1:8081", tokens: tokens)
        settings.batchSize = batchSize
        return try NodeHarness(store: store, protocols: [WebPushProtocol(store: store, settings: Live(settings))])
    }

    /// A device the store knows, with `count` messages waiting (oldest first: body 0, 1, …).
    private func storedDevice(_ store: any Store, messages count: Int) async throws -> (UAID, [StoredMessage]) {
        let uaid = UAID.random()
        _ = try await store.register(uaid, channel: channel, protocol: .webPush, maxChannels: 10)
        var saved: [StoredMessage] = []
        for n in 0 ..< count {
            let message = StoredMessage(channel: channel, slot: .unique(UInt64(n)), timestamp: StoredMessage.now() + UInt64(n),
                                        expiry: StoredMessage.unixSeconds() + 600, data: "body\(n)", headers: ["encoding": "aes128gcm"])
            _ = try await store.save(message, for: uaid, limit: 100)
            saved.append(message)
        }
        return (uaid, saved)
    }

    private func hello(_ harness: NodeHarness, _ client: RawClient, uaid: UAID) {
        client.send([#"{"messageType":"hello","use_webpush":true,"uaid":"\#(uaid.hex)","broadcasts":{}}"#])
        XCTAssertEqual(harness.nextObject(client)["uaid"] as? String, uaid.hex, "the stored device keeps its UAID")
    }

    private func ack(_ client: RawClient, _ notifications: [[String: Any]]) {
        let updates = notifications.map { #"{"channelID":"\#($0["channelID"] as! String)","version":"\#($0["version"] as! String)","code":100}"# }
        client.send([#"{"messageType":"ack","updates":["# + updates.joined(separator: ",") + "]}"])
    }

    func testTheNextBatchWaitsForTheAcksOfTheCurrentOne() async throws {
        let store = MemoryStore()
        let (uaid, _) = try await storedDevice(store, messages: 5)
        let harness = try harness(store, batchSize: 2)
        let client = try harness.connect()
        hello(harness, client, uaid: uaid)
        var received: [String] = []
        for expected in [2, 2, 1] {
            let batch = (0 ..< expected).map { _ in harness.nextObject(client) }
            received += batch.compactMap { $0["data"] as? String }
            XCTAssertNil(harness.nextText(client, timeout: 0.3), "nothing more before the batch is acked")
            ack(client, batch)
        }
        XCTAssertEqual(received, ["body0", "body1", "body2", "body3", "body4"], "oldest first, each once")
        harness.run(until: { (try? awaitResult { try await store.fetchMessages(uaid, limit: 10) })?.isEmpty == true })
    }

    func testAMessageRoutedWhileTheDrainReadsIsNotLost() async throws {
        let store = GatedStore(gatingFetch: true)
        let (uaid, _) = try await storedDevice(store.inner, messages: 0)
        let harness = try harness(store)
        let client = try harness.connect()
        hello(harness, client, uaid: uaid)
        harness.run(until: { store.callsStarted == 1 })  // the drain read the (empty) store and waits
        // Stored and routed meanwhile, as the endpoint does: the handler leaves it to the store.
        let late = StoredMessage(channel: channel, slot: .topic("late"), timestamp: StoredMessage.now(),
                                 expiry: StoredMessage.unixSeconds() + 600, data: "late", headers: ["encoding": "aes128gcm"])
        _ = try await store.inner.save(late, for: uaid, limit: 100)
        let key = MessageKey(channel: channel, slotKey: late.slotKey, timestamp: late.timestamp)
        let notification = WebPushNotification(channel: channel, messageID: tokens.messageID(uaid: uaid, message: late), key: key,
                                               ttl: 600, urgency: .normal, data: late.data, headers: late.headers)
        let node = harness.node
        let outcome = try awaitResult { await node.route(.webPush(notification), to: uaid) }
        XCTAssertEqual(outcome, .deliveredHere)
        store.open()
        let delivered = harness.nextObject(client)
        XCTAssertEqual(delivered["data"] as? String, "late")
        XCTAssertNil(harness.nextText(client, timeout: 0.3), "sent once")
    }
}



