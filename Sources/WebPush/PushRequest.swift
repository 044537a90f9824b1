import PushCore

/// The delivery headers of a `POST /wpush/…`, checked (RFC 8030 §5, RFC 8291 and the older
/// `aesgcm` draft that app servers still send).
public struct PushRequest: Equatable, Sendable {
    /// Seconds the message may wait for the device; 0: only if it is connected now.
    public var ttl: Int
    public var topic: String?
    public var urgency: Urgency
    /// What the device needs to decrypt the body (`encoding`, `encryption`, `crypto_key`);
    /// empty when there is no body.
    public var deviceHeaders: [String: String]

    public init(ttl: Int, topic: String?, urgency: Urgency, deviceHeaders: [String: String]) {
        self.ttl = ttl
        self.topic = topic
        self.urgency = urgency
        self.deviceHeaders = deviceHeaders
    }

    /// A longer TTL is cut to this (30 days), as Mozilla's service does.
    public static let maxTTL = 2_592_000
    /// Largest encrypted body accepted, in bytes (RFC 8291 §4 sizes a record for 4096).
    public static let maxPayload = 4096
    static let maxTopicLength = 32

    /// `header` returns a request header's value by its lower-case name. Checked in a fixed
    /// order, so a request with several faults always gets the same answer.
    public static func parse(header: (String) -> String?, bodyLength: Int) throws(PushError) -> PushRequest {
        guard let ttlText = header("ttl") else { throw .missingTTL }
        guard let ttl = parseTTL(ttlText) else { throw .invalidTTL }
        var topic: String?
        if let text = header("topic") {
            guard isValidTopic(text) else { throw .invalidTopic }
            topic = text
        }
        var urgency = Urgency.normal
        if let text = header("urgency") {
            guard let parsed = Urgency(header: text.lowercased()) else { throw .invalidUrgency }
            urgency = parsed
        }
        if bodyLength > maxPayload { throw .payloadTooLarge }
        let deviceHeaders = bodyLength == 0 ? [:] : try encodingHeaders(header)
        return PushRequest(ttl: min(ttl, maxTTL), topic: topic, urgency: urgency, deviceHeaders: deviceHeaders)
    }

    /// Decimal digits only (no sign, no fraction); nil otherwise. Huge values saturate.
    static func parseTTL(_ text: String) -> Int? {
        let digits = text.trimmingWhitespace
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(digits) ?? Int.max
    }

    static func isValidTopic(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= maxTopicLength && text.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }

    private static func encodingHeaders(_ header: (String) -> String?) throws(PushError) -> [String: String] {
        guard let encoding = header("content-encoding")?.trimmingWhitespace.lowercased() else {
            throw .invalidEncoding("A body needs Content-Encoding: aes128gcm (or the older aesgcm)")
        }
        switch encoding {
        case "aes128gcm":
            // Salt and key travel in the body's own header (RFC 8188).
            return ["encoding": encoding]
        case "aesgcm":
            guard let encryption = header("encryption"), encryption.contains("salt=") else {
                throw .invalidEncoding("Content-Encoding aesgcm needs an Encryption header with salt=")
            }
            var headers = ["encoding": encoding, "encryption": encryption]
            if let cryptoKey = header("crypto-key"), cryptoKey.contains("dh=") { headers["crypto_key"] = cryptoKey }
            return headers
        default:
            throw .invalidEncoding("Unknown Content-Encoding \(encoding); use aes128gcm")
        }
    }
}

extension String {
    var trimmingWhitespace: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
