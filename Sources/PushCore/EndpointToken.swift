import Crypto
import Foundation

/// Endpoint tokens: the opaque part of a push endpoint URL, base64url without padding, AES-256-GCM
/// sealed so a tampered or forged token fails to open (pushgo's AES-CTR had no MAC).
///
///     byte 0       format (1)
///     byte 1       kind: what the payload names (`EndpointTokenKind`)
///     bytes 2-3    key id, big-endian: which configured key sealed it
///     bytes 4-15   random nonce
///     then         payload ciphertext, 16-byte tag
///
/// The four header bytes are the associated data: flipping any of them fails authentication, and
/// opening tries only the key the header names.
///
/// Keys: the first seals, every configured key opens. With random 96-bit nonces one key should seal
/// at most 2^32 tokens (NIST SP 800-38D 8.3: the chance of a repeated nonce stays below 2^-32);
/// at a thousand registrations a second that is over a century. Rotation: put a new key first; it
/// seals from then on and the old keys keep opening what they sealed. Removing a key retires every
/// endpoint sealed under it (app servers get 404, devices register again).
public struct EndpointTokenCodec: Sendable {
    public enum KeyError: Error, CustomStringConvertible {
        case noKeys
        case badKey(index: Int)
        case sharedKeyID(index: Int, otherIndex: Int)
        public var description: String {
            switch self {
            case .noKeys: return "no token key configured"
            case .badKey(let index): return "token key #\(index + 1) is not 32 bytes of base64url"
            case .sharedKeyID(let index, let other):
                return "token keys #\(other + 1) and #\(index + 1) have the same key id; replace one with a new key"
            }
        }
    }

    static let format: UInt8 = 1
    static let headerLength = 4
    static let overhead = headerLength + 12 + 16

    private struct Key: Sendable {
        let id: UInt16
        let key: SymmetricKey
        /// Derives the nonces of `sealDeterministically`; apart from `key`, which only encrypts.
        let nonceKey: SymmetricKey
    }

    /// The sealing key first.
    private let keys: [Key]

    /// `encodedKeys` are base64url (or standard base64) strings of 32 random bytes each. The same
    /// key given twice counts once.
    public init(encodedKeys: [String]) throws {
        guard !encodedKeys.isEmpty else { throw KeyError.noKeys }
        var keys: [Key] = []
        var seen: [UInt16: (index: Int, bytes: [UInt8])] = [:]
        for (index, text) in encodedKeys.enumerated() {
            guard let bytes = Base64URL.decode(text), bytes.count == 32 else { throw KeyError.badKey(index: index) }
            let id = Self.keyID(bytes)
            if let earlier = seen[id] {
                guard earlier.bytes == bytes else { throw KeyError.sharedKeyID(index: index, otherIndex: earlier.index) }
                continue
            }
            seen[id] = (index, bytes)
            let nonceKey = SymmetricKey(data: SHA256.hash(data: Array("endpoint token nonce key".utf8) + bytes))
            keys.append(Key(id: id, key: SymmetricKey(data: bytes), nonceKey: nonceKey))
        }
        self.keys = keys
    }

    /// A key's id: derived from the key, so it stays the same wherever the key sits in the list.
    static func keyID(_ key: [UInt8]) -> UInt16 {
        let digest = Array(SHA256.hash(data: Array("endpoint token key id".utf8) + key))
        return UInt16(digest[0]) << 8 | UInt16(digest[1])
    }

    /// A new random key in the form `init(encodedKeys:)` takes.
    public static func generateKey() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Base64URL.encode(Array($0)) }
    }

    /// Seals `payload` as a token of `kind` under the first key.
    public func seal(_ kind: EndpointTokenKind, payload: [UInt8]) -> String {
        let sealer = keys[0]
        let header = [Self.format, kind.rawValue, UInt8(sealer.id >> 8), UInt8(truncatingIfNeeded: sealer.id)]
        // Sealing only fails for a malformed key, which init rules out.
        let box = try! AES.GCM.seal(payload, using: sealer.key, authenticating: header)
        return Base64URL.encode(header + Array(box.combined!))
    }

    /// Seals `payload` so that the same kind and payload always give the same token: the nonce is
    /// an HMAC of header and payload (the synthetic-IV idea of RFC 5297), so one nonce never
    /// seals two different payloads. For ids that must stay the same each time they are made
    /// (a WebPush message's id, sent again on every redelivery); it shows only that two tokens
    /// name the same thing.
    public func sealDeterministically(_ kind: EndpointTokenKind, payload: [UInt8]) -> String {
        let sealer = keys[0]
        let header = [Self.format, kind.rawValue, UInt8(sealer.id >> 8), UInt8(truncatingIfNeeded: sealer.id)]
        let mac = HMAC<SHA256>.authenticationCode(for: header + payload, using: sealer.nonceKey)
        let nonce = try! AES.GCM.Nonce(data: Array(mac).prefix(12))
        let box = try! AES.GCM.seal(payload, using: sealer.key, nonce: nonce, authenticating: header)
        return Base64URL.encode(header + Array(box.combined!))
    }

    /// The kind and payload of a token sealed by one of the keys; nil for anything else (unknown
    /// format or key id, tampered, truncated, not base64url).
    public func open(token: String) -> (kind: EndpointTokenKind, payload: [UInt8])? {
        guard let bytes = Base64URL.decode(token), bytes.count > Self.overhead, bytes[0] == Self.format,
              let kind = EndpointTokenKind(rawValue: bytes[1]) else { return nil }
        let id = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
        guard let key = keys.first(where: { $0.id == id }),
              let box = try? AES.GCM.SealedBox(combined: bytes[Self.headerLength...]),
              let plain = try? AES.GCM.open(box, using: key.key, authenticating: bytes[0 ..< Self.headerLength])
        else { return nil }
        return (kind, Array(plain))
    }

    // MARK: SimplePush channel tokens

    /// A SimplePush channel's endpoint: the UAID's 16 bytes, then the channel id as the device spelled it.
    public func seal(uaid: UAID, channel: ChannelID) -> String {
        seal(.simplePushChannel, payload: uaid.bytes + Array(channel.value.utf8))
    }

    /// The device and channel of a SimplePush channel token; nil for any other token.
    public func open(_ token: String) -> (UAID, ChannelID)? {
        guard let (kind, payload) = open(token: token), kind == .simplePushChannel, payload.count > 16,
              let channel = ChannelID(String(decoding: payload[16...], as: UTF8.self)) else { return nil }
        return (UAID(bytes: payload[..<16]), channel)
    }
}

/// What a token's payload names. Only SimplePush channels are sealed today; the other values are
/// reserved so the protocols to come share the format and the keys.
public enum EndpointTokenKind: UInt8, Sendable {
    /// UAID, then the channel id text.
    case simplePushChannel = 1
    /// A WebPush subscription without a VAPID key: UAID, channel id.
    case webPushV1 = 2
    /// A WebPush subscription bound to an application server key: UAID, channel id, SHA-256 of the key.
    case webPushV2 = 3
    /// A stored WebPush message, for `DELETE` of the message URL.
    case messageID = 4
}

extension UAID {
    /// Big-endian, `high` first.
    public var bytes: [UInt8] {
        (0 ..< 16).map { index in UInt8(truncatingIfNeeded: (index < 8 ? high : low) >> UInt64(56 - 8 * (index % 8))) }
    }

    /// From 16 big-endian bytes.
    public init<Bytes: Collection<UInt8>>(bytes: Bytes) {
        precondition(bytes.count == 16)
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
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
