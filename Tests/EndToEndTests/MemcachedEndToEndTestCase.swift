import Foundation
import MemcachedTestSupport
import XCTest

/// Base of the memcache-backed end-to-end tests: a fresh memcached per test, and servers
/// storing in it (started and cleaned up as every other end-to-end test's).
class MemcachedEndToEndTestCase: EndToEndTestCase {
    private(set) var memcached: MemcachedDaemon!

    override func setUpWithError() throws {
        try super.setUpWithError()
        memcached = try MemcachedDaemon()
    }

    override func tearDown() {
        // The servers go first, so none of them logs errors about the memcached leaving.
        super.tearDown()
        memcached?.stop()
        memcached = nil
    }

    /// A server storing in this test's memcached.
    func startMemcachedServer(environment: [String: String] = [:]) throws -> ServerProcess {
        let memcache = [
            "SIMPLEPUSH_STORAGE_MEMCACHE_SERVER": memcached.address,
            // Short enough that a test sees the recovery quickly.
            "SIMPLEPUSH_STORAGE_MEMCACHE_RETRY_TIMEOUT": "1s",
            "SIMPLEPUSH_STORAGE_MEMCACHE_POOL_SIZE": "2",
        ]
        return try startServer(.storage(.memcache), environment: memcache.merging(environment) { _, new in new })
    }
}
