import PushCore
import Store
import XCTest

/// Saving and fetching updates, stale versions, and the data carried with them.
final class UpdateConformanceTests: StoreConformanceTestCase {
    private let uaid = device(1)

    private func registered(_ store: any Store, _ channels: Int...) async throws {
        for n in channels {
            let result = try await store.register(uaid, channel: channel(n), maxChannels: 100)
            XCTAssertEqual(result, .registered)
        }
    }

    func testSavedUpdateIsPendingWithItsData() async {
        await onEveryBackend { store in
            try await registered(store, 1)
            let result = try await store.saveUpdate(uaid, channel: channel(1), version: 7, data: "hello")
            XCTAssertEqual(result, .saved)
            let pending = try await store.fetchPending(uaid)
            XCTAssertEqual(pending, [Update(channelID: channel(1), version: 7, data: "hello")])
        }
    }

    func testChannelsWithoutUpdatesAreNotPending() async {
        await onEveryBackend { store in
            let unknown = try await store.fetchPending(uaid)
            XCTAssertEqual(unknown, [])
            try await registered(store, 1, 2)
            _ = try await store.saveUpdate(uaid, channel: channel(2), version: 1, data: nil)
            let pending = try await store.fetchPending(uaid)
            XCTAssertEqual(pending.map(\.channelID), [channel(2)])
        }
    }

    func testPendingUpdatesAreOrderedByChannelID() async {
        await onEveryBackend { store in
            let order = [0xb0, 0x3, 0xff, 0x1a, 0x20]
            for n in order { try await registered(store, n) }
            for (index, n) in order.reversed().enumerated() {
                _ = try await store.saveUpdate(uaid, channel: channel(n), version: Version(index + 1), data: nil)
            }
            let pending = try await store.fetchPending(uaid)
            XCTAssertEqual(pending.map(\.channelID), order.sorted().map(channel))
        }
    }

    func testANewerVersionReplacesThePendingOne() async {
        await onEveryBackend { store in
            try await registered(store, 1)
            _ = try await store.saveUpdate(uaid, channel: channel(1), version: 1, data: "one")
            let newer = try await store.saveUpdate(uaid, channel: channel(1), version: 2, data: "two")
            XCTAssertEqual(newer, .saved)
            let pending = try await store.fetchPending(uaid)
            XCTAssertEqual(pending, [Update(channelID: channel(1), version: 2, data: "two")])
        }
    }

    func testEqualAndLowerVersionsAreStaleWhilePending() async {
        await onEveryBackend { store in
            try await registered(store, 1)
            _ = try await store.saveUpdate(uaid, channel: channel(1), version: 5, data: "five")
            let equal = try await store.saveUpdate(uaid, channel: channel(1), version: 5, data: "again")
            let lower = try await store.saveUpdate(uaid, channel: channel(1), version: 4, data: "four")
            XCTAssertEqual(equal, .stale)
            XCTAssertEqual(lower, .stale)
            let pending = try await store.fetchPending(uaid)
            XCTAssertEqual(pending, [Update(channelID: channel(1), version: 5, data: "five")])
        }
    }

    func testEqualAndLowerVersionsAreStaleAfterTheAck() async {
        await onEveryBackend { store in
            try await registered(store, 1)
            _ = try await store.saveUpdate(uaid, channel: channel(1), version: 5, data: nil)
            let acked = try await store.ack(uaid, channel: channel(1), version: 5)
            XCTAssertTrue(acked)
            let equal = try await store.saveUpdate(uaid, channel: channel(1), version: 5, data: nil)
            let lower = try await store.saveUpdate(uaid, channel: channel(1), version: 3, data: nil)
            XCTAssertEqual(equal, .stale)
            XCTAssertEqual(lower, .stale)
            let nothing = try await store.fetchPending(uaid)
            XCTAssertEqual(nothing, [])
            let higher = try await store.saveUpdate(uaid, channel: channel(1), version: 6, data: nil)
            XCTAssertEqual(higher, .saved)
        }
    }

    func testVersionsCoverTheWholeNonNegativeRange() async {
        await onEveryBackend { store in
            try await registered(store, 1)
            let zero = try await store.saveUpdate(uaid, channel: channel(1), version: 0, data: nil)
            XCTAssertEqual(zero, .saved, "the first version may be 0")
            let largest = try await store.saveUpdate(uaid, channel: channel(1), version: .max, data: nil)
            XCTAssertEqual(largest, .saved)
            let pending = try await store.fetchPending(uaid)
            XCTAssertEqual(pending.map(\.version), [.max])
            let afterMax = try await store.saveUpdate(uaid, channel: channel(1), version: .max, data: nil)
            XCTAssertEqual(afterMax, .stale)
        }
    }

    func testSavingWithoutDataClearsThePreviousData() async {
        await onEveryBackend { store in
            try await registered(store, 1)
            _ = try await store.saveUpdate(uaid, channel: channel(1), version: 1, data: "one")
            _ = try await store.saveUpdate(uaid, channel: channel(1), version: 2, data: nil)
            let pending = try await store.fetchPending(uaid)
            XCTAssertEqual(pending, [Update(channelID: channel(1), version: 2, data: nil)])
        }
    }

    func testDataIsStoredExactly() async {
        await onEveryBackend { store in
            let samples = ["", "a=b&c=d", "ünïcødé \"quoted\" 'single' \\ 🚀\n", String(repeating: "x", count: 4096)]
            try await registered(store, 1)
            for (index, sample) in samples.enumerated() {
                _ = try await store.saveUpdate(uaid, channel: channel(1), version: Version(index + 1), data: sample)
                let pending = try await store.fetchPending(uaid)
                XCTAssertEqual(pending.first?.data, sample)
            }
        }
    }
}
