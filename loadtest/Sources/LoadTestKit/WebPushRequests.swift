import Foundation

/// WebPush: `POST <path>` as an app server sends it (RFC 8030), VAPID-signed (RFC 8292), with a
/// body shaped like aes128gcm (RFC 8188). Nothing is encrypted: the server never decrypts, it
/// only stores and forwards the bytes.
final class WebPushRequests: UpdateRequests {
    let name = "post"
    private let plan: WebPushPlan
    private let signer = VAPIDSigner()
    private let body: [UInt8]
    /// Everything after the request line while one token serves the whole run; built at the
    /// first push, once the endpoint's origin is known (it never changes during a run).
    private var sharedTail: [UInt8]?

    init(plan: WebPushPlan) {
        self.plan = plan
        var random = FastRandom()
        // One body for every push: nobody reads its bytes, so fresh ones would only cost time.
        body = plan.payloadBytes == 0 ? [] : Aes128gcmBody.make(size: plan.payloadBytes, random: &random)
    }

    func accepts(_ status: Int) -> Bool { status == 201 }

    func request(path: String, version: Int64, to destination: LoadTarget) throws -> [UInt8] {
        let line = Array("POST \(path) HTTP/1.1\r\n".utf8)
        if plan.vapidPerPush { return line + (try tail(for: destination)) }
        let shared = try sharedTail ?? tail(for: destination)
        sharedTail = shared
        return line + shared
    }

    /// Headers and body, with a freshly signed token.
    private func tail(for destination: LoadTarget) throws -> [UInt8] {
        // The origin exactly as the server wrote it in its pushEndpoints.
        let audience = "http://" + destination.hostHeader
        let authorization = try signer.authorization(audience: audience, now: Int64(Date().timeIntervalSince1970))
        var head = "Host: \(destination.hostHeader)\r\nTTL: \(plan.ttl)\r\nAuthorization: \(authorization)\r\n"
        if !body.isEmpty { head += "Content-Encoding: aes128gcm\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        return Array(head.utf8) + body
    }
}

/// The layout of an RFC 8188 aes128gcm body: salt (16 bytes), record size (4, big-endian),
/// key-id length (1), key id (the sender's 65-byte uncompressed P-256 key, 0x04 first), records.
enum Aes128gcmBody {
    static let recordSize: UInt32 = 4096
    static let keyIDLength = 65
    static let headerLength = 16 + 4 + 1 + keyIDLength
    /// The header and one record: at least a 16-byte tag and the padding delimiter.
    static let minimumSize = headerLength + 17
    /// The most a push service must accept (RFC 8030 §7.2); one record still holds it.
    static let maximumSize = 4096

    /// `size` random bytes (at least `minimumSize`) with that header.
    static func make(size: Int, random: inout FastRandom) -> [UInt8] {
        precondition(size >= minimumSize, "an aes128gcm body needs at least \(minimumSize) bytes")
        var bytes = random.bytes(size)
        withUnsafeBytes(of: recordSize.bigEndian) { bytes.replaceSubrange(16 ..< 20, with: $0) }
        bytes[20] = UInt8(keyIDLength)
        bytes[21] = 0x04
        return bytes
    }
}
