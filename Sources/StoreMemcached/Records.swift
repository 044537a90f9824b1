import PushCore
import Store

/// The device item: every registered channel with the id of its registration, one
/// `<registration hex> <channel id>` line each, after a `protocol webpush` line for a WebPush
/// device (none for SimplePush, so items written before WebPush read the same). Registering a
/// channel again after an unregister or a drop gives it a new registration id, so records left
/// from the old one are recognised as dead without having to delete them first.
struct DeviceItem: Equatable {
    private(set) var registrations: [ChannelID: UInt64] = [:]
    var deviceProtocol = DeviceProtocol.simplePush

    init(protocol deviceProtocol: DeviceProtocol = .simplePush) {
        self.deviceProtocol = deviceProtocol
    }

    init(decoding text: String) throws {
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 1)
            if fields.count == 2, fields[0] == "protocol", let known = DeviceProtocol(rawValue: String(fields[1])) {
                deviceProtocol = known
                continue
            }
            guard fields.count == 2, let registration = UInt64(fields[0], radix: 16),
                  let channel = ChannelID(String(fields[1]))
            else { throw MemcachedFailure(description: "malformed device record line \"\(line)\"") }
            registrations[channel] = registration
        }
    }

    var encoded: String {
        (deviceProtocol == .simplePush ? "" : "protocol \(deviceProtocol.rawValue)\n")
            + registrations.sorted { $0.key < $1.key }
            .map { "\(String($0.value, radix: 16)) \($0.key.value)\n" }
            .joined()
    }

    var record: DeviceRecord {
        DeviceRecord(deviceProtocol: deviceProtocol, channels: registrations.keys.sorted())
    }

    var count: Int { registrations.count }

    func registration(of channel: ChannelID) -> UInt64? { registrations[channel] }

    /// Adds the channel under a fresh registration id.
    mutating func add(_ channel: ChannelID) {
        registrations[channel] = UInt64.random(in: 1 ... .max)
    }

    /// Adds the channel under a registration id its channel record already carries.
    mutating func adopt(_ channel: ChannelID, registration: UInt64) {
        registrations[channel] = registration
    }

    /// Removes the channel; returns its registration id, nil when it was not registered.
    mutating func remove(_ channel: ChannelID) -> UInt64? {
        registrations.removeValue(forKey: channel)
    }
}

/// A channel item: `<state> <registration hex> <version or -> <1 if data follows, else 0>`, a
/// newline, then the data exactly as sent. It only counts while its registration id is the one
/// the device item lists for the channel.
struct ChannelRecord: Equatable {
    /// Each state has its own lifetime (`timeout_live`, `timeout_reg`, `timeout_del`).
    enum State: String {
        /// `version` waits for the device's ack, with its data.
        case live = "L"
        /// Nothing waits; `version` is the newest acked one, kept so older ones stay stale.
        case registered = "R"
        /// The channel was unregistered (or its device dropped).
        case deleted = "D"
    }

    var state: State
    var registration: UInt64
    var version: Version?
    var data: String?

    init(state: State, registration: UInt64, version: Version? = nil, data: String? = nil) {
        self.state = state
        self.registration = registration
        self.version = version
        self.data = data
    }

    init(decoding text: String) throws {
        let header = text.prefix { $0 != "\n" }
        let fields = header.split(separator: " ")
        guard fields.count == 4, let state = State(rawValue: String(fields[0])),
              let registration = UInt64(fields[1], radix: 16),
              fields[2] == "-" || Version(fields[2]).map({ $0 >= 0 }) == true,
              fields[3] == "0" || fields[3] == "1", header.endIndex < text.endIndex
        else { throw MemcachedFailure(description: "malformed channel record \"\(header)\"") }
        self.state = state
        self.registration = registration
        version = Version(fields[2])
        data = fields[3] == "1" ? String(text[text.index(after: header.endIndex)...]) : nil
    }

    var encoded: String {
        let version = self.version.map(String.init) ?? "-"
        return "\(state.rawValue) \(String(registration, radix: 16)) \(version) \(data == nil ? 0 : 1)\n\(data ?? "")"
    }
}
