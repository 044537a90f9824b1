import Dispatch
import Foundation
import GRDB
import PushCore
import Store

/// A `Store` in one SQLite file, for single-node deployments whose pending updates must survive
/// a restart.
///
/// The file is opened as a GRDB `DatabasePool` in WAL mode: readers never wait for the writer,
/// and writes are serialized on one connection, which makes each call's read-then-write atomic.
/// All SQLite work runs on GRDB's own queues through its async API, never on the caller's thread.
public final class SQLiteStore: Store {
    /// The schema version this build creates and migrates files to.
    public static var schemaVersion: Int { SQLiteSchema.version }

    public let path: String
    private let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and migrates it to `schemaVersion`.
    /// Throws `StoreError.unavailable` when the file cannot be opened, is not a database, or was
    /// written by a newer schema.
    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        // Another process (a backup, an operator's sqlite3 shell) may hold the lock briefly.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // With WAL, NORMAL loses no committed transaction when the process is killed (even
            // kill -9): commits are in the WAL file before the call returns. Only a power loss or
            // OS crash can roll back the last commits, never corrupt the file.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            let migrator = SQLiteSchema.makeMigrator()
            if try pool.read(migrator.hasBeenSuperseded) {
                throw StoreError.unavailable(
                    "SQLite database \(path) has a newer schema than version \(Self.schemaVersion)")
            }
            try migrator.migrate(pool)
        } catch {
            throw Self.storeError(error, doing: "open \(path)")
        }
    }

    /// The schema version recorded in the file.
    public func recordedSchemaVersion() async throws -> Int {
        try await reading("read schema version") { try SQLiteSchema.recordedVersion($0) }
    }

    public func uaidExists(_ uaid: UAID) async throws -> Bool {
        try await reading("check device") { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM devices WHERE uaid = ?)",
                              arguments: [uaid.hex]) ?? false
        }
    }

    public func register(_ uaid: UAID, channel: ChannelID, maxChannels: Int) async throws -> RegisterResult {
        try await writing("register channel") { db in
            let key: StatementArguments = [uaid.hex, channel.value]
            if try Self.channelExists(db, key) { return .registered }
            // Only new channels count against the limit, and a refused device is not created.
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM channels WHERE uaid = ?",
                                         arguments: [uaid.hex]) ?? 0
            if count >= maxChannels { return .tooManyChannels }
            let now = Self.now()
            try db.execute(sql: "INSERT OR IGNORE INTO devices (uaid, created) VALUES (?, ?)",
                           arguments: [uaid.hex, now])
            try db.execute(sql: "INSERT INTO channels (uaid, channel_id, updated) VALUES (?, ?, ?)",
                           arguments: key + [now])
            return .registered
        }
    }

    public func unregister(_ uaid: UAID, channel: ChannelID) async throws {
        try await writing("unregister channel") { db in
            try db.execute(sql: "DELETE FROM channels WHERE uaid = ? AND channel_id = ?",
                           arguments: [uaid.hex, channel.value])
        }
    }

    public func saveUpdate(_ uaid: UAID, channel: ChannelID, version: Version, data: String?) async throws -> SaveResult {
        try await writing("save update") { db in
            let key: StatementArguments = [uaid.hex, channel.value]
            guard let row = try Row.fetchOne(
                db, sql: "SELECT version FROM channels WHERE uaid = ? AND channel_id = ?", arguments: key)
            else { return .unknownChannel }
            let newest: Version? = row["version"]
            if let newest, version <= newest { return .stale }
            try db.execute(
                sql: """
                    UPDATE channels SET version = ?, pending = 1, data = ?, updated = ?
                    WHERE uaid = ? AND channel_id = ?
                    """,
                arguments: [version, data, Self.now()] + key)
            return .saved
        }
    }

    public func fetchPending(_ uaid: UAID) async throws -> [Update] {
        try await reading("fetch pending updates") { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT channel_id, version, data FROM channels
                    WHERE uaid = ? AND pending = 1 ORDER BY channel_id
                    """,
                arguments: [uaid.hex])
            return try rows.map { row in
                let text: String = row["channel_id"]
                guard let channel = ChannelID(text) else {
                    throw StoreError.unavailable("stored channel id \(text) is not a UUID")
                }
                return Update(channelID: channel, version: row["version"], data: row["data"])
            }
        }
    }

    @discardableResult
    public func ack(_ uaid: UAID, channel: ChannelID, version: Version) async throws -> Bool {
        try await writing("ack update") { db in
            // `version` stays, so a later PUT with a lower version is still stale.
            try db.execute(
                sql: """
                    UPDATE channels SET pending = 0, data = NULL, updated = ?
                    WHERE uaid = ? AND channel_id = ? AND pending = 1 AND version <= ?
                    """,
                arguments: [Self.now(), uaid.hex, channel.value, version])
            return db.changesCount > 0
        }
    }

    public func drop(_ uaid: UAID) async throws {
        try await writing("drop device") { db in
            // The channels go with it (ON DELETE CASCADE).
            try db.execute(sql: "DELETE FROM devices WHERE uaid = ?", arguments: [uaid.hex])
        }
    }

    public func healthCheck() async throws {
        _ = try await reading("health check") { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func close() async throws {
        // `DatabasePool.close()` is synchronous and waits for running statements.
        let pool = self.pool
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            DispatchQueue.global().async {
                do {
                    try pool.close()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: Self.storeError(error, doing: "close"))
                }
            }
        }
    }

    // MARK: - Helpers

    private func reading<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw Self.storeError(error, doing: what)
        }
    }

    /// Runs `body` in one write transaction.
    private func writing<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch {
            throw Self.storeError(error, doing: what)
        }
    }

    private static func channelExists(_ db: Database, _ key: StatementArguments) throws -> Bool {
        try Bool.fetchOne(
            db, sql: "SELECT EXISTS (SELECT 1 FROM channels WHERE uaid = ? AND channel_id = ?)",
            arguments: key) ?? false
    }

    private static func now() -> Int64 {
        Int64(Date().timeIntervalSince1970)
    }

    /// Callers only understand `StoreError`; cancellation is passed through untouched.
    private static func storeError(_ error: Error, doing what: String) -> Error {
        switch error {
        case is StoreError, is CancellationError:
            return error
        default:
            return StoreError.unavailable("SQLite \(what): \(error)")
        }
    }
}
