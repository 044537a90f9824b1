#if canImport(Glibc)
import Glibc
#endif

/// The options as given on the command line; nil means "use the default". `resolve` fills in
/// defaults, checks every bound and spreads the run over processes and source addresses.
public struct PlanRequest: Equatable, Sendable {
    public static let maxClients = 200_000
    public static let maxCount = 100_000_000
    public static let maxRate = 1_000_000.0
    public static let maxDuration = 3600.0
    public static let maxChannels = 1000
    public static let maxDataSize = 65_536
    public static let maxProcs = 64
    /// Automatic spreading puts at most this many connections on one source address: the
    /// kernel's search for a free local port gets slower as an address's ports fill up.
    static let clientsPerSourceAddress = 5000
    /// Descriptors a worker keeps for itself: epoll, control, standard streams, HTTP connections.
    static let reservedFiles = 64

    // Defaults of the options, named so the command line's help shows the same values.
    public static let defaultClients = 1000
    public static let defaultConnectRate = 5000
    public static let defaultHTTPConnections = 64
    public static let defaultMaxPending = 1000
    public static let defaultSetupTimeout = 30
    public static let defaultDrainTimeout = 10
    public static let minPayloadBytes = Aes128gcmBody.minimumSize
    public static let maxPayloadBytes = Aes128gcmBody.maximumSize
    /// WebPush TTLs: notify's devices are connected; stored's messages must outlive the run.
    public static let notifyTTL = 60
    public static let storedTTL = 86_400

    public var scenario: Scenario
    public var url: String
    public var clients: Int?
    public var channels: Int?
    public var rate: Double?
    public var connectRate: Double?
    public var duration: Double?
    public var maxCount: Int?
    public var dataSize: Int?
    public var httpConnections: Int?
    public var procs: Int?
    public var sourceAddresses: Int?
    public var maxPending: Int?
    public var setupTimeout: Double?
    public var drainTimeout: Double?
    public var timeout: Double?
    public var allowRemote = false
    public var webPush = false
    public var payloadBytes: Int?
    public var vapidPerPush = false
    public var caFile: String?
    public var noTLSResume = false
    public var updateURL: String?

    public init(scenario: Scenario, url: String = "ws://127.0.0.1:8080/") {
        self.scenario = scenario
        self.url = url
    }

    public func resolve(limits: SystemLimits) throws -> LoadPlan {
        let target = try LoadTarget(parsing: url)
        try target.checkAllowed(allowRemote: allowRemote)

        let clients = try Self.check("--clients", self.clients ?? Self.defaultClients, in: 1 ... Self.maxClients)
        let needsChannels = scenario == .notify || scenario == .stored
        let channels = try Self.check("--channels", self.channels ?? Self.defaultChannels(scenario),
                                      in: (needsChannels ? 1 : 0) ... Self.maxChannels)
        let rate = try Self.check("--rate", self.rate ?? Self.defaultRate(scenario), in: 0.001 ... Self.maxRate)
        let connectRate = scenario == .connect
            ? rate : try Self.check("--connect-rate", self.connectRate ?? Double(Self.defaultConnectRate), in: 0.001 ... Self.maxRate)
        let duration = try Self.check("--duration", self.duration ?? Self.defaultDuration(scenario),
                                      in: 0.001 ... Self.maxDuration)
        let maxCount: Int
        switch scenario {
        case .connect:
            maxCount = clients
        case .stored:
            maxCount = clients * channels
        case .notify, .churn:
            let scheduled = Int((rate * duration).rounded(.up))
            maxCount = try Self.check("--max-count", self.maxCount ?? min(max(scheduled, 1), Self.maxCount), in: 1 ... Self.maxCount)
        }
        let dataSize = try Self.check("--data-size", self.dataSize ?? 0, in: 0 ... Self.maxDataSize)
        let webPush = try resolveWebPush()
        let tls = try resolveTLS(target: target)
        let updateTarget = try updateURL.map { text -> LoadTarget in
            guard scenario == .notify || scenario == .stored else {
                throw LoadTestError.invalidArgument("--update-url applies to notify and stored")
            }
            let other = try LoadTarget(parsing: text, scheme: "http")
            guard !other.tls else { throw LoadTestError.invalidArgument("--update-url must be an http:// URL (updates are sent over http only)") }
            try other.checkAllowed(allowRemote: allowRemote)
            return other
        }
        let maxPending = try Self.check("--max-pending", self.maxPending ?? Self.defaultMaxPending, in: 1 ... Self.maxClients)
        let setupTimeout = try Self.check("--setup-timeout", self.setupTimeout ?? Double(Self.defaultSetupTimeout), in: 0.1 ... Self.maxDuration)
        let drainTimeout = try Self.check("--drain-timeout", self.drainTimeout ?? Double(Self.defaultDrainTimeout), in: 0 ... Self.maxDuration)

        let procs = try resolveProcs(clients: clients, limits: limits)
        let httpConnections = try Self.check("--http-connections", self.httpConnections ?? Self.defaultHTTPConnections, in: 1 ... 4096)
        if Self.perProcessClients(clients, procs) + httpConnections / procs + Self.reservedFiles > limits.openFiles {
            throw LoadTestError.invalidArgument("--procs \(procs) puts \(Self.perProcessClients(clients, procs)) connections in one process, over the open-file limit of \(limits.openFiles); use more processes")
        }
        let sourceAddresses = try resolveSourceAddresses(target: target, clients: clients, limits: limits)

        var expected = Double(clients) / connectRate * 2 + setupTimeout + duration + drainTimeout + 30
        if scenario == .stored { expected += Double(maxCount) / rate + Double(clients) / connectRate }
        let timeout = try Self.check("--timeout", self.timeout ?? min(expected, 2 * Self.maxDuration), in: 1 ... 2 * Self.maxDuration)

        return LoadPlan(scenario: scenario, target: target, clients: clients, channels: channels,
                        connectRate: connectRate, rate: rate, duration: duration, maxCount: maxCount,
                        dataSize: dataSize, webPush: webPush, httpConnections: httpConnections, procs: procs,
                        sourceAddresses: sourceAddresses, maxPending: maxPending, setupTimeout: setupTimeout,
                        drainTimeout: drainTimeout, timeout: timeout, allowRemote: allowRemote, tls: tls,
                        updateTarget: updateTarget)
    }

    static func defaultChannels(_ scenario: Scenario) -> Int {
        scenario == .notify || scenario == .stored ? 1 : 0
    }

    static func defaultDuration(_ scenario: Scenario) -> Double { scenario == .stored ? 30 : 10 }

    public static func defaultRate(_ scenario: Scenario) -> Double {
        switch scenario {
        case .connect: return 5000
        case .notify: return 1000
        case .churn: return 500
        case .stored: return 5000
        }
    }

    /// The WebPush part, if asked for; its options mean nothing to SimplePush, and the reverse.
    private func resolveWebPush() throws -> WebPushPlan? {
        guard webPush else {
            if payloadBytes != nil { throw LoadTestError.invalidArgument("--payload-bytes needs --webpush (SimplePush sends --data-size)") }
            if vapidPerPush { throw LoadTestError.invalidArgument("--vapid-per-push needs --webpush") }
            return nil
        }
        guard scenario == .notify || scenario == .stored else {
            throw LoadTestError.invalidArgument("--webpush applies to notify and stored")
        }
        if dataSize != nil { throw LoadTestError.invalidArgument("--data-size is SimplePush's; with --webpush use --payload-bytes") }
        let bytes = payloadBytes ?? 0
        guard bytes == 0 || (Self.minPayloadBytes ... Self.maxPayloadBytes).contains(bytes) else {
            throw LoadTestError.invalidArgument("--payload-bytes must be 0 (no body) or between \(Self.minPayloadBytes) and \(Self.maxPayloadBytes) (an aes128gcm body is an \(Aes128gcmBody.headerLength)-byte header and a record of at least 17 bytes), got \(bytes)")
        }
        return WebPushPlan(payloadBytes: bytes, ttl: scenario == .notify ? Self.notifyTTL : Self.storedTTL, vapidPerPush: vapidPerPush)
    }

    /// The TLS options mean something only for a `wss://` target.
    private func resolveTLS(target: LoadTarget) throws -> TLSClientPlan? {
        guard target.tls else {
            if caFile != nil { throw LoadTestError.invalidArgument("--ca-file needs a wss:// --url") }
            if noTLSResume { throw LoadTestError.invalidArgument("--no-tls-resume needs a wss:// --url") }
            return nil
        }
        if let caFile, access(caFile, R_OK) != 0 {
            throw LoadTestError.invalidArgument("--ca-file \(caFile.debugDescription): cannot read it")
        }
        return TLSClientPlan(caFile: caFile, resume: !noTLSResume)
    }

    /// Enough processes that none goes over the open-file limit, unless the user chose.
    private func resolveProcs(clients: Int, limits: SystemLimits) throws -> Int {
        if let procs, procs != 0 {
            return try Self.check("--procs", procs, in: 1 ... Self.maxProcs)
        }
        let perProcess = limits.openFiles - Self.reservedFiles - (httpConnections ?? Self.defaultHTTPConnections)
        guard perProcess > 0 else { throw LoadTestError.invalidArgument("the open-file limit (\(limits.openFiles)) is too low") }
        let needed = (clients + perProcess - 1) / perProcess
        guard needed <= Self.maxProcs else { throw LoadTestError.invalidArgument("--clients \(clients) needs more than \(Self.maxProcs) processes") }
        return needed
    }

    /// Loopback targets get enough source addresses that no address runs out of ports; remote
    /// targets use the machine's own address.
    private func resolveSourceAddresses(target: LoadTarget, clients: Int, limits: SystemLimits) throws -> Int {
        // Leave headroom for sockets in TIME_WAIT and for other programs' connections.
        let usablePorts = max(1, limits.ephemeralPorts * 9 / 10)
        guard target.host.isLoopback else {
            if let sourceAddresses, sourceAddresses != 0 {
                throw LoadTestError.invalidArgument("--source-addresses applies to loopback targets only")
            }
            return 0
        }
        let perAddress = min(usablePorts, Self.clientsPerSourceAddress)
        let count = sourceAddresses ?? min(250, (clients + perAddress - 1) / perAddress)
        _ = try Self.check("--source-addresses", count, in: 0 ... 250)
        let load = count == 0 ? clients : (clients + count - 1) / count
        if load > usablePorts {
            throw LoadTestError.invalidArgument("\(load) connections per source address exceed the \(usablePorts) usable local ports; raise --source-addresses")
        }
        return count
    }

    static func perProcessClients(_ clients: Int, _ procs: Int) -> Int { (clients + procs - 1) / procs }

    static func check<T: Comparable>(_ name: String, _ value: T, in range: ClosedRange<T>) throws -> T {
        guard range.contains(value) else {
            throw LoadTestError.invalidArgument("\(name) must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
        return value
    }
}
