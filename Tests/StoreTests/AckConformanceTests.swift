import PushCore
import Store
import XCTest

final class AckConformanceTests: StoreConformanceTestCase {
    private let uaid = device(1)

    /// A store with channel 1 holding `version` (with data), pending.
    private func pendingUpdate(_ store: any Store, version: Version) async throws {
        _ = try await store.register(uaid, channel: channel(1), maxChannels: 10)
        let result = try await store.saveUpdate(uaid, channel: channel(1), version: version, data: "payload")
        XCTAssertEqual(result, .saved)
    }

    func testAckingALowerVersionKeepsTheUpdate() async {
        await onEveryBackend { store in
            try await pendingUpdate(store, version: 10)
            let removed = try await store.ack(uaid, channel: channel(1), version: 9)
            XCTAssertFalse(removed)
            let pending = try await store.fetchPending(uaid)
            XCTAssertEqual(pending, [Update(channelID: channel(1), version: 10, data: "payload")])
        }
    }

    func testAckingTheSameVersionRemovesTheUpdate() async {
        await onEveryBackend { store in
            try await pendingUpdate(store, version: 10)
            let removed = try await store.ack(uaid, channel: channel(1), version: 10)
            XCTAssertTrue(removed)
            let pending = try await store.fetchPending(uaid)
            XCTAssertEqual(pending, [])
        }
    }

    func testAckingAHigherVersionRemovesTheUpdate() async {
        await onEveryBackend { store in
            try await pendingUpdate(store, version: 10)
            let removed = try await store.ack(uaid, channel: channel(1), version: 11)
            XCTAssertTrue(removed)
            let pending = try await store.fetchPending(uaid)
            XCTAssertEqual(pending, [])
        }
    }

    func testAckReportsWhetherAnythingWasRemoved() async {
        await onEveryBackend { store in
            let unknownChannel = try await store.ack(uaid, channel: channel(1), version: 1)
            XCTAssertFalse(unknownChannel)
            _ = try await store.register(uaid, channel: channel(1), maxChannels: 10)
            let noUpdate = try await store.ack(uaid, channel: channel(1), version: 1)
            XCTAssertFalse(noUpdate)
            _ = try await store.saveUpdate(uaid, channel: channel(1), version: 1, data: nil)
            let first = try await store.ack(uaid, channel: channel(1), version: 1)
            let second = try await store.ack(uaid, channel: channel(1), version: 1)
            XCTAssertEqual([first, second], [true, false])
        }
    }

    func testAckClearsTheData() async {
        await onEveryBackend { store in
            try await pendingUpdate(store, version: 1)
            try await store.ack(uaid, channel: channel(1), version: 1)
            _ = try await store.saveUpdate(uaid, channel: channel(1), version: 2, data: nil)
            let pending = try await store.fetchPending(uaid)
            XCTAssertEqual(pending, [Update(channelID: channel(1), version: 2, data: nil)])
        }
    }

    func testAckTouchesOnlyItsChannel() async {
        await onEveryBackend { store in
            try await pendingUpdate(store, version: 1)
            _ = try await store.register(uaid, channel: channel(2), maxChannels: 10)
            _ = try await store.saveUpdate(uaid, channel: channel(2), version: 1, data: nil)
            try await store.ack(uaid, channel: channel(2), version: 1)
            let pending = try await store.fetchPending(uaid)
            XCTAssertEqual(pending.map(\.channelID), [channel(1)])
        }
    }
}
