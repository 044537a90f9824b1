import Foundation

/// A device's user-agent id: 128 bits, written as 32 lower-case hex characters.
/// Kept as two integers so a connection record holds it inline, without a heap string.
public struct UAID: Hashable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Accepts 32 hex characters or the 36-character dashed UUID form, any case.
    public init?(_ text: String) {
        guard let (high, low) = parseUUIDBits(text) else { return nil }
        self.init(high: high, low: low)
    }

    /// A new random id (UUID version 4 bits). From the system's CSPRNG: whoever knows a UAID
    /// can take over its device's notifications, so UAIDs must not be guessable.
    public static func random() -> UAID {
        var rng = SystemRandomNumberGenerator()
        let words = (rng.next(), rng.next())
        let high = (words.0 & ~UInt64(0xF000)) | 0x4000
        let low = (words.1 & ~(UInt64(0xC) << 60)) | (UInt64(0x8) << 60)
        return UAID(high: high, low: low)
    }

    public var hex: String { hex64(high) + hex64(low) }
    public var description: String { hex }
}

/// A channel id as the device sent it (a validated UUID, dashed or 32 hex). The exact spelling is
/// kept so notifications carry the id the device registered.
public struct ChannelID: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let value: String

    public init?(_ text: String) {
        guard parseUUIDBits(text) != nil else { return nil }
        value = text
    }

    public var description: String { value }
    public static func < (a: ChannelID, b: ChannelID) -> Bool { a.value < b.value }
}

/// Parses 32 hex digits, optionally in the 8-4-4-4-12 dashed layout.
func parseUUIDBits(_ text: String) -> (UInt64, UInt64)? {
    let utf8 = text.utf8
    let dashed = utf8.count == 36
    guard utf8.count == 32 || dashed else { return nil }
    var high: UInt64 = 0
    var low: UInt64 = 0
    var digits = 0
    for (index, byte) in utf8.enumerated() {
        if dashed && (index == 8 || index == 13 || index == 18 || index == 23) {
            guard byte == UInt8(ascii: "-") else { return nil }
            continue
        }
        guard let nibble = hexValue(byte) else { return nil }
        if digits < 16 { high = high << 4 | UInt64(nibble) } else { low = low << 4 | UInt64(nibble) }
        digits += 1
    }
    return digits == 32 ? (high, low) : nil
}

@inline(__always)
func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}

func hex64(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}

extension UAID {
    /// How a device wrote its UAID: dashed or not, and which hex digits were upper case. Replies
    /// echo the id exactly as sent, since a client that compares strings would otherwise take a
    /// re-spelled id for a new UAID and drop its channels. Kept as bits so a session holds it inline.
    public struct Spelling: Hashable, Sendable {
        /// Bit i set: the i-th hex digit (from the left) was upper case.
        public var upperCaseDigits: UInt32
        public var dashed: Bool

        public static let canonical = Spelling(upperCaseDigits: 0, dashed: false)

        public init(upperCaseDigits: UInt32, dashed: Bool) {
            self.upperCaseDigits = upperCaseDigits
            self.dashed = dashed
        }

        /// The spelling of a valid UAID text (as `UAID.init?(_:)` accepts it).
        public init(of text: String) {
            var mask: UInt32 = 0
            var digit = 0
            for byte in text.utf8 where byte != UInt8(ascii: "-") {
                if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F") && digit < 32 { mask |= 1 << UInt32(digit) }
                digit += 1
            }
            self.init(upperCaseDigits: mask, dashed: text.utf8.count == 36)
        }
    }

    /// The id written the way `spelling` says.
    public func text(_ spelling: Spelling) -> String {
        if spelling == .canonical { return hex }
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (digit, byte) in hex.utf8.enumerated() {
            if spelling.dashed && (digit == 8 || digit == 12 || digit == 16 || digit == 20) { out.append(UInt8(ascii: "-")) }
            let upper = spelling.upperCaseDigits & (1 << UInt32(digit)) != 0 && byte >= UInt8(ascii: "a")
            out.append(upper ? byte - 32 : byte)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
