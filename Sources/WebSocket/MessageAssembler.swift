/// What the connection should do after a frame was pushed into the assembler.
public enum AssemblerEvent: Equatable, Sendable {
    /// A fragment was absorbed; nothing to do yet.
    case none
    /// A complete text or binary message. Text has been checked to be valid UTF-8.
    case message(Opcode, [UInt8])
    case ping([UInt8])
    case pong([UInt8])
    /// The peer closed; `code` is nil when the close frame had no payload.
    case close(code: CloseCode?, reason: [UInt8])
    /// The connection must be failed with this code.
    case failure(CloseCode)
}

/// Reassembles fragmented messages (RFC 6455 section 5.4). Control frames may arrive between the
/// fragments of a message and are reported immediately.
public struct MessageAssembler: Sendable {
    public let maxMessage: Int
    private var pendingOpcode: Opcode?
    private var pending: [UInt8] = []

    public init(maxMessage: Int) {
        self.maxMessage = maxMessage
    }

    /// True when no fragmented message is in progress.
    public var isIdle: Bool { pendingOpcode == nil }

    public mutating func push(_ frame: Frame) -> AssemblerEvent {
        switch frame.opcode {
        case .ping: return .ping(frame.payload)
        case .pong: return .pong(frame.payload)
        case .close: return Self.closeEvent(frame.payload)
        case .text, .binary:
            guard pendingOpcode == nil else { return fail(.protocolError) }
            guard frame.payload.count <= maxMessage else { return fail(.messageTooBig) }
            if frame.fin { return Self.complete(frame.opcode, frame.payload) }
            pendingOpcode = frame.opcode
            pending = frame.payload
            return .none
        case .continuation:
            guard let opcode = pendingOpcode else { return fail(.protocolError) }
            guard frame.payload.count <= maxMessage - pending.count else { return fail(.messageTooBig) }
            pending.append(contentsOf: frame.payload)
            guard frame.fin else { return .none }
            let message = pending
            reset()
            return Self.complete(opcode, message)
        }
    }

    /// Drops any partial message; the buffer is released so idle connections stay small.
    public mutating func reset() {
        pendingOpcode = nil
        pending = []
    }

    private mutating func fail(_ code: CloseCode) -> AssemblerEvent {
        reset()
        return .failure(code)
    }

    private static func complete(_ opcode: Opcode, _ payload: [UInt8]) -> AssemblerEvent {
        if opcode == .text && !UTF8Validator.isValid(payload) { return .failure(.invalidPayload) }
        return .message(opcode, payload)
    }

    /// Close payloads are empty, or a valid code followed by a UTF-8 reason (RFC 6455 5.5.1, 7.4).
    static func closeEvent(_ payload: [UInt8]) -> AssemblerEvent {
        if payload.isEmpty { return .close(code: nil, reason: []) }
        guard payload.count >= 2 else { return .failure(.protocolError) }
        let code = CloseCode(UInt16(payload[0]) << 8 | UInt16(payload[1]))
        let reason = Array(payload[2...])
        guard code.isValidOnWire, UTF8Validator.isValid(reason) else { return .failure(.protocolError) }
        return .close(code: code, reason: reason)
    }
}
