import StoreMemcached

extension StoreBackend {
    /// A store on the shared test memcached; a fresh key prefix makes it empty.
    static let memcached = StoreBackend(name: "memcached") {
        let daemon = try MemcachedDaemon.shared.get()
        return (store: try MemcachedStore(daemon.settings()), cleanUp: {})
    }
}
