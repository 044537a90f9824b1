import JSON
import PushCore

/// A message as one JSON object, for backends that keep messages as text (memcached's queue
/// item; SQLite's `headers` column uses the headers part alone).
extension StoredMessage {
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("c", .string(channel.value)),
            ("s", .string(slotKey)),
            ("t", .number(String(timestamp))),
            ("u", .string(urgency.rawValue)),
        ]
        if let version { members.append(("v", .number(String(version)))) }
        if let expiry { members.append(("e", .number(String(expiry)))) }
        if let data { members.append(("d", .string(data))) }
        if !headers.isEmpty { members.append(("h", Self.json(headers: headers))) }
        return .object(members)
    }

    /// Nil for anything `json` does not write.
    public init?(json: JSONValue) {
        guard let members = json.objectMembers else { return nil }
        let fields = Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        guard let channel = fields["c"]?.stringValue.flatMap(ChannelID.init),
              let key = fields["s"]?.stringValue,
              let timestamp = fields["t"]?.integerValue.flatMap(UInt64.init(exactly:)),
              let urgency = fields["u"]?.stringValue.flatMap(Urgency.init(rawValue:)),
              let slot = StoredMessage.slot(key: key, version: fields["v"]?.integerValue)
        else { return nil }
        var headers: [String: String] = [:]
        if let object = fields["h"] {
            guard let decoded = Self.headers(json: object) else { return nil }
            headers = decoded
        }
        self.init(channel: channel, slot: slot, timestamp: timestamp, expiry: fields["e"]?.integerValue,
                  urgency: urgency, data: fields["d"]?.stringValue, headers: headers)
    }

    public static func json(headers: [String: String]) -> JSONValue {
        .object(headers.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }

    public static func headers(json: JSONValue) -> [String: String]? {
        guard let members = json.objectMembers else { return nil }
        var headers: [String: String] = [:]
        for (name, value) in members {
            guard let text = value.stringValue else { return nil }
            headers[name] = text
        }
        return headers
    }
}
