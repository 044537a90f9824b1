import Crypto
import Foundation

/// Endpoint tokens: AES-256-GCM over "uaid.chid", base64url without padding.
/// Authenticated, so a tampered token fails to open (pushgo's AES-CTR had no MAC).
/// The first key seals; every key is tried when opening, which allows key rotation.
public struct EndpointTokenCodec: Sendable {
    public enum KeyError: Error, CustomStringConvertible {
        case noKeys
        case badKey(index: Int)
        public var description: String {
            switch self {
            case .noKeys: return "no token key configured"
            case .badKey(let index): return "token key #\(index + 1) is not 32 bytes of base64url"
            }
        }
    }

    private let keys: [SymmetricKey]

    /// `encodedKeys` are base64url (or standard base64) strings of 32 random bytes each.
    public init(encodedKeys: [String]) throws {
        guard !encodedKeys.isEmpty else { throw KeyError.noKeys }
        keys = try encodedKeys.enumerated().map { index, text in
            guard let bytes = Base64URL.decode(text), bytes.count == 32 else { throw KeyError.badKey(index: index) }
            return SymmetricKey(data: bytes)
        }
    }

    /// A new random key in the form `init(encodedKeys:)` takes.
    public static func generateKey() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Base64URL.encode(Array($0)) }
    }

    public func seal(uaid: UAID, channel: ChannelID) -> String {
        let plain = Array("\(uaid.hex).\(channel.value)".utf8)
        // Sealing only fails for a malformed key, which init rules out.
        let box = try! AES.GCM.seal(plain, using: keys[0])
        return Base64URL.encode(Array(box.combined!))
    }

    /// Returns nil for anything that does not authenticate under one of the keys.
    public func open(_ token: String) -> (UAID, ChannelID)? {
        guard let bytes = Base64URL.decode(token), bytes.count > 28,
              let box = try? AES.GCM.SealedBox(combined: bytes) else { return nil }
        for key in keys {
            guard let plain = try? AES.GCM.open(box, using: key) else { continue }
            guard let text = String(bytes: plain, encoding: .utf8) else { return nil }
            let parts = text.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, let uaid = UAID(parts[0]), let chid = ChannelID(parts[1]) else { return nil }
            return (uaid, chid)
        }
        return nil
    }
}

/// Base64url without padding, on bytes: tokens are opened for every PUT, so this avoids
/// Foundation's string rewriting on the hot path.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        // The standard alphabet's two symbols decode too, so keys may be given in either form.
        table[Int(UInt8(ascii: "+"))] = 62
        table[Int(UInt8(ascii: "/"))] = 63
        return table
    }()

    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index + 2 < bytes.count {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out.append(alphabet[Int(n >> 18)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(alphabet[Int(n & 63)])
            index += 3
        }
        let rest = bytes.count - index
        if rest > 0 {
            let n = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            out.append(alphabet[Int(n >> 18)])
            out.append(alphabet[Int(n >> 12 & 63)])
            if rest == 2 { out.append(alphabet[Int(n >> 6 & 63)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Accepts base64url or standard base64, with or without padding. Nil for anything else.
    public static func decode(_ text: String) -> [UInt8]? {
        var input = Array(text.utf8)
        while input.last == UInt8(ascii: "=") { input.removeLast() }
        guard input.count % 4 != 1 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(input.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in input {
            let value = values[Int(byte)]
            guard value != 0xFF else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        // Leftover bits must be zero, as in canonical encodings.
        guard accumulator & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return out
    }
}
