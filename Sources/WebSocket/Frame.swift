/// One WebSocket frame with its payload already unmasked.
public struct Frame: Sendable, Equatable {
    public var fin: Bool
    public var opcode: Opcode
    public var payload: [UInt8]

    public init(fin: Bool = true, opcode: Opcode, payload: [UInt8]) {
        self.fin = fin
        self.opcode = opcode
        self.payload = payload
    }
}

public enum FrameParseResult: Equatable, Sendable {
    /// The buffer holds only a prefix of a frame; call again once more bytes arrived.
    case needMore
    /// A complete frame; `consumed` bytes should be dropped from the front of the buffer.
    case frame(Frame, consumed: Int)
    /// The connection must be failed with this close code.
    case failure(CloseCode)
}
