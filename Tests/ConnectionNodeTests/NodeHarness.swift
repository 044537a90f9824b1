import ConfigFile
import Foundation
@testable import ConnectionNode
import Logging
import LoopbackClient
import PushCore
@testable import Reactor
import Routing
import SimplePushModule
import Store
import StoreMemory
import WebSocket
import XCTest

/// A connection node with one reactor, driven one loop turn at a time from the test's thread.
/// Store calls still run in tasks; their results come back through the mailbox as in the server.
final class NodeHarness {
    let node: ConnectionNode
    var reactor: Reactor { node.workers[0].value.reactor }
    var worker: NodeWorker { node.workers[0].value }

    /// The node serves `protocols`, then SimplePush (the default, as in the server).
    init(store: any Store = MemoryStore(), protocols: [any ConnectionProtocolModule] = [],
         configure: (inout NodeConfiguration) -> Void = { _ in }) throws {
        var config = NodeConfiguration()
        config.workers = 1
        config.reactor.port = 0
        configure(&config)
        let settings = Live(SimplePushSettings(publicURL: "http://127.0.0.1:8081",
                                               tokens: try EndpointTokenCodec(encodedKeys: [EndpointTokenCodec.generateKey()])))
        node = try ConnectionNode(config, protocols: protocols + [SimplePushProtocol(store: store, settings: settings)],
                                  version: "test", logger: Logger(label: "test"))
    }

    /// Routes `update` as the endpoint does, from another thread, and waits for the answer.
    func route(_ update: Update, to uaid: UAID) throws -> RouteOutcome? {
        let node = node
        return try awaitResult { await node.route(.simplePush(update), to: uaid) }
    }

    func run(until condition: () -> Bool, timeout: Double = 5, file: StaticString = #filePath, line: UInt = #line) {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            guard Date() < deadline else { return XCTFail("condition not reached in \(timeout) s", file: file, line: line) }
            reactor.runOnce(timeoutMilliseconds: 10)
        }
    }

    func run(for seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline { reactor.runOnce(timeoutMilliseconds: 10) }
    }

    /// A client with its WebSocket open.
    func connect(file: StaticString = #filePath, line: UInt = #line) throws -> RawClient {
        let client = try RawClient(port: reactor.boundPort)
        try client.upgrade()
        let before = reactor.openConnections
        run(until: { reactor.openConnections > before }, file: file, line: line)
        try client.readUpgradeResponse()
        return client
    }

    /// The next text message to `client`, running the loop meanwhile; nil after `timeout`.
    func nextText(_ client: RawClient, timeout: Double = 5) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            reactor.runOnce(timeoutMilliseconds: 10)
            if let frame = client.readFrameIfReady() {
                if frame.opcode == .close { return nil }
                if frame.opcode == .text { return String(decoding: frame.payload, as: UTF8.self) }
            }
        }
        return nil
    }

    /// The next message as a JSON object.
    func nextObject(_ client: RawClient, file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        guard let text = nextText(client),
              let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            XCTFail("no JSON message arrived", file: file, line: line)
            return [:]
        }
        return object
    }

    /// Says hello without a UAID and returns the one issued.
    func hello(_ client: RawClient, file: StaticString = #filePath, line: UInt = #line) -> UAID? {
        client.send([#"{"messageType":"hello","uaid":"","channelIDs":[]}"#])
        return (nextObject(client, file: file, line: line)["uaid"] as? String).flatMap(UAID.init)
    }
}

/// A store whose `deviceProtocol` lookup (behind `uaidExists`) waits until the test opens the gate, so a test can hold a hello in
/// flight for as long as it needs; with `gatingFetch`, the device lookup passes and a fetch of
/// messages waits instead, after it has read them.
final class GatedStore: Store, @unchecked Sendable {  // `waiting` and `isOpen` are behind `lock`
    let inner = MemoryStore()
    private let gatingFetch: Bool
    private let lock = NSLock()
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var isOpen = false
    private var started = 0

    init(gatingFetch: Bool = false) { self.gatingFetch = gatingFetch }

    /// Calls that reached the gate so far.
    var callsStarted: Int {
        lock.lock()
        defer { lock.unlock() }
        return started
    }

    func open() {
        lock.lock()
        isOpen = true
        let resumed = waiting
        waiting = []
        lock.unlock()
        for continuation in resumed { continuation.resume() }
    }

    private func pass() async {
        await withCheckedContinuation { continuation in
            lock.lock()
            started += 1
            if isOpen {
                lock.unlock()
                continuation.resume()
            } else {
                waiting.append(continuation)
                lock.unlock()
            }
        }
    }

    func device(_ uaid: UAID) async throws -> DeviceRecord? { try await inner.device(uaid) }

    func deviceProtocol(_ uaid: UAID) async throws -> DeviceProtocol? {
        if !gatingFetch { await pass() }
        return try await inner.deviceProtocol(uaid)
    }

    func register(_ uaid: UAID, channel: ChannelID, protocol deviceProtocol: DeviceProtocol, maxChannels: Int) async throws -> RegisterResult {
        try await inner.register(uaid, channel: channel, protocol: deviceProtocol, maxChannels: maxChannels)
    }

    func unregister(_ uaid: UAID, channel: ChannelID) async throws { try await inner.unregister(uaid, channel: channel) }

    func save(_ message: StoredMessage, for uaid: UAID, limit: Int) async throws -> SaveResult {
        try await inner.save(message, for: uaid, limit: limit)
    }

    func fetchMessages(_ uaid: UAID, limit: Int) async throws -> [StoredMessage] {
        let messages = try await inner.fetchMessages(uaid, limit: limit)
        if gatingFetch { await pass() }
        return messages
    }

    func delete(_ reference: MessageReference, for uaid: UAID) async throws -> Bool { try await inner.delete(reference, for: uaid) }

    func drop(_ uaid: UAID) async throws { try await inner.drop(uaid) }
    func claimNode(_ uaid: UAID, _ record: NodeRecord) async throws -> ClaimResult { try await inner.claimNode(uaid, record) }
    func nodeRecord(_ uaid: UAID) async throws -> NodeRecord? { try await inner.nodeRecord(uaid) }
    func releaseNode(_ uaid: UAID, ifStill record: NodeRecord) async throws -> Bool { try await inner.releaseNode(uaid, ifStill: record) }
    func healthCheck() async throws {}
    func close() async throws {}
}
