import Cluster
import ConfigFile
import Logging
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `[cluster] procs` above 1: this process only supervises; `procs` copies of the program, each
/// started with the same arguments plus `--worker i`, are the nodes.
extension Server {
    /// Runs the supervisor until it is stopped; returns the process's exit status.
    /// `arguments` are the ones this process was started with, less the program name.
    public static func supervise(_ config: ServerConfig, arguments: [String]) async throws -> Int32 {
        let logs = try LogSetup(config.logging)
        let logger = Logger(label: "simplepush")
        // Made here, before any worker starts: N workers racing to create the key file or the
        // SQLite schema could each see the other's half-done work.
        _ = try TokenKeys.load(config.general)
        try await makeStore(config.storage).close()
        let supervisor = getpid()
        let executable = WorkerSupervisor.currentExecutable(fallback: CommandLine.arguments.first ?? "simplepush")
        let plan = WorkerSupervisor.Plan(
            executable: executable,
            arguments: { index in arguments + ["--worker", "\(index)", "--supervisor", "\(supervisor)"] },
            procs: config.cluster.procs,
            // A worker's own shutdown takes up to shutdown_grace; then a little for the store to close.
            stopTimeout: config.general.shutdownGrace + 5)
        logger.info("cluster", metadata: ["procs": "\(config.cluster.procs)", "websocket": "\(config.websocket.listener.address)",
                                          "endpoint": "\(config.endpoint.listener.address)",
                                          "router": "\(config.forWorker(0).router.address) + worker index"])
        return await WorkerSupervisor(plan, logger: logger, onSignal: { signal in
            if signal == .sigusr1 { try? logs.output.reopen() }
        }).run()
    }

    /// In a worker: the supervisor must be the parent that started it.
    public static func attachToSupervisor(_ pid: Int32) throws {
        guard getppid() == pid else { throw AppError.supervisorGone(pid) }
    }
}

/// In a worker: shuts the worker down gracefully once its supervisor is gone (the worker is
/// then re-parented, so its parent pid changes). Polled, because the kernel's parent-death
/// signal fires when the *thread* that started the child ends, and the supervisor starts its
/// workers from whichever pool thread runs it, which the pool may retire while the supervisor
/// lives on.
struct SupervisorWatch: Service {
    let supervisor: Int32
    let logger: Logger
    static let interval: Duration = .milliseconds(250)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while getppid() == supervisor {
                try? await Task.sleep(for: Self.interval)
                if Task.isCancelled { return }
            }
            logger.error("supervisor gone: stopping", metadata: ["supervisor": "\(supervisor)"])
        }
    }
}
