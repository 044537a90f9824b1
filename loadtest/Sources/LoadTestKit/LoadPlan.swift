/// What a run does. The four scenarios share one plan so workers are started the same way.
public enum Scenario: String, Codable, CaseIterable, Sendable {
    /// Open connections, say hello (and register), hold them idle.
    case connect
    /// PUT updates to connected devices; measure PUT → notification latency.
    case notify
    /// Devices drop and reconnect with their UAID in a loop.
    case churn
    /// PUT while devices are offline, then reconnect them and drain what was stored.
    case stored
}

/// A validated run. Built by `PlanRequest.resolve`, sent to worker processes as JSON.
public struct LoadPlan: Codable, Equatable, Sendable {
    public var scenario: Scenario
    public var target: LoadTarget
    public var clients: Int
    /// Channels each device registers.
    public var channels: Int
    /// New connections per second while setting up (and for the reconnects that drain stored
    /// updates).
    public var connectRate: Double
    /// The measured phase's rate: connections/s (connect), PUTs/s (notify, stored), reconnects/s
    /// (churn).
    public var rate: Double
    /// Length of the measured phase in seconds: holding (connect), sending (notify), churning;
    /// for stored the longest the drain may take.
    public var duration: Double
    /// Most events of the measured phase: PUTs (notify, stored), reconnects (churn).
    public var maxCount: Int
    /// Bytes of `data` sent with each SimplePush update.
    public var dataSize: Int
    /// Set to speak WebPush instead of SimplePush (notify, stored).
    public var webPush: WebPushPlan?
    /// Keep-alive HTTP connections the app-server side uses, over all workers.
    public var httpConnections: Int
    public var procs: Int
    /// Source addresses 127.0.0.2, 127.0.0.3, …; 0 lets the kernel pick (remote targets).
    public var sourceAddresses: Int
    /// Connections in set-up at one time, per worker.
    public var maxPending: Int
    /// A connection not set up within this many seconds counts as failed.
    public var setupTimeout: Double
    /// How long to wait for outstanding notifications after the last PUT.
    public var drainTimeout: Double
    /// Hard bound on the whole run in seconds: everything stops by then.
    public var timeout: Double
    public var allowRemote: Bool
    /// How devices speak TLS, for a `wss://` target.
    public var tls: TLSClientPlan?
    /// Where updates go instead of the pushEndpoints' own host (`--update-url`): another node of
    /// a fleet, which must hand them to the node holding the device.
    public var updateTarget: LoadTarget?

    /// Which clients, and what part of each rate, worker `index` of `procs` takes.
    public func share(of index: Int) -> WorkerShare {
        let clientRange = Self.split(clients, parts: procs, index: index)
        let count: Int
        if scenario == .stored {
            count = clientRange.count * channels
        } else {
            count = Self.split(maxCount, parts: procs, index: index).count
        }
        return WorkerShare(index: index, clients: clientRange,
                           connectRate: connectRate / Double(procs), rate: rate / Double(procs),
                           maxCount: count,
                           httpConnections: max(1, Self.split(httpConnections, parts: procs, index: index).count))
    }

    /// The source address for a client, spreading clients round-robin over the addresses.
    public func sourceAddress(forClient client: Int) -> IPv4Address? {
        sourceAddresses == 0 ? nil : IPv4Address.loopbackSource(client % sourceAddresses)
    }

    /// Splits `total` into `parts` nearly equal consecutive ranges; returns part `index`.
    static func split(_ total: Int, parts: Int, index: Int) -> Range<Int> {
        let base = total / parts, extra = total % parts
        let start = index * base + min(index, extra)
        return start ..< start + base + (index < extra ? 1 : 0)
    }
}

/// The device side's TLS.
public struct TLSClientPlan: Codable, Equatable, Sendable {
    /// Verify the server's certificate against this CA file; nil verifies nothing (a throwaway
    /// certificate on a test server).
    public var caFile: String?
    /// Offer each device's last session when it reconnects, as browsers do.
    public var resume: Bool

    public init(caFile: String?, resume: Bool) {
        self.caFile = caFile
        self.resume = resume
    }
}

/// What a WebPush run's app-server side sends.
public struct WebPushPlan: Codable, Equatable, Sendable {
    /// Bytes of the aes128gcm-shaped body; 0 sends none.
    public var payloadBytes: Int
    /// The TTL header, in seconds.
    public var ttl: Int
    /// Sign a token for every push instead of one per worker process: the server's VAPID cache,
    /// keyed by token, then never hits.
    public var vapidPerPush: Bool

    public init(payloadBytes: Int, ttl: Int, vapidPerPush: Bool) {
        self.payloadBytes = payloadBytes
        self.ttl = ttl
        self.vapidPerPush = vapidPerPush
    }
}

/// One worker's part of a plan.
public struct WorkerShare: Equatable, Sendable {
    public var index: Int
    /// Global client numbers; a client's number picks its source address.
    public var clients: Range<Int>
    public var connectRate: Double
    public var rate: Double
    public var maxCount: Int
    public var httpConnections: Int
}
