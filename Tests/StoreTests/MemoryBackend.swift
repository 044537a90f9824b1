import StoreMemory

extension StoreBackend {
    static let memory = StoreBackend(name: "memory") {
        (store: MemoryStore(), cleanUp: {})
    }
}
