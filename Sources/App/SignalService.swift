import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP reloads the config file; SIGUSR1 reopens the log file (after logrotate moved it).
struct SignalService: Service {
    let reloader: Reloader
    let logs: LogSetup
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup, .sigusr1)
        for await signal in signals.cancelOnGracefulShutdown() {
            if signal == .sighup {
                reloader.reload()
            } else {
                do {
                    try logs.output.reopen()
                    logger.info("log file reopened")
                } catch {
                    logger.error("cannot reopen the log file", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
