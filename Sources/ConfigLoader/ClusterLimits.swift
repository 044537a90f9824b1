import ConfigFile

/// What a cluster of worker processes needs from the rest of the configuration.
enum ClusterLimits {
    /// Enough for a million connections under a 20,000 open-file limit per process, with room.
    static let maxProcs = 512

    static func check(_ config: ServerConfig, problems: inout ProblemList) {
        guard config.cluster.isCluster else { return }
        let procs = config.cluster.procs
        if config.storage.type == .memory {
            problems.add("cluster.procs: workers must share their store (storage.type sqlite or memcache), not memory")
        }
        // The workers share these two ports; port 0 would give each its own.
        for (key, listener) in [("websocket.listener.addr", config.websocket.listener), ("endpoint.listener.addr", config.endpoint.listener)] {
            if let (_, port) = listener.hostAndPort(), port == 0 {
                problems.add("\(key): a cluster's workers share this port, so it must be fixed, not 0")
            }
        }
        // Worker i takes port + i of these.
        let router = config.router.address.isEmpty ? ServerConfig.Cluster.defaultRouterAddress : config.router.address
        for (key, address) in [("router.addr", router), ("metrics.addr", config.metrics.address)] where !address.isEmpty {
            guard let (_, port) = ServerConfig.Listener(address: address).hostAndPort() else { continue }
            if port == 0 {
                problems.add("\(key): worker i of a cluster listens on this port + i, so it must be fixed, not 0")
            } else if port + procs - 1 > 65535 {
                problems.add("\(key): the \(procs) workers need ports \(port) to \(port + procs - 1), past 65535")
            }
        }
    }
}
