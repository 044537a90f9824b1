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
