import Foundation
import Logging
import Observability
import PushCore
import Reactor
import SimplePush
import Store
import WebSocket

/// Runs the SimplePush sessions of one reactor. Everything here happens on that reactor's thread,
/// so the session table needs no lock; store work runs in tasks whose results come back through
/// the reactor's mailbox. While a connection's store work is in flight its socket is not read, so
/// its messages are handled strictly in order and none has to be queued here.
final class NodeWorker: ReactorDelegate {
    let reactor: Reactor
    unowned let node: ConnectionNode
    /// Indexed by the reactor's slot; an entry is reset when a connection opens on that slot and
    /// is only read for a connection the reactor says is open.
    var sessions = ContiguousArray<Session>()
    /// Connections with store work in flight or waiting for a place.
    var busy: Set<ConnectionID> = []
    /// The newest version sent to each connection per channel, for connections that were sent
    /// any: a live delivery never goes back to an older version (two PUTs saved in one order may
    /// reach the reactor in the other).
    var lastSent: [ConnectionID: [ChannelID: Version]] = [:]

    /// What this worker reads per connection and per message: a copy kept on the reactor thread,
    /// replaced on reload, so the hot path takes no lock.
    struct Settings {
        let origins: [String]
        let helloTimeout: Double
        let engine: SessionEngine

        init(_ config: ServerConfig) {
            origins = config.websocket.origins
            helloTimeout = config.websocket.clientHelloTimeout
            engine = SessionEngine(settings: .init(maxChannels: config.general.maxChannels,
                                                   minPingInterval: config.websocket.clientMinPingInterval))
        }
    }

    var settings: Settings

    init(reactor: Reactor, node: ConnectionNode, config: ServerConfig) {
        self.reactor = reactor
        self.node = node
        settings = Settings(config)
        reactor.delegate = self
    }

    var logger: Logger { node.dependencies.logger }
    var store: any Store { node.dependencies.store }
    var entryIndex: Int { reactor.index }

    // MARK: ReactorDelegate

    func reactor(_ reactor: Reactor, plainRequest head: RequestHead) -> [UInt8] {
        guard head.method == "GET" else {
            return Handshake.errorResponse(HTTPFailure(status: 405, reason: "Method Not Allowed",
                message: "only GET is served here", extraHeaders: [("Allow", "GET")]))
        }
        guard head.path == "/status/" || head.path == "/status" else {
            return Handshake.errorResponse(HTTPFailure(status: 404, reason: "Not Found",
                message: "not found; WebSocket clients connect to /", extraHeaders: []))
        }
        let body = #"{"status":"OK","clients":\#(node.connectedClients),"version":"\#(node.dependencies.version)"}"#
        return Handshake.response(status: 200, reason: "OK", contentType: "application/json", body: body)
    }

    func reactor(_ reactor: Reactor, shouldAccept head: RequestHead) -> HTTPFailure? {
        guard head.path == "/" else {
            return HTTPFailure(status: 404, reason: "Not Found", message: "WebSocket clients connect to /", extraHeaders: [])
        }
        let origins = settings.origins
        if !origins.isEmpty && !origins.contains(head.header("Origin") ?? "") {
            return HTTPFailure(status: 403, reason: "Forbidden", message: "origin not allowed", extraHeaders: [])
        }
        return nil
    }

    func reactor(_ reactor: Reactor, didOpen connection: ConnectionID) {
        let slot = Int(connection.slot)
        if sessions.count <= slot {
            sessions.append(contentsOf: repeatElement(Session(), count: slot + 1 - sessions.count))
        }
        sessions[slot] = Session()
        busy.remove(connection)
        lastSent[connection] = nil
        reactor.setDeadline(connection, after: settings.helloTimeout)
        logger.debug("connection opened", metadata: ["connection": "\(entryIndex)/\(connection)"])
    }

    func reactor(_ reactor: Reactor, didReceive message: [UInt8], on connection: ConnectionID) {
        process(message, on: connection)
    }

    func reactor(_ reactor: Reactor, didClose connection: ConnectionID) {
        let slot = Int(connection.slot)
        busy.remove(connection)
        lastSent[connection] = nil
        if sessions[slot].phase == .ready, let uaid = sessions[slot].uaid {
            node.registry.release(uaid, Registry.Entry(worker: entryIndex, connection: connection))
        }
        sessions[slot] = Session()
        logger.debug("connection closed", metadata: ["connection": "\(entryIndex)/\(connection)"])
    }

    func reactor(_ reactor: Reactor, deadlinePassed connection: ConnectionID) {
        // The only deadline of ours is the hello timeout; after hello the reactor watches for idleness.
        if sessions[Int(connection.slot)].phase != .ready {
            reactor.close(connection, code: .policyViolation)
        }
    }
}
