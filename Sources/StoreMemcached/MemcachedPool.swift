import ConfigFile
import CMemcached
import Foundation
import NIOPosix
import PushCore
import Store

/// libmemcached connections and the threads that use them. libmemcached calls block, so they
/// run here, on a bounded NIOThreadPool with one connection per thread, never on the caller's
/// executor, a reactor thread or an event loop.
final class MemcachedPool: @unchecked Sendable {  // libmemcached's pool is thread-safe; `isClosed` is behind `state`
    private let master: UnsafeMutablePointer<memcached_st>
    private let connections: OpaquePointer
    private let threads: NIOThreadPool
    private let state = NSLock()
    private var isClosed = false

    /// Configures libmemcached from `settings`; throws `StoreError.unavailable` for a setting it
    /// refuses. No connection is made yet: servers are reached on first use.
    init(_ settings: ServerConfig.Storage.Memcache) throws {
        guard let master = memcached_create(nil) else { throw StoreError.unavailable("memcached: out of memory") }
        do {
            try Self.configure(master, settings)
        } catch {
            memcached_free(master)
            throw error
        }
        let size = UInt32(clamping: settings.poolSize)
        guard let connections = memcached_pool_create(master, size, size) else {
            memcached_free(master)
            throw StoreError.unavailable("memcached: cannot create a pool of \(size) connections")
        }
        self.master = master
        self.connections = connections
        threads = NIOThreadPool(numberOfThreads: settings.poolSize)
        threads.start()
    }

    /// Runs `body` on a pool thread with a connection of its own. Failures come back as
    /// `StoreError.unavailable` naming `what`.
    func run<T: Sendable>(_ what: String, _ body: @escaping @Sendable (MemcachedConnection) throws -> T) async throws -> T {
        do {
            return try await threads.runIfActive { [self] in
                var rc = MEMCACHED_SUCCESS
                // As many connections as threads: the wait is only a guard against a leak.
                var wait = timespec(tv_sec: 5, tv_nsec: 0)
                guard let handle = memcached_pool_fetch(connections, &wait, &rc) else {
                    throw MemcachedFailure(description: "no free connection (\(rc.rawValue))")
                }
                defer { memcached_pool_release(connections, handle) }
                return try body(MemcachedConnection(handle: handle))
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as StoreError {
            throw error
        } catch let error as MemcachedFailure {
            throw StoreError.unavailable("memcached \(what): \(error)")
        } catch {
            let closed = state.withLock { isClosed }
            throw StoreError.unavailable(closed ? "memcached store is closed" : "memcached \(what): \(error)")
        }
    }

    /// Waits for running calls, then closes every connection. Later calls fail.
    func close() async throws {
        let first = state.withLock { () -> Bool in
            defer { isClosed = true }
            return !isClosed
        }
        guard first else { return }
        try await threads.shutdownGracefully()
        memcached_pool_destroy(connections)
        memcached_free(master)
    }

    private static func configure(_ memc: UnsafeMutablePointer<memcached_st>, _ settings: ServerConfig.Storage.Memcache) throws {
        guard !settings.servers.isEmpty else { throw StoreError.unavailable("storage.memcache.server lists no server") }
        for entry in settings.servers {
            guard let (host, port) = ServerConfig.Storage.Memcache.parseServer(entry) else {
                throw StoreError.unavailable("storage.memcache.server entry \"\(entry)\" is not host:port")
            }
            let rc = memcached_server_add(memc, host, in_port_t(port))
            guard rc == MEMCACHED_SUCCESS else {
                throw StoreError.unavailable("memcached server \(entry): \(String(cString: memcached_strerror(memc, rc)))")
            }
        }
        let milliseconds = { (seconds: Double) in UInt64(max(1, (seconds * 1000).rounded(.up))) }
        let behaviors: [(memcached_behavior_t, UInt64, String)] = [
            (MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 1, "binary protocol"),
            (MEMCACHED_BEHAVIOR_SUPPORT_CAS, 1, "CAS"),
            // Consistent hashing: adding or losing a server moves only its share of devices.
            (MEMCACHED_BEHAVIOR_DISTRIBUTION, UInt64(MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA.rawValue), "ketama"),
            // Non-blocking sockets make every wait a poll bounded by the timeouts below.
            (MEMCACHED_BEHAVIOR_NO_BLOCK, 1, "non-blocking I/O"),
            (MEMCACHED_BEHAVIOR_TCP_NODELAY, 1, "TCP_NODELAY"),
            (MEMCACHED_BEHAVIOR_TCP_KEEPALIVE, 1, "TCP keepalive"),
            (MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, milliseconds(settings.sendTimeout), "send_timeout"),
            (MEMCACHED_BEHAVIOR_SND_TIMEOUT, milliseconds(settings.sendTimeout) * 1000, "send_timeout"),
            (MEMCACHED_BEHAVIOR_POLL_TIMEOUT, milliseconds(settings.recvTimeout), "recv_timeout"),
            (MEMCACHED_BEHAVIOR_RCV_TIMEOUT, milliseconds(settings.recvTimeout) * 1000, "recv_timeout"),
            // A server that failed once (refused, reset or timed out) is not tried again for
            // retry_timeout: calls needing it fail at once, then it is retried by itself.
            (MEMCACHED_BEHAVIOR_SERVER_TIMEOUT_LIMIT, 1, "server timeout limit"),
            (MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, UInt64(max(1, settings.retryTimeout.rounded(.up))), "retry_timeout"),
            // Never eject a failed server: its devices' keys would move to another server and
            // the old records would come back, with older versions, when it returns.
            (MEMCACHED_BEHAVIOR_REMOVE_FAILED_SERVERS, 0, "keep failed servers"),
        ]
        for (behavior, value, name) in behaviors {
            let rc = memcached_behavior_set(memc, behavior, value)
            guard rc == MEMCACHED_SUCCESS else {
                throw StoreError.unavailable("memcached setting \(name) = \(value) refused: \(String(cString: memcached_strerror(memc, rc)))")
            }
        }
    }
}
