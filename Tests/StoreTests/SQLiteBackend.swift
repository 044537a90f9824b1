import StoreSQLite

extension StoreBackend {
    static let sqlite = StoreBackend(name: "sqlite") {
        let directory = try TemporaryDirectory()
        do {
            return (store: try SQLiteStore(path: directory.file("store.sqlite")), cleanUp: directory.remove)
        } catch {
            directory.remove()
            throw error
        }
    }
}
