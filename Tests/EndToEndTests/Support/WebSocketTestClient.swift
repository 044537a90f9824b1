import Foundation
import WebSocket

/// How a connection ended, as the client saw it.
struct CloseInfo: CustomStringConvertible {
    /// The status code from the server's close frame; nil when the frame had none or the TCP
    /// connection ended without a close frame.
    var code: UInt16?
    var reason: String
    var sawCloseFrame: Bool

    var description: String {
        guard sawCloseFrame else { return "TCP closed without a close frame" }
        return "close frame code=\(code.map(String.init) ?? "none") reason=\(reason.debugDescription)"
    }
}

/// One thing the server sent.
enum WebSocketEvent {
    /// A whole text or binary message (fragments already joined).
    case message(opcode: Opcode, payload: [UInt8])
    case pong([UInt8])
    case closed(CloseInfo)
}

/// A real RFC 6455 client: it performs and checks the upgrade, masks what it sends, answers pings,
/// joins fragments, and gives tests blocking calls that always end at a deadline.
final class WebSocketTestClient {
    static let defaultTimeout = 3.0

    private let connection: TCPConnection
    private var buffer: [UInt8]
    private var fragments: (opcode: Opcode, payload: [UInt8])?
    private(set) var closeInfo: CloseInfo?

    /// Connects and completes the upgrade on path `/`; throws unless the server answers 101 with
    /// the right Sec-WebSocket-Accept.
    init(port: Int, origin: String? = nil, timeout: Double = 5) throws {
        connection = try TCPConnection(port: port)
        let key = Self.randomKey()
        try connection.write(Self.upgradeRequest(port: port, key: key, origin: origin))

        let deadline = Deadline(seconds: timeout)
        var received: [UInt8] = []
        while endOfHTTPHead(in: received) == nil {
            switch try connection.read(until: deadline) {
            case .bytes(let chunk): received += chunk
            case .closed, .timedOut:
                throw TestFailure("no complete upgrade response; got \(String(decoding: received, as: UTF8.self).debugDescription)")
            }
        }
        let headEnd = endOfHTTPHead(in: received)!
        let head = try HTTPResponseHead(parsing: String(decoding: received[..<(headEnd - 4)], as: UTF8.self))
        guard head.status == 101 else {
            throw TestFailure("upgrade answered \(head.status) \(head.reason), not 101: \(String(decoding: received, as: UTF8.self).debugDescription)")
        }
        guard head.header("Upgrade")?.lowercased() == "websocket",
              head.header("Connection")?.lowercased().contains("upgrade") == true else {
            throw TestFailure("101 without Upgrade: websocket / Connection: Upgrade: \(head.headers)")
        }
        let expected = Self.acceptValue(forKey: key)
        guard head.header("Sec-WebSocket-Accept") == expected else {
            throw TestFailure("Sec-WebSocket-Accept is \(head.header("Sec-WebSocket-Accept") ?? "missing"), expected \(expected)")
        }
        buffer = Array(received[headEnd...])
    }

    deinit { connection.close() }

    // MARK: Handshake pieces, also used to build deliberately bad upgrade requests

    static func upgradeRequest(port: Int, method: String = "GET", path: String = "/", key: String? = randomKey(),
                               version: String? = "13", origin: String? = nil) -> [UInt8] {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        if let key { text += "Sec-WebSocket-Key: \(key)\r\n" }
        if let version { text += "Sec-WebSocket-Version: \(version)\r\n" }
        if let origin { text += "Origin: \(origin)\r\n" }
        return Array((text + "\r\n").utf8)
    }

    static func randomKey() -> String {
        Data((0 ..< 16).map { _ in UInt8.random(in: 0 ... 255) }).base64EncodedString()
    }

    static func acceptValue(forKey key: String) -> String {
        Data(SHA1.digest(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
    }

    // MARK: Sending

    func send(json object: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: object)
        try sendFrame(.text, payload: Array(data))
    }

    func send(text: String) throws {
        try sendFrame(.text, payload: Array(text.utf8))
    }

    /// One masked frame, as a client must send it.
    func sendFrame(_ opcode: Opcode, payload: [UInt8], fin: Bool = true) throws {
        try sendRaw(FrameEncoder.encode(opcode, payload: payload, fin: fin, maskKey: UInt32.random(in: 1 ... .max)))
    }

    /// Bytes exactly as given, for malformed or oversized frames.
    func sendRaw(_ bytes: [UInt8]) throws {
        try connection.write(bytes)
    }

    // MARK: Receiving

    /// The next event, or nil when the deadline passes first. After the connection ended every
    /// call returns the same `.closed`.
    func nextEvent(until deadline: Deadline) throws -> WebSocketEvent? {
        if let closeInfo { return .closed(closeInfo) }
        while true {
            let result = buffer.withUnsafeBytes { FrameParser.parse($0, requireMask: false, maxPayload: 1 << 24) }
            switch result {
            case .frame(let frame, let consumed):
                buffer.removeFirst(consumed)
                if let event = try handle(frame) { return event }
            case .needMore:
                switch try connection.read(until: deadline) {
                case .bytes(let chunk): buffer += chunk
                case .timedOut: return nil
                case .closed:
                    return finish(CloseInfo(code: nil, reason: "", sawCloseFrame: false))
                }
            case .failure(let code):
                throw TestFailure("server sent a frame a client must reject (would close with \(code.rawValue))")
            }
        }
    }

    /// The next message as a JSON object. Throws on timeout, on close, or on anything that is not
    /// a JSON object.
    func receiveJSON(timeout: Double = defaultTimeout) throws -> [String: Any] {
        let deadline = Deadline(seconds: timeout)
        while true {
            switch try nextEvent(until: deadline) {
            case nil:
                throw TestFailure("no message from the server within \(timeout) s")
            case .pong?:
                continue
            case .closed(let info)?:
                throw TestFailure("connection ended (\(info)) while a message was expected")
            case .message(_, let payload)?:
                let text = String(decoding: payload, as: UTF8.self)
                guard let object = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any] else {
                    throw TestFailure("server sent a message that is not a JSON object: \(text.debugDescription)")
                }
                return object
            }
        }
    }

    /// Waits for the server to end the connection; a data message arriving first is a failure.
    @discardableResult
    func expectClose(timeout: Double = defaultTimeout) throws -> CloseInfo {
        let deadline = Deadline(seconds: timeout)
        while true {
            switch try nextEvent(until: deadline) {
            case nil:
                throw TestFailure("connection still open \(timeout) s after a close was expected")
            case .pong?:
                continue
            case .closed(let info)?:
                return info
            case .message(_, let payload)?:
                throw TestFailure("expected the connection to close, but the server sent \(String(decoding: payload, as: UTF8.self).debugDescription)")
            }
        }
    }

    /// Passes when nothing arrives and the connection stays open for `seconds`.
    func expectNoMessage(for seconds: Double) throws {
        let deadline = Deadline(seconds: seconds)
        while true {
            switch try nextEvent(until: deadline) {
            case nil: return
            case .pong?: continue
            case .closed(let info)?: throw TestFailure("connection ended (\(info)) where it should have stayed open")
            case .message(_, let payload)?:
                throw TestFailure("expected silence, but the server sent \(String(decoding: payload, as: UTF8.self).debugDescription)")
            }
        }
    }

    /// Closes the way a device does: close frame, wait briefly for the server's answer, then the
    /// TCP close. When this returns the server has seen the close (unless it stopped answering).
    func close(timeout: Double = 2) {
        guard closeInfo == nil else { return }
        try? sendRaw(FrameEncoder.close(.normal, reason: "", maskKey: UInt32.random(in: 1 ... .max)))
        let deadline = Deadline(seconds: timeout)
        while closeInfo == nil, let event = try? nextEvent(until: deadline) {
            if case .closed = event { break }
        }
        _ = finish(CloseInfo(code: nil, reason: "closed by client", sawCloseFrame: false))
    }

    /// Drops the TCP connection with no close frame, like a device losing its network.
    func abort() {
        _ = finish(CloseInfo(code: nil, reason: "aborted by client", sawCloseFrame: false))
    }

    private func handle(_ frame: Frame) throws -> WebSocketEvent? {
        switch frame.opcode {
        case .ping:
            try? sendFrame(.pong, payload: frame.payload)
            return nil
        case .pong:
            return .pong(frame.payload)
        case .close:
            let code = frame.payload.count >= 2 ? UInt16(frame.payload[0]) << 8 | UInt16(frame.payload[1]) : nil
            let reason = frame.payload.count > 2 ? String(decoding: frame.payload[2...], as: UTF8.self) : ""
            // Answer the close as RFC 6455 asks; the server may already be gone.
            try? sendRaw(FrameEncoder.encode(.close, payload: Array(frame.payload.prefix(2)), maskKey: UInt32.random(in: 1 ... .max)))
            return finish(CloseInfo(code: code, reason: reason, sawCloseFrame: true))
        case .text, .binary:
            guard fragments == nil else { throw TestFailure("server started a new message inside a fragmented one") }
            if frame.fin { return .message(opcode: frame.opcode, payload: frame.payload) }
            fragments = (frame.opcode, frame.payload)
            return nil
        case .continuation:
            guard var partial = fragments else { throw TestFailure("server sent a continuation frame with no message open") }
            partial.payload += frame.payload
            if frame.fin {
                fragments = nil
                return .message(opcode: partial.opcode, payload: partial.payload)
            }
            fragments = partial
            return nil
        }
    }

    private func finish(_ info: CloseInfo) -> WebSocketEvent {
        if closeInfo == nil { closeInfo = info }
        connection.close()
        return .closed(closeInfo!)
    }
}
