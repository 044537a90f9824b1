import ConfigFile
import Foundation
import MemcachedTestSupport
import PushCore
import StoreMemcached

extension StoreBackend {
    /// A store on the shared test memcached; a fresh key prefix makes it empty.
    static let memcached = StoreBackend(name: "memcached") {
        let daemon = try MemcachedDaemon.shared.get()
        return (store: try MemcachedStore(daemon.settings()), cleanUp: {})
    }
}

extension MemcachedDaemon {
    /// The daemon every store test shares, started on first use.
    static let shared = Result { try MemcachedDaemon() }

    /// Store settings pointing at this daemon, with a prefix no other store uses.
    func settings(prefix: String = "test-\(UUID().uuidString):") -> ServerConfig.Storage.Memcache {
        var settings = ServerConfig.Storage.Memcache()
        settings.servers = [address]
        settings.prefix = prefix
        settings.poolSize = 4
        settings.retryTimeout = 1
        return settings
    }
}
