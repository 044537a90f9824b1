import Foundation
import XCTest

/// The core SimplePush flow once more, with `storage.type = "memcache"` on a real memcached.
final class MemcachedStorageTests: MemcachedEndToEndTestCase {
    func testCoreFlowWithMemcachedStorage() throws {
        try assertCoreFlow(on: try startMemcachedServer())
    }
}
