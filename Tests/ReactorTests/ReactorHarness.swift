import Foundation
import LoopbackClient
@testable import Reactor
import WebSocket
import XCTest

/// A reactor on a loopback port, driven one loop turn at a time from the test's own thread (which
/// thereby is the reactor thread), with a delegate that records what it is told.
final class ReactorHarness: ReactorDelegate {
    let reactor: Reactor
    private(set) var opened: [ConnectionID] = []
    private(set) var closed: [ConnectionID] = []
    private(set) var messages: [(ConnectionID, String)] = []
    private(set) var deadlines: [ConnectionID] = []
    /// Called for each message, after it is recorded.
    var onMessage: ((ConnectionID, String) -> Void)?
    /// Called for each close report, after it is recorded.
    var onClose: ((ConnectionID) -> Void)?

    init(configure: (inout Reactor.Settings) -> Void = { _ in }) throws {
        var settings = Reactor.Settings(host: "127.0.0.1", port: 0)
        configure(&settings)
        reactor = try Reactor(index: 0, settings: settings)
        reactor.delegate = self
    }

    var port: Int { reactor.boundPort }

    /// Runs loop turns until `condition` holds; fails the test after `timeout` seconds.
    func run(until condition: () -> Bool, timeout: Double = 5, file: StaticString = #filePath, line: UInt = #line) {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            guard Date() < deadline else { return XCTFail("condition not reached in \(timeout) s", file: file, line: line) }
            reactor.runOnce(timeoutMilliseconds: 20)
        }
    }

    /// Runs loop turns for `seconds`.
    func run(for seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline { reactor.runOnce(timeoutMilliseconds: 20) }
    }

    /// A client connected and upgraded, with the server side's id.
    func openClient(file: StaticString = #filePath, line: UInt = #line) throws -> (RawClient, ConnectionID) {
        let client = try RawClient(port: port)
        try client.upgrade()
        let before = opened.count
        run(until: { opened.count > before }, file: file, line: line)
        try client.readUpgradeResponse()
        return (client, opened[opened.count - 1])
    }

    func reactor(_ reactor: Reactor, plainRequest head: RequestHead) -> [UInt8] {
        Handshake.response(status: 200, reason: "OK", contentType: "text/plain", body: "ok")
    }

    func reactor(_ reactor: Reactor, shouldAccept head: RequestHead) -> Admission { .accept }

    func reactor(_ reactor: Reactor, didOpen connection: ConnectionID) { opened.append(connection) }

    func reactor(_ reactor: Reactor, didReceive message: [UInt8], on connection: ConnectionID) {
        let text = String(decoding: message, as: UTF8.self)
        messages.append((connection, text))
        onMessage?(connection, text)
    }

    func reactor(_ reactor: Reactor, didClose connection: ConnectionID) {
        closed.append(connection)
        onClose?(connection)
    }

    func reactor(_ reactor: Reactor, deadlinePassed connection: ConnectionID) { deadlines.append(connection) }
}

