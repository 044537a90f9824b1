import Foundation
import GRDB
import PushCore
import Store
import StoreSQLite
import XCTest

/// What only the SQLite backend promises: the file outlives the process, and bad files are
/// refused with a clear error.
final class SQLiteStoreTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var path: String { directory.file("store.sqlite") }

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
    }

    override func tearDown() {
        directory.remove()
    }

    func testDataSurvivesClosingAndReopening() async throws {
        let uaid = device(1)
        let first = try SQLiteStore(path: path)
        for n in 1...2 {
            _ = try await first.register(uaid, channel: channel(n), maxChannels: 10)
            _ = try await first.saveUpdate(uaid, channel: channel(n), version: 5, data: "five")
        }
        try await first.ack(uaid, channel: channel(2), version: 5)
        try await first.close()

        let second = try SQLiteStore(path: path)
        let exists = try await second.uaidExists(uaid)
        XCTAssertTrue(exists)
        let pending = try await second.fetchPending(uaid)
        XCTAssertEqual(pending, [Update(channelID: channel(1), version: 5, data: "five")])
        let staleAfterAck = try await second.saveUpdate(uaid, channel: channel(2), version: 4, data: nil)
        XCTAssertEqual(staleAfterAck, .stale, "the acked channel's newest version was kept")
        try await second.close()
    }

    func testTheSchemaVersionIsRecorded() async throws {
        XCTAssertGreaterThanOrEqual(SQLiteStore.schemaVersion, 1)
        let store = try SQLiteStore(path: path)
        let created = try await store.recordedSchemaVersion()
        XCTAssertEqual(created, SQLiteStore.schemaVersion)
        try await store.close()

        let reopened = try SQLiteStore(path: path)
        let kept = try await reopened.recordedSchemaVersion()
        XCTAssertEqual(kept, SQLiteStore.schemaVersion)
        try await reopened.close()
    }

    /// A file written before the message queue existed (schema v1: a channel row held its
    /// pending version and data) opens migrated, with nothing lost.
    func testAVersionOneFileIsMigratedWithItsPendingUpdates() async throws {
        let uaid = device(3)
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: """
                CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                INSERT INTO grdb_migrations (identifier) VALUES ('v1');
                CREATE TABLE devices (uaid TEXT NOT NULL PRIMARY KEY, created INTEGER NOT NULL);
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
            try db.execute(sql: "INSERT INTO devices VALUES (?, 1700000000)", arguments: [uaid.hex])
            try db.execute(sql: "INSERT INTO channels VALUES (?, ?, 5, 1, 'five', 1700000000)", arguments: [uaid.hex, channel(1).value])
            try db.execute(sql: "INSERT INTO channels VALUES (?, ?, 8, 0, NULL, 1700000000)", arguments: [uaid.hex, channel(2).value])
        }
        try queue.close()

        let store = try SQLiteStore(path: path)
        let version = try await store.recordedSchemaVersion()
        XCTAssertEqual(version, SQLiteStore.schemaVersion)
        let record = try await store.device(uaid)
        XCTAssertEqual(record, DeviceRecord(deviceProtocol: .simplePush, channels: [channel(1), channel(2)]))
        let pending = try await store.fetchPending(uaid)
        XCTAssertEqual(pending, [Update(channelID: channel(1), version: 5, data: "five")])
        let stale = try await store.saveUpdate(uaid, channel: channel(2), version: 8, data: nil)
        XCTAssertEqual(stale, .stale, "the acked version survived the migration")
        let acked = try await store.ack(uaid, channel: channel(1), version: 5)
        XCTAssertTrue(acked)
        try await store.close()
    }

    func testAFileThatIsNotADatabaseIsRefused() throws {
        let junk = String(repeating: "this is not an SQLite database\n", count: 200)
        try junk.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SQLiteStore(path: path)) { error in
            assertUnavailable(error, mentioning: ["not a database", path])
        }
    }

    func testAMissingDirectoryIsRefused() {
        let missing = directory.file("absent/store.sqlite")
        XCTAssertThrowsError(try SQLiteStore(path: missing)) { error in
            assertUnavailable(error, mentioning: [missing])
        }
    }

    func testAFileFromANewerSchemaIsRefused() async throws {
        try await SQLiteStore(path: path).close()
        // Record a migration this build does not know, as a later release would.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v999')")
        }
        try queue.close()

        XCTAssertThrowsError(try SQLiteStore(path: path)) { error in
            assertUnavailable(error, mentioning: ["newer schema"])
        }
    }

    private func assertUnavailable(
        _ error: Error, mentioning fragments: [String], file: StaticString = #filePath, line: UInt = #line
    ) {
        guard case StoreError.unavailable(let why) = error else {
            return XCTFail("expected StoreError.unavailable, got \(error)", file: file, line: line)
        }
        for fragment in fragments {
            XCTAssertTrue(why.contains(fragment), "\(why) does not mention \(fragment)", file: file, line: line)
        }
    }
}
