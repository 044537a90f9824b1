/// An IPv4 address in host byte order. The tool takes literal addresses only (plus `localhost`),
/// so it never resolves a name and can tell for sure whether a target is on this machine.
public struct IPv4Address: Hashable, Codable, Sendable, CustomStringConvertible {
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Dotted quad, or `localhost` for 127.0.0.1; nil for anything else.
    public init?(parsing text: String) {
        if text.lowercased() == "localhost" {
            self.init(127, 0, 0, 1)
            return
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var result: UInt32 = 0
        for part in parts {
            guard (1 ... 3).contains(part.count), part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber),
                  let octet = UInt8(part) else { return nil }
            result = result << 8 | UInt32(octet)
        }
        self.init(result)
    }

    /// 127.0.0.0/8.
    public var isLoopback: Bool { value >> 24 == 127 }

    public var description: String {
        "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
    }

    /// The n-th extra loopback source address: 127.0.0.2, 127.0.0.3, … (127.0.0.1 is left to the
    /// server side so the tool's ports never compete with it for one address).
    public static func loopbackSource(_ index: Int) -> IPv4Address {
        IPv4Address(IPv4Address(127, 0, 0, 2).value + UInt32(index))
    }
}
