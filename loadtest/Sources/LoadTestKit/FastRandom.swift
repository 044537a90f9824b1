import Foundation

/// xorshift64*: mask keys and handshake keys only need to be unpredictable enough to be valid,
/// and the system generator costs a system call per value at tens of thousands a second.
struct FastRandom {
    private var state: UInt64

    init(seed: UInt64 = UInt64.random(in: 1 ... .max)) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    mutating func next32() -> UInt32 { UInt32(truncatingIfNeeded: next() >> 32) }

    /// A Sec-WebSocket-Key: base64 of 16 random bytes.
    mutating func handshakeKey() -> String {
        Data(bytes(16)).base64EncodedString()
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var word: UInt64 = 0
        for index in 0 ..< count {
            if index % 8 == 0 { word = next() }
            result[index] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(index % 8)))
        }
        return result
    }

    /// A random UUID in the lower-case dashed form channel IDs use.
    mutating func uuidString() -> String {
        let high = next(), low = next()
        // Version 4, variant 10.
        let a = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x4000
        let b = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        let hex = String(a, radix: 16).leftPadded(16) + String(b, radix: 16).leftPadded(16)
        let chars = Array(hex)
        return String(chars[0 ..< 8]) + "-" + String(chars[8 ..< 12]) + "-" + String(chars[12 ..< 16]) + "-"
            + String(chars[16 ..< 20]) + "-" + String(chars[20 ..< 32])
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// How many events a steady rate allows by `now`: one at the start, then `perSecond` a second.
/// Events not taken when due stay due, so a slow loop catches up instead of losing them.
struct RateSchedule {
    let start: UInt64
    let perSecond: Double

    func due(at now: UInt64) -> Int {
        guard now > start else { return 1 }
        return Int(Double(now - start) / 1e9 * perSecond) + 1
    }
}
