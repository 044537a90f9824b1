import Fleet
import ServiceLifecycle

/// Runs the fleet's node-record keeper until shutdown.
struct RecordKeeperService: Service {
    let keeper: NodeRecordKeeper

    func run() async throws {
        await cancelWhenGracefulShutdown { await keeper.run() }
    }
}
