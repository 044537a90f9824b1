import Foundation
import XCTest

/// The core flow once more on the in-memory store.
final class MemoryStorageTests: EndToEndTestCase {
    func testCoreFlowWithMemoryStorage() throws {
        try assertCoreFlow(on: try startServer(.storage(.memory)))
    }
}
