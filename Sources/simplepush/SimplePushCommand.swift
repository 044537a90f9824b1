import ConfigFile
import App
import ArgumentParser
import ConfigLoader
import Foundation
import PushCore

@main
struct SimplePushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simplepush",
        abstract: "A SimplePush server: WebSocket connection node, update endpoint and offline store.",
        version: Server.version,
        subcommands: [Serve.self, GenKey.self, CheckConfig.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (the default command).")

    @Option(help: "TOML config file. Without one the embedded defaults apply.")
    var config: String?
    @Option(help: "WebSocket listener address, host:port (websocket.listener.addr).")
    var wsAddr: String?
    @Option(help: "Update endpoint listener address, host:port (endpoint.listener.addr).")
    var endpointAddr: String?
    @Option(help: "Store backend: sqlite, memory or memcache (storage.type).")
    var storage: String?
    @Option(help: "SQLite database file (storage.sqlite.path).")
    var sqlitePath: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (logging.level).")
    var logLevel: String?
    @Option(help: "Node processes to start on this machine, sharing the websocket and endpoint ports (cluster.procs); 1 serves in this process.")
    var procs: Int?
    /// Set by the supervisor on the workers it starts.
    @Option(help: .hidden)
    var worker: Int?
    @Option(help: .hidden)
    var supervisor: Int32?

    func run() async throws {
        var overrides: [String: String] = [:]
        overrides["websocket.listener.addr"] = wsAddr
        overrides["endpoint.listener.addr"] = endpointAddr
        overrides["storage.type"] = storage
        overrides["storage.sqlite.path"] = sqlitePath
        overrides["logging.level"] = logLevel
        overrides["cluster.procs"] = procs.map(String.init)
        let path = config
        let load: @Sendable () throws -> ServerConfig = { [overrides] in
            try ConfigLoader.load(path: path, environment: ProcessInfo.processInfo.environment, overrides: overrides)
        }
        let settings: ServerConfig
        do {
            settings = try load()
        } catch let error as ConfigError {
            throw ValidationError(error.description)
        }
        if let worker {
            guard let supervisor, (0 ..< settings.cluster.procs).contains(worker) else {
                throw ValidationError("--worker is set by the supervisor of a cluster, with --supervisor and cluster.procs above the index")
            }
            try Server.attachToSupervisor(supervisor)
            let workerLoad: @Sendable () throws -> ServerConfig = { try load().forWorker(worker) }
            try await Server.run(settings.forWorker(worker), supervisor: supervisor, reload: workerLoad)
        } else if settings.cluster.isCluster {
            let status = try await Server.supervise(settings, arguments: Array(CommandLine.arguments.dropFirst()))
            if status != 0 { throw ExitCode(status) }
        } else {
            try await Server.run(settings, reload: load)
        }
    }
}

struct GenKey: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genkey",
        abstract: "Print a new endpoint token key (for [default] token_keys).")

    func run() {
        print(EndpointTokenCodec.generateKey())
    }
}

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a config file (with the environment's overrides) and print the effective values.")

    @Argument(help: "The TOML file to check.")
    var file: String

    func run() throws {
        let settings: ServerConfig
        do {
            settings = try ConfigLoader.load(path: file, environment: ProcessInfo.processInfo.environment)
        } catch let error as ConfigError {
            throw ValidationError(error.description)
        }
        let rows = ConfigLoader.describe(settings)
        let width = rows.map(\.key.count).max() ?? 0
        for row in rows {
            print(row.key.padding(toLength: width, withPad: " ", startingAt: 0), "=", row.value, " #", row.environment)
        }
    }
}
