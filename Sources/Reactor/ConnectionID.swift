/// Names one connection of one reactor. The generation changes each time a slot is reused, so a
/// message meant for a connection that has since closed cannot reach its successor.
public struct ConnectionID: Hashable, Sendable, CustomStringConvertible {
    public let slot: UInt32
    public let generation: UInt32

    public init(slot: UInt32, generation: UInt32) {
        self.slot = slot
        self.generation = generation
    }

    var token: UInt64 { UInt64(generation) << 32 | UInt64(slot) }

    init(token: UInt64) {
        slot = UInt32(truncatingIfNeeded: token)
        generation = UInt32(truncatingIfNeeded: token >> 32)
    }

    public var description: String { "\(slot).\(generation)" }
}
