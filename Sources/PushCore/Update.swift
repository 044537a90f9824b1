/// A version for a channel: a non-negative 64-bit integer that only moves forward.
public typealias Version = Int64

/// One channel's newest version, with the optional data the app server sent along.
public struct Update: Hashable, Sendable {
    public var channelID: ChannelID
    public var version: Version
    public var data: String?

    public init(channelID: ChannelID, version: Version, data: String? = nil) {
        self.channelID = channelID
        self.version = version
        self.data = data
    }
}
