import Foundation
import MemcachedTestSupport

/// The store behind every test that does not ask for one: SQLite, or memcached when
/// `SIMPLEPUSH_E2E_STORAGE=memcache` is set (`make test` runs the suite both ways). One memcached
/// serves the whole run; devices never collide in it, since every server issues random UAIDs.
enum DefaultStorage {
    static var wantsMemcache: Bool {
        ProcessInfo.processInfo.environment["SIMPLEPUSH_E2E_STORAGE"] == "memcache"
    }

    /// Started on first use; a memcached that cannot start fails every test that needs it.
    private static let daemon = Result { try MemcachedDaemon() }

    /// `launch` and `environment` with the default store applied.
    static func apply(_ launch: ServerProcess.Launch, _ environment: [String: String]) throws
        -> (ServerProcess.Launch, [String: String]) {
        guard wantsMemcache, case .storage(.sqlite) = launch else { return (launch, environment) }
        let memcache = ["SIMPLEPUSH_STORAGE_MEMCACHE_SERVER": try daemon.get().address]
        return (.storage(.memcache), memcache.merging(environment) { _, new in new })
    }
}
