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
                  "Endpoint token keys, base64url of 32 bytes; the first seals, each opens the tokens it sealed."),
        ConfigKey("default.token_key_file", .nonEmptyString, \.general.tokenKeyFile,
                  "Key file used when token_keys is empty; created if missing."),
        ConfigKey("default.shutdown_grace", .duration, \.general.shutdownGrace,
                  "On SIGTERM or SIGINT, the longest wait for connections to close and the store to flush."),

        ConfigKey("websocket.origins", .stringList, \.websocket.origins,
                  "Allowed Origin header values; empty allows every origin."),
        ConfigKey("websocket.workers", .integer(atLeast: 0).checked { workers in
                      // The registry names a device's reactor in one byte.
                      guard workers <= 255 else { throw ValueProblem(message: "must be at most 255, got \(workers)") }
                  }, \.websocket.workers,
                  "Reactor threads sharing the port (at most 255); 0 means one per core."),
        ConfigKey("websocket.max_message_len", .integer(atLeast: 1), \.websocket.maxMessageLen,
                  "Largest WebSocket message accepted, in bytes."),
        ConfigKey("websocket.client_hello_timeout", .duration, \.websocket.clientHelloTimeout,
                  "Close a connection that has not said hello within this time."),
        ConfigKey("websocket.client_min_ping_interval", .duration, \.websocket.clientMinPingInterval,
                  "Pings closer together than this are refused."),
        ConfigKey("websocket.handshake_timeout", .duration, \.websocket.handshakeTimeout,
                  "Close a connection whose HTTP upgrade is not complete within this time."),
        ConfigKey("websocket.client_idle_timeout", .durationOrOff, \.websocket.clientIdleTimeout,
                  "After hello, a connection silent this long is sent a WebSocket ping; 0 turns idle pings off."),
        ConfigKey("websocket.client_pong_timeout", .duration, \.websocket.clientPongTimeout,
                  "A connection that sends nothing for this long after an idle ping is dropped as dead."),
        ConfigKey("websocket.tcp_keepalive", .durationOrOff, \.websocket.tcpKeepalive,
                  "TCP keepalive probes after this long without traffic; 0 leaves keepalive off."),
        ConfigKey("websocket.max_pending_output", .integer(atLeast: 1024), \.websocket.maxPendingOutput,
                  "A connection whose unsent output passes this many bytes is closed."),
        ConfigKey("websocket.max_store_calls", .integer(atLeast: 1), \.websocket.maxStoreCalls,
                  "Most store calls the device side runs at once; more wait, their connections unread."),
        ConfigKey("websocket.listener.addr", .address, \.websocket.listener.address,
                  "Address the WebSocket listener binds: host:port, [v6]:port or :port."),
        ConfigKey("websocket.listener.max_connections", .integer(atLeast: 0), \.websocket.listener.maxConnections,
                  "Most simultaneous device connections; 0 means no limit."),
        ConfigKey("websocket.listener.cert_file", .string, \.websocket.listener.certFile,
                  "TLS (wss://): certificate chain, PEM, leaf first; with key_file. Re-read on SIGHUP."),
        ConfigKey("websocket.listener.key_file", .string, \.websocket.listener.keyFile,
                  "TLS (wss://): the certificate's private key, PEM."),

        ConfigKey("endpoint.url", .optionalHTTPURL, \.endpoint.url,
                  "Public base URL of the update endpoint; empty means http(s)://<listener addr>."),
        ConfigKey("endpoint.enable_cors", .boolean, \.endpoint.enableCORS,
                  "Answer OPTIONS and PUT with CORS headers."),
        ConfigKey("endpoint.forwarded_headers", .boolean, \.endpoint.forwardedHeaders,
                  "Behind a proxy, with url empty: endpoint URLs from X-Forwarded-Proto and X-Forwarded-Host. Only where the proxy alone reaches the listeners."),
        ConfigKey("endpoint.forwarded_hosts", .stringList, \.endpoint.forwardedHosts,
                  "The public hosts (host, or host:port) forwarded headers may name; empty: any, up to 255 per reactor."),
        ConfigKey("endpoint.header_timeout", .duration, \.endpoint.headerTimeout,
                  "Close a connection whose request head is not complete within this time."),
        ConfigKey("endpoint.body_timeout", .duration, \.endpoint.bodyTimeout,
                  "Close a connection whose request body is not complete within this time of its head."),
        ConfigKey("endpoint.idle_timeout", .duration, \.endpoint.idleTimeout,
                  "Close a kept-alive connection when no new request starts within this time of a response."),
        ConfigKey("endpoint.listener.addr", .address, \.endpoint.listener.address,
                  "Address the update endpoint binds."),
        ConfigKey("endpoint.listener.max_connections", .integer(atLeast: 0), \.endpoint.listener.maxConnections,
                  "Most simultaneous HTTP connections; past it the oldest idle one is closed; 0 means no limit."),
        ConfigKey("endpoint.listener.tcp_keepalive_idle", .duration, \.endpoint.listener.tcpKeepAliveIdle,
                  "TCP keepalive: silence before the first probe of an endpoint connection."),
        ConfigKey("endpoint.listener.tcp_keepalive_interval", .duration, \.endpoint.listener.tcpKeepAliveInterval,
                  "TCP keepalive: time between probes."),
        ConfigKey("endpoint.listener.cert_file", .string, \.endpoint.listener.certFile,
                  "TLS (https://): certificate chain, PEM, leaf first; with key_file. Re-read on SIGHUP."),
        ConfigKey("endpoint.listener.key_file", .string, \.endpoint.listener.keyFile,
                  "TLS (https://): the certificate's private key, PEM."),
        ConfigKey("endpoint.listener.tcp_keepalive_count", .integer(atLeast: 1), \.endpoint.listener.tcpKeepAliveCount,
                  "TCP keepalive: unanswered probes before the connection is dropped."),

        ConfigKey("storage.type", .choice, \.storage.type,
                  "Where pending updates are kept: sqlite, memory or memcache."),
        ConfigKey("storage.sqlite.path", .nonEmptyString, \.storage.sqlitePath,
                  "SQLite database file."),
        ConfigKey("storage.memcache.server", .memcacheServers, \.storage.memcache.servers,
                  "memcached servers, host:port; keys are spread over them by consistent hashing."),
        ConfigKey("storage.memcache.recv_timeout", .duration, \.storage.memcache.recvTimeout,
                  "Longest wait for a memcached answer."),
        ConfigKey("storage.memcache.send_timeout", .duration, \.storage.memcache.sendTimeout,
                  "Longest wait to connect to memcached or write a request."),
        ConfigKey("storage.memcache.retry_timeout", .duration, \.storage.memcache.retryTimeout,
                  "How long a failed memcached server is not tried again; calls needing it fail at once."),
        ConfigKey("storage.memcache.pool_size", .integer(atLeast: 1), \.storage.memcache.poolSize,
                  "memcached connections, and threads making the blocking calls."),
        ConfigKey("storage.memcache.max_channels", .integer(atLeast: 1), \.storage.memcache.maxChannels,
                  "Hard cap on channels per UAID in memcached; the lower of this and default.max_channels applies."),
        ConfigKey("storage.memcache.timeout_live", .duration, \.storage.memcache.timeoutLive,
                  "Lifetime of a channel record holding an update not yet acked."),
        ConfigKey("storage.memcache.timeout_reg", .duration, \.storage.memcache.timeoutReg,
                  "Lifetime of a channel record with nothing waiting (its newest acked version)."),
        ConfigKey("storage.memcache.timeout_del", .duration, \.storage.memcache.timeoutDel,
                  "Lifetime of the marker an unregistered channel leaves."),
        ConfigKey("storage.memcache.prefix", .memcachePrefix, \.storage.memcache.prefix,
                  "Put before every memcached key, so deployments can share servers."),

        ConfigKey("webpush.enabled", .boolean, \.webPush.enabled,
                  "Serve WebPush (RFC 8030) besides SimplePush."),
        ConfigKey("webpush.max_stored_messages", .integer(atLeast: 1), \.webPush.maxStoredMessages,
                  "Most messages stored for one device; past it the oldest are dropped."),
        ConfigKey("webpush.vapid_cache_size", .integer(atLeast: 0), \.webPush.vapidCacheSize,
                  "Verified VAPID tokens remembered until they expire, so a reused one is checked once; 0 checks every push."),

        ConfigKey("logging.level", .choice, \.logging.level,
                  "Lowest level logged: trace, debug, info, notice, warning, error, critical."),
        ConfigKey("logging.format", .choice, \.logging.format,
                  "Log line format: text or json."),
        ConfigKey("logging.output", .nonEmptyString, \.logging.output,
                  "Where logs go: stdout, stderr or a file path (reopened on SIGUSR1)."),

        ConfigKey("metrics.addr", .optionalAddress, \.metrics.address,
                  "A listener of its own for GET /metrics (host:port); empty: only on the endpoint listener."),

        ConfigKey("router.addr", .optionalAddress, \.router.address,
                  "The internal listener other nodes of a fleet deliver to (host:port, a private address); empty: one node alone."),
        ConfigKey("router.url", .optionalHTTPURL, \.router.url,
                  "How other nodes reach the router listener; empty: http://<router.addr>."),
        ConfigKey("router.timeout", .duration, \.router.timeout,
                  "A node that does not answer a delivery within this time is treated as gone (the update stays stored)."),

        ConfigKey("cluster.procs", .integer(atLeast: 1).checked { procs in
                      guard procs <= ClusterLimits.maxProcs else {
                          throw ValueProblem(message: "must be at most \(ClusterLimits.maxProcs), got \(procs)")
                      }
                  }, \.cluster.procs,
                  "Node processes to start on this machine, sharing the websocket and endpoint ports; 1: this process serves alone."),
    ]

    static let byPath = Dictionary(uniqueKeysWithValues: all.map { ($0.path, $0) })
    static let byEnvironmentName = Dictionary(uniqueKeysWithValues: all.map { ($0.environmentName, $0) })

    /// Every table that holds known keys: `websocket`, `websocket.listener`, …
    static let sections: Set<String> = Set(all.flatMap { key -> [String] in
        let parts = key.path.split(separator: ".")
        return (1..<parts.count).map { parts.prefix($0).joined(separator: ".") }
    })
}
