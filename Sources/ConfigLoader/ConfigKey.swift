import ConfigFile
import PushCore
import TOMLKit

/// One known configuration key: its dotted TOML path, how its value is read, and where it lands in
/// `ServerConfig`. The environment variable name is derived from the path, never parsed back.
struct ConfigKey: Sendable {
    /// Dotted path: the TOML section, then the key (`websocket.listener.addr`).
    let path: String
    /// What the key means, in one sentence.
    let doc: String
    /// Values that must not be printed (`describe` shows only how many there are).
    let isSecret: Bool
    let applyTOML: @Sendable (TOMLValueConvertible, inout ServerConfig) throws -> Void
    let applyText: @Sendable (String, inout ServerConfig) throws -> Void
    let currentText: @Sendable (ServerConfig) -> String

    init<Value>(
        _ path: String, _ kind: ValueKind<Value>, _ field: WritableKeyPath<ServerConfig, Value> & Sendable,
        secret: Bool = false, _ doc: String
    ) {
        self.path = path
        self.doc = doc
        self.isSecret = secret
        applyTOML = { value, config in config[keyPath: field] = try kind.fromTOML(value) }
        applyText = { text, config in config[keyPath: field] = try kind.fromText(text) }
        currentText = { config in kind.format(config[keyPath: field]) }
    }

    static let environmentPrefix = "SIMPLEPUSH_"

    /// `websocket.listener.addr` → `SIMPLEPUSH_WEBSOCKET_LISTENER_ADDR`.
    var environmentName: String {
        Self.environmentPrefix + path.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// The value as `describe` shows it.
    func describedValue(in config: ServerConfig) -> String {
        guard isSecret else { return currentText(config) }
        let text = currentText(config)
        let count = text.isEmpty ? 0 : text.split(separator: ",").count
        return count == 0 ? "" : "(\(count) hidden)"
    }
}
