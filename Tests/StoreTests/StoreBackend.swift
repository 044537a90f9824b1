import Store

/// A backend the conformance suite runs against. Adding one takes a file with a
/// `static let` like `StoreBackend.memory` and an entry in `all`.
struct StoreBackend: Sendable {
    let name: String
    /// Opens an empty store; `cleanUp` runs after the store is closed and removes its leftovers.
    let open: @Sendable () async throws -> (store: any Store, cleanUp: @Sendable () -> Void)

    static let all: [StoreBackend] = [.memory, .sqlite, .memcached]
}
