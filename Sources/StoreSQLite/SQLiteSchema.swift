import GRDB

/// The database layout, as an ordered list of migrations. The file records which ones ran, so a
/// released migration is never edited: a schema change is a new entry appended at the end.
enum SQLiteSchema {
    private static let migrations: [(identifier: String, apply: @Sendable (Database) throws -> Void)] = [
        ("v1", { try createDevicesAndChannels($0) }),
        ("v2", { try splitMessagesFromChannels($0) }),
        ("v3", { try createNodes($0) }),
    ]

    /// The schema version this build writes: the number of migrations.
    static var version: Int { migrations.count }

    static func makeMigrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            migrator.registerMigration(migration.identifier, migrate: migration.apply)
        }
        return migrator
    }

    /// How many of this build's migrations the file has recorded.
    static func recordedVersion(_ db: Database) throws -> Int {
        try makeMigrator().appliedMigrations(db).count
    }

    private static func createDevicesAndChannels(_ db: Database) throws {
        // Times are Unix seconds. A channel row lives from register to unregister; `version` is
        // the newest accepted version (NULL before the first update) and is kept after the ack
        // so lower versions stay stale. Deleting a device deletes its channels (GRDB turns
        // foreign keys on for every connection).
        try db.execute(sql: """
            CREATE TABLE devices (
                uaid TEXT NOT NULL PRIMARY KEY,
                created INTEGER NOT NULL
            );
            CREATE TABLE channels (
                uaid TEXT NOT NULL REFERENCES devices(uaid) ON DELETE CASCADE,
                channel_id TEXT NOT NULL,
                version INTEGER,
                pending INTEGER NOT NULL DEFAULT 0 CHECK (pending IN (0, 1)),
                data TEXT,
                updated INTEGER NOT NULL,
                PRIMARY KEY (uaid, channel_id)
            ) WITHOUT ROWID;
            """)
    }

    /// The device record and the message queue apart: `devices` records the protocol, `channels`
    /// keeps only the newest SimplePush version, and every waiting message (a SimplePush
    /// channel's pending version among them, moved here) is a row of `messages`.
    /// Which node holds each connected device (fleets): its router URL and the connection's start
    /// in milliseconds since the epoch. Apart from `devices`: a device claims before it registers.
    private static func createNodes(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE nodes (
                uaid TEXT NOT NULL PRIMARY KEY,
                node TEXT NOT NULL,
                connected_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            """)
    }

    private static func splitMessagesFromChannels(_ db: Database) throws {
        // `timestamp` is microseconds since the epoch (the queue's order), `expiry` Unix seconds
        // (NULL: never), `slot` as `StoredMessage.slotKey`, `headers` a JSON object. A message
        // goes with its channel (unregister) and so with its device (drop).
        try db.execute(sql: """
            ALTER TABLE devices ADD COLUMN protocol TEXT NOT NULL DEFAULT 'simplepush';
            CREATE TABLE messages (
                uaid TEXT NOT NULL,
                channel_id TEXT NOT NULL,
                slot TEXT NOT NULL,
                version INTEGER,
                timestamp INTEGER NOT NULL,
                expiry INTEGER,
                urgency TEXT NOT NULL DEFAULT 'normal',
                data TEXT,
                headers TEXT NOT NULL DEFAULT '{}',
                PRIMARY KEY (uaid, channel_id, slot),
                FOREIGN KEY (uaid, channel_id) REFERENCES channels(uaid, channel_id) ON DELETE CASCADE
            ) WITHOUT ROWID;
            CREATE INDEX messages_by_age ON messages (uaid, timestamp);
            INSERT INTO messages (uaid, channel_id, slot, version, timestamp, data)
                SELECT uaid, channel_id, 'v', version, updated * 1000000, data FROM channels WHERE pending = 1;
            ALTER TABLE channels DROP COLUMN pending;
            ALTER TABLE channels DROP COLUMN data;
            """)
    }
}
