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

public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Accepts base64url or standard base64, with or without padding.
    public static func decode(_ text: String) -> [UInt8]? {
        var normalized = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        normalized = normalized.trimmingCharacters(in: CharacterSet(charactersIn: "="))
        guard normalized.count % 4 != 1 else { return nil }
        normalized += String(repeating: "=", count: (4 - normalized.count % 4) % 4)
        return Data(base64Encoded: normalized).map(Array.init)
    }
}
