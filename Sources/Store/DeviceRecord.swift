import PushCore

/// The protocol a device registered its channels with. A device keeps one: a hello of the other
/// protocol with the same UAID gets a new UAID.
public enum DeviceProtocol: String, Sendable, CaseIterable {
    case simplePush = "simplepush"
    case webPush = "webpush"
}

/// What the store knows of a device apart from its messages.
public struct DeviceRecord: Equatable, Sendable {
    public var deviceProtocol: DeviceProtocol
    /// Its registered channels, in channel-id order.
    public var channels: [ChannelID]

    public init(deviceProtocol: DeviceProtocol, channels: [ChannelID]) {
        self.deviceProtocol = deviceProtocol
        self.channels = channels
    }
}
