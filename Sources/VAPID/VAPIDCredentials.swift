import Crypto
import Foundation
import PushCore

/// The JWT and public key an app server sent with a push, as found in its headers:
/// `Authorization: vapid t=<jwt>,k=<key>` (RFC 8292), or the older drafts' `WebPush <jwt>` /
/// `Bearer <jwt>` with the key in `Crypto-Key: p256ecdsa=<key>`.
public struct VAPIDCredentials: Hashable, Sendable {
    public let token: String
    /// The uncompressed P-256 point (65 bytes, 0x04 first).
    public let publicKey: [UInt8]

    public init(token: String, publicKey: [UInt8]) {
        self.token = token
        self.publicKey = publicKey
    }

    /// Reads the credentials from the two headers (nil when absent). Only the form is checked
    /// here; `VAPIDVerifier` checks the token.
    public static func parse(authorization: String?, cryptoKey: String?) throws(VAPIDError) -> VAPIDCredentials {
        guard let authorization = authorization?.trimmingCharacters(in: .whitespaces), !authorization.isEmpty else {
            throw .missingToken
        }
        let (scheme, rest) = authorization.splitOnce(" ")
        let data = rest.filter { $0 != " " && $0 != "\t" }
        guard !data.isEmpty else { throw .missingToken }
        switch scheme.lowercased() {
        case "vapid":
            let parameters = Self.parameters(data, separators: [","])
            guard let token = parameters["t"], !token.isEmpty else { throw .missingToken }
            guard let key = parameters["k"], !key.isEmpty else { throw .missingKey }
            return VAPIDCredentials(token: token, publicKey: try decodeKey(key))
        case "webpush", "bearer":
            // The key sits among Crypto-Key's other parameters (`dh=…;p256ecdsa=…`).
            let parameters = Self.parameters((cryptoKey ?? "").filter { $0 != " " && $0 != "\t" }, separators: [";", ","])
            guard let key = parameters["p256ecdsa"], !key.isEmpty else { throw .missingKey }
            return VAPIDCredentials(token: data, publicKey: try decodeKey(key))
        default:
            throw .unknownScheme
        }
    }

    /// Base64url, padded or not (browsers pad, libraries do not), of a point on P-256.
    public static func decodeKey(_ text: String) throws(VAPIDError) -> [UInt8] {
        guard let bytes = Base64URL.decode(text), bytes.count == 65, bytes[0] == 0x04,
              (try? P256.Signing.PublicKey(x963Representation: bytes)) != nil else { throw .invalidKey }
        return bytes
    }

    /// What a restricted subscription's token carries: SHA-256 of the key's 65 bytes.
    public var keyHash: [UInt8] { Self.keyHash(of: publicKey) }

    public static func keyHash(of key: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: key)) }

    /// `name=value` pairs; a value may itself contain `=` (base64 padding).
    private static func parameters(_ text: String, separators: Set<Character>) -> [String: String] {
        var result: [String: String] = [:]
        for part in text.split(whereSeparator: { separators.contains($0) }) {
            let (name, value) = String(part).splitOnce("=")
            if !name.isEmpty && result[name.lowercased()] == nil { result[name.lowercased()] = value }
        }
        return result
    }
}

extension String {
    /// The text before the first `separator` and everything after it ("" when absent).
    func splitOnce(_ separator: Character) -> (String, String) {
        guard let index = firstIndex(of: separator) else { return (self, "") }
        return (String(self[..<index]), String(self[index...].dropFirst()))
    }
}
