/// Frame opcodes defined by RFC 6455 section 5.2; every other value is rejected by the parser.
public enum Opcode: UInt8, Sendable {
    case continuation = 0
    case text = 1
    case binary = 2
    case close = 8
    case ping = 9
    case pong = 10

    /// Control frames (close, ping, pong) have the high bit of the opcode nibble set.
    @inlinable
    public var isControl: Bool { rawValue & 0x08 != 0 }
}
