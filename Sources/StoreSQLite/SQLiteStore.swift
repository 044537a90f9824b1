import Dispatch
import Foundation
import GRDB
import JSON
import PushCore
import Store

/// A `Store` in one SQLite file, for single-node deployments whose pending messages must survive
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

    public func device(_ uaid: UAID) async throws -> DeviceRecord? {
        try await reading("read device") { db in
            guard let deviceProtocol = try Self.deviceProtocol(db, uaid) else { return nil }
            let channels = try String.fetchAll(
                db.cachedStatement(sql: "SELECT channel_id FROM channels WHERE uaid = ? ORDER BY channel_id"), arguments: [uaid.hex])
            return DeviceRecord(deviceProtocol: deviceProtocol, channels: try channels.map(Self.channel))
        }
    }

    public func deviceProtocol(_ uaid: UAID) async throws -> DeviceProtocol? {
        try await reading("read device") { db in try Self.deviceProtocol(db, uaid) }
    }

    public func register(_ uaid: UAID, channel: ChannelID, protocol deviceProtocol: DeviceProtocol,
                         maxChannels: Int) async throws -> RegisterResult {
        try await writing("register channel") { db in
            let key: StatementArguments = [uaid.hex, channel.value]
            if try Self.channelExists(db, key) { return .registered }
            // Only new channels count against the limit, and a refused device is not created.
            let count = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM channels WHERE uaid = ?"),
                                         arguments: [uaid.hex]) ?? 0
            if count >= maxChannels { return .tooManyChannels }
            let now = Self.now()
            try Self.run(db, "INSERT OR IGNORE INTO devices (uaid, created, protocol) VALUES (?, ?, ?)",
                         [uaid.hex, now, deviceProtocol.rawValue])
            try Self.run(db, "INSERT INTO channels (uaid, channel_id, updated) VALUES (?, ?, ?)", key + [now])
            return .registered
        }
    }

    public func unregister(_ uaid: UAID, channel: ChannelID) async throws {
        try await writing("unregister channel") { db in
            // Its messages go with it (ON DELETE CASCADE).
            try Self.run(db, "DELETE FROM channels WHERE uaid = ? AND channel_id = ?", [uaid.hex, channel.value])
        }
    }

    public func drop(_ uaid: UAID) async throws {
        try await writing("drop device") { db in
            // The channels and their messages go with it (ON DELETE CASCADE).
            try Self.run(db, "DELETE FROM devices WHERE uaid = ?", [uaid.hex])
        }
    }

    public func save(_ message: StoredMessage, for uaid: UAID, limit: Int) async throws -> SaveResult {
        let now = StoredMessage.unixSeconds()
        return try await writing("save message") { db in
            let key: StatementArguments = [uaid.hex, message.channel.value]
            if let version = message.version {
                // One statement on SimplePush's hot path: the channel moves forward, or nothing happens.
                try Self.run(db, """
                    UPDATE channels SET version = ?, updated = ?
                    WHERE uaid = ? AND channel_id = ? AND (version IS NULL OR version < ?)
                    """, [version, Self.now()] + key + [version])
                if db.changesCount == 0 { return try Self.channelExists(db, key) ? .stale : Self.missing(db, uaid) }
            } else {
                guard try Self.channelExists(db, key) else { return try Self.missing(db, uaid) }
                try Self.run(db, "DELETE FROM messages WHERE uaid = ? AND expiry <= ?", [uaid.hex, now])
            }
            try Self.run(db, """
                INSERT OR REPLACE INTO messages (uaid, channel_id, slot, version, timestamp, expiry, urgency, data, headers)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, key + [message.slotKey, message.version, Int64(message.timestamp), message.expiry, message.urgency.rawValue,
                            message.data, message.headers.isEmpty ? "{}" : StoredMessage.json(headers: message.headers).serialized])
            if message.countsAgainstLimit {
                // Oldest first: everything past the newest `limit` goes.
                try Self.run(db, """
                    DELETE FROM messages WHERE uaid = ? AND version IS NULL AND (channel_id, slot) NOT IN (
                        SELECT channel_id, slot FROM messages WHERE uaid = ? AND version IS NULL
                        ORDER BY timestamp DESC, channel_id DESC, slot DESC LIMIT ?)
                    """, [uaid.hex, uaid.hex, limit])
            }
            return .saved
        }
    }

    public func fetchMessages(_ uaid: UAID, limit: Int) async throws -> [StoredMessage] {
        let now = StoredMessage.unixSeconds()
        let (messages, expired) = try await reading("fetch messages") { db in
            let rows = try Row.fetchAll(
                db.cachedStatement(sql: """
                    SELECT channel_id, slot, version, timestamp, expiry, urgency, data, headers FROM messages
                    WHERE uaid = ? ORDER BY timestamp, channel_id, slot
                    """),
                arguments: [uaid.hex])
            var messages: [StoredMessage] = []
            var expired = false
            for row in rows {
                let message = try Self.message(row)
                if message.isExpired(now: now) { expired = true } else if messages.count < limit { messages.append(message) }
            }
            return (messages, expired)
        }
        if expired {
            try await writing("purge expired messages") { db in
                try Self.run(db, "DELETE FROM messages WHERE uaid = ? AND expiry <= ?", [uaid.hex, now])
            }
        }
        return messages
    }

    @discardableResult
    public func delete(_ reference: MessageReference, for uaid: UAID) async throws -> Bool {
        try await writing("delete message") { db in
            let key: StatementArguments = [uaid.hex, reference.channel.value, reference.slotKey]
            switch reference.match {
            case .timestamp(let timestamp):
                try Self.run(db, "DELETE FROM messages WHERE uaid = ? AND channel_id = ? AND slot = ? AND timestamp = ?",
                             key + [Int64(timestamp)])
            case .versionAtMost(let version):
                // The channel's `version` stays, so a later PUT with a lower version is still stale.
                try Self.run(db, "DELETE FROM messages WHERE uaid = ? AND channel_id = ? AND slot = ? AND version <= ?",
                             key + [version])
            }
            return db.changesCount > 0
        }
    }

    public func claimNode(_ uaid: UAID, _ record: NodeRecord) async throws -> ClaimResult {
        try await writing("claim node") { db in
            let result = ClaimResult.deciding(record, over: try Self.nodeRecord(db, uaid))
            if case .claimed = result {
                try Self.run(db, "INSERT OR REPLACE INTO nodes (uaid, node, connected_at) VALUES (?, ?, ?)",
                             [uaid.hex, record.node, record.connectedAt])
            }
            return result
        }
    }

    public func nodeRecord(_ uaid: UAID) async throws -> NodeRecord? {
        try await reading("read node") { db in try Self.nodeRecord(db, uaid) }
    }

    public func releaseNode(_ uaid: UAID, ifStill record: NodeRecord) async throws -> Bool {
        try await writing("release node") { db in
            try Self.run(db, "DELETE FROM nodes WHERE uaid = ? AND node = ? AND connected_at = ?",
                         [uaid.hex, record.node, record.connectedAt])
            return db.changesCount > 0
        }
    }

    private static func nodeRecord(_ db: Database, _ uaid: UAID) throws -> NodeRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT node, connected_at FROM nodes WHERE uaid = ?"), arguments: [uaid.hex])
            .map { NodeRecord(node: $0["node"], connectedAt: $0["connected_at"]) }
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

    /// Runs one statement, prepared once per connection (GRDB keeps it in the connection's cache).
    private static func run(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws {
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }

    private static func channelExists(_ db: Database, _ key: StatementArguments) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM channels WHERE uaid = ? AND channel_id = ?)"),
            arguments: key) ?? false
    }

    private static func deviceProtocol(_ db: Database, _ uaid: UAID) throws -> DeviceProtocol? {
        guard let text = try String.fetchOne(db.cachedStatement(sql: "SELECT protocol FROM devices WHERE uaid = ?"),
                                             arguments: [uaid.hex]) else { return nil }
        guard let known = DeviceProtocol(rawValue: text) else {
            throw StoreError.unavailable("stored protocol \(text) of device \(uaid.hex) is unknown")
        }
        return known
    }

    /// Why a message for a channel that is not registered is refused.
    private static func missing(_ db: Database, _ uaid: UAID) throws -> SaveResult {
        try deviceProtocol(db, uaid) == nil ? .unknownDevice : .unknownChannel
    }

    private static func channel(_ text: String) throws -> ChannelID {
        guard let channel = ChannelID(text) else { throw StoreError.unavailable("stored channel id \(text) is not a UUID") }
        return channel
    }

    private static func message(_ row: Row) throws -> StoredMessage {
        let key: String = row["slot"]
        let urgencyText: String = row["urgency"]
        let headersText: String = row["headers"]
        let timestamp: Int64 = row["timestamp"]
        guard let slot = StoredMessage.slot(key: key, version: row["version"]),
              let urgency = Urgency(rawValue: urgencyText),
              let headers = JSONParser.parse(Array(headersText.utf8)).flatMap(StoredMessage.headers(json:)),
              let time = UInt64(exactly: timestamp)
        else { throw StoreError.unavailable("stored message \(key) is malformed") }
        return StoredMessage(channel: try channel(row["channel_id"]), slot: slot, timestamp: time,
                             expiry: row["expiry"], urgency: urgency, data: row["data"], headers: headers)
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
