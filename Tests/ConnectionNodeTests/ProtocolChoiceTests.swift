import Foundation
@testable import ConnectionNode
import LoopbackClient
import PushCore
@testable import Reactor
import Routing
import Synchronization
import XCTest

/// A second protocol beside SimplePush: takes connections whose first message has
/// `"use_probe":true`, claims the UAID it names and echoes what it is sent or delivered.
struct ProbeProtocol: ConnectionProtocolModule {
    /// What the handlers were told, in order, across workers.
    let events = Recorder()

    func makeHandler(on worker: NodeWorker) -> any ConnectionProtocol { ProbeHandler(worker: worker, events: events) }
}

final class Recorder: Sendable {
    private let lines = Mutex<[String]>([])
    func add(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

final class ProbeHandler: ConnectionProtocol {
    unowned let worker: NodeWorker
    let events: Recorder
    var uaids = ConnectionTable<UAID?>(initial: nil)

    init(worker: NodeWorker, events: Recorder) {
        self.worker = worker
        self.events = events
    }

    func accepts(firstMessage message: [UInt8]) -> Bool {
        String(decoding: message, as: UTF8.self).contains(#""use_probe":true"#)
    }

    func didOpen(_ connection: ConnectionID) {
        uaids.open(connection)
        events.add("open \(connection)")
    }

    func didReceive(_ message: [UInt8], on connection: ConnectionID) {
        let text = String(decoding: message, as: UTF8.self)
        if uaids[connection] == nil, let range = text.range(of: #"[0-9a-f]{32}"#, options: .regularExpression),
           let uaid = UAID(String(text[range])) {
            uaids[connection] = uaid
            worker.claim(uaid, for: connection) {}
        }
        worker.reactor.send("probe:" + text, to: connection)
    }

    func didClose(_ connection: ConnectionID) {
        if let uaid = uaids[connection] { worker.release(uaid, for: connection) }
        uaids.close(connection)
        events.add("close \(connection)")
    }

    func deadlinePassed(_ connection: ConnectionID) { events.add("deadline \(connection)") }

    func deliver(_ message: PushMessage, to uaid: UAID, on connection: ConnectionID) {
        guard case .simplePush(let update) = message, uaids[connection] == uaid else { return }
        worker.reactor.send("probe-delivered:\(update.version)", to: connection)
    }
}

/// The node picks a protocol per connection from its first message and keeps the choice in the
/// connection's slot tag; everything after goes to that protocol's handler.
final class ProtocolChoiceTests: XCTestCase {
    func testEachConnectionIsServedByTheProtocolItsFirstMessageChose() throws {
        let probe = ProbeProtocol()
        let harness = try NodeHarness(protocols: [probe])
        let uaid = UAID.random()
        let probeClient = try harness.connect()
        let simplePushClient = try harness.connect()

        probeClient.send([#"{"use_probe":true,"uaid":"\#(uaid.hex)"}"#])
        XCTAssertEqual(harness.nextText(probeClient), #"probe:{"use_probe":true,"uaid":"\#(uaid.hex)"}"#)
        XCTAssertNotNil(harness.hello(simplePushClient), "the default protocol still answers hello")

        // Later messages stay with the chosen protocol, whatever they look like.
        probeClient.send([#"{"messageType":"hello","uaid":"","channelIDs":[]}"#])
        XCTAssertEqual(harness.nextText(probeClient), #"probe:{"messageType":"hello","uaid":"","channelIDs":[]}"#)
        simplePushClient.send([#"{"use_probe":true}"#])
        XCTAssertEqual(harness.nextObject(simplePushClient)["status"] as? Int, 401, "SimplePush answers what it cannot serve")

        // A routed message reaches the handler of the connection that claimed the UAID.
        XCTAssertEqual(try harness.route(Update(channelID: ChannelID(UUID().uuidString)!, version: 9), to: uaid), .deliveredHere)
        XCTAssertEqual(harness.nextText(probeClient), "probe-delivered:9")
        XCTAssertEqual(try harness.route(Update(channelID: ChannelID(UUID().uuidString)!, version: 9), to: .random()), nil,
                       "nobody here holds that device")
    }

    func testTheTagLeavesWithItsConnection() throws {
        let probe = ProbeProtocol()
        let harness = try NodeHarness(protocols: [probe])
        let first = try harness.connect()
        first.send([#"{"use_probe":true}"#])
        XCTAssertNotNil(harness.nextText(first))
        let slot = harness.reactor.slots.indices.first { harness.reactor.slots[$0].phase == .open }
        first.closeNormally()
        harness.run(until: { probe.events.all.contains { $0.hasPrefix("close") } })
        harness.run(until: { harness.reactor.openConnections == 0 })

        // The next connection reuses the slot; its first message chooses again.
        let second = try harness.connect()
        XCTAssertEqual(harness.reactor.slots.indices.first { harness.reactor.slots[$0].phase == .open }, slot)
        XCTAssertNotNil(harness.hello(second), "a SimplePush hello on the reused slot goes to SimplePush")
        XCTAssertEqual(probe.events.all.count, 2, "the probe saw one open and one close: \(probe.events.all)")
    }

    func testAConnectionThatNeverChoosesIsClosedAtTheHelloTimeout() throws {
        let probe = ProbeProtocol()
        let harness = try NodeHarness(protocols: [probe]) { $0.helloTimeout = 1 }
        let silent = try harness.connect()
        harness.run(until: { harness.reactor.openConnections == 0 }, timeout: 5)
        XCTAssertEqual(silent.readFrame()?.opcode, .close)
        XCTAssertTrue(probe.events.all.isEmpty, "no protocol was chosen, so none is told of the close")
    }
}

/// Routers are asked in order; the first that reaches the device answers.
final class RouterChainTests: XCTestCase {
    struct Fixed: Router {
        let outcome: RouteOutcome?
        let calls: Recorder
        func route(_ message: PushMessage, to uaid: UAID) async -> RouteOutcome? {
            calls.add("\(outcome.map { "\($0)" } ?? "nil")")
            return outcome
        }
    }

    func testTheFirstRouterThatReachesTheDeviceAnswers() throws {
        let calls = Recorder()
        let chain = RouterChain([Fixed(outcome: nil, calls: calls), Fixed(outcome: .deliveredToNode("b"), calls: calls),
                                 Fixed(outcome: .deliveredHere, calls: calls)])
        let update = PushMessage.simplePush(Update(channelID: ChannelID(UUID().uuidString)!, version: 1))
        XCTAssertEqual(try awaitResult { await chain.deliver(update, to: .random()) }, .deliveredToNode("b"))
        XCTAssertEqual(calls.all, ["nil", #"deliveredToNode("b")"#])
    }

    func testNobodyReachingTheDeviceMeansStored() throws {
        let chain = RouterChain([Fixed(outcome: nil, calls: Recorder())])
        let update = PushMessage.simplePush(Update(channelID: ChannelID(UUID().uuidString)!, version: 1))
        XCTAssertEqual(try awaitResult { await chain.deliver(update, to: .random()) }, .stored)
        XCTAssertEqual(try awaitResult { await RouterChain([]).deliver(update, to: .random()) }, .stored)
    }
}

/// Start and stop on real reactor threads, called from threads other than the one that made the node.
final class NodeThreadsTests: XCTestCase {
    func testANodeStartsAndStopsFromOtherThreadsAndOnlyTheFirstCallsAct() async throws {
        let harness = try NodeHarness()
        let node = harness.node
        let port = harness.reactor.boundPort
        await Task.detached { node.start(); node.start() }.value
        let client = try RawClient(port: port)
        try client.upgrade()
        try client.readUpgradeResponse()
        client.send([#"{"messageType":"hello","uaid":"","channelIDs":[]}"#])
        let reply = try XCTUnwrap(client.readFrame())
        XCTAssertTrue(String(decoding: reply.payload, as: UTF8.self).contains(#""status":200"#))
        XCTAssertEqual(node.connectedClients, 1)

        await node.stop()
        let close = try XCTUnwrap(client.readFrame())
        XCTAssertEqual(close.opcode, .close)
        XCTAssertEqual(Array(close.payload.prefix(2)), [0x03, 0xE9], "1001 going away")
        await node.stop()  // returns: nothing is left to stop
        node.start()  // does nothing after a stop
    }

    func testStoppingANodeThatNeverStartedReturns() async throws {
        let harness = try NodeHarness()
        await harness.node.stop()
    }
}
