import PushCore

/// Every key the server understands. Adding a key is one line here plus its entry in
/// `config.sample.toml`; TOML, environment and overrides all go through this table.
enum KnownKeys {
    static let all: [ConfigKey] = [
        ConfigKey("default.max_data_len", .integer(atLeast: 1), \.general.maxDataLen,
                  "Largest data an app server may send with a version, in bytes."),
        ConfigKey("default.max_channels", .integer(atLeast: 1), \.general.maxChannels,
                  "Most channels one UAID may register."),
        ConfigKey("default.token_keys", .tokenKeys, \.general.tokenKeys, secret: true,
                  "Endpoint token keys, base64url of 32 bytes; the first seals, any opens."),
        ConfigKey("default.token_key_file", .nonEmptyString, \.general.tokenKeyFile,
                  "Key file used when token_keys is empty; created if missing."),

        ConfigKey("websocket.origins", .stringList, \.websocket.origins,
                  "Allowed Origin header values; empty allows every origin."),
        ConfigKey("websocket.workers", .integer(atLeast: 0), \.websocket.workers,
                  "Reactor threads sharing the port; 0 means one per core."),
        ConfigKey("websocket.max_message_len", .integer(atLeast: 1), \.websocket.maxMessageLen,
                  "Largest WebSocket message accepted, in bytes."),
        ConfigKey("websocket.client_hello_timeout", .duration, \.websocket.clientHelloTimeout,
                  "Close a connection that has not said hello within this time."),
        ConfigKey("websocket.client_min_ping_interval", .duration, \.websocket.clientMinPingInterval,
                  "Pings closer together than this are refused."),
        ConfigKey("websocket.handshake_timeout", .duration, \.websocket.handshakeTimeout,
                  "Close a connection whose HTTP upgrade is not complete within this time."),
        ConfigKey("websocket.listener.addr", .address, \.websocket.listener.address,
                  "Address the WebSocket listener binds: host:port, [v6]:port or :port."),
        ConfigKey("websocket.listener.max_connections", .integer(atLeast: 0), \.websocket.listener.maxConnections,
                  "Most simultaneous device connections; 0 means no limit."),

        ConfigKey("endpoint.url", .optionalHTTPURL, \.endpoint.url,
                  "Public base URL of the update endpoint; empty means http://<listener addr>."),
        ConfigKey("endpoint.enable_cors", .boolean, \.endpoint.enableCORS,
                  "Answer OPTIONS and PUT with CORS headers."),
        ConfigKey("endpoint.listener.addr", .address, \.endpoint.listener.address,
                  "Address the update endpoint binds."),
        ConfigKey("endpoint.listener.max_connections", .integer(atLeast: 0), \.endpoint.listener.maxConnections,
                  "Most simultaneous HTTP connections; 0 means no limit."),

        ConfigKey("storage.type", .choice, \.storage.type,
                  "Where pending updates are kept: sqlite or memory."),
        ConfigKey("storage.sqlite.path", .nonEmptyString, \.storage.sqlitePath,
                  "SQLite database file."),

        ConfigKey("logging.level", .choice, \.logging.level,
                  "Lowest level logged: trace, debug, info, notice, warning, error, critical."),
        ConfigKey("logging.output", .choice, \.logging.output,
                  "Where logs go: stdout or stderr."),
    ]

    static let byPath = Dictionary(uniqueKeysWithValues: all.map { ($0.path, $0) })
    static let byEnvironmentName = Dictionary(uniqueKeysWithValues: all.map { ($0.environmentName, $0) })

    /// Every table that holds known keys: `websocket`, `websocket.listener`, …
    static let sections: Set<String> = Set(all.flatMap { key -> [String] in
        let parts = key.path.split(separator: ".")
        return (1..<parts.count).map { parts.prefix($0).joined(separator: ".") }
    })
}
