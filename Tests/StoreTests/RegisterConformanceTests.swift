import PushCore
import Store
import XCTest

final class RegisterConformanceTests: StoreConformanceTestCase {
    private let uaid = device(1)

    func testRegisterCreatesTheDevice() async {
        await onEveryBackend { store in
            let before = try await store.uaidExists(uaid)
            XCTAssertFalse(before)
            let result = try await store.register(uaid, channel: channel(1), maxChannels: 10)
            XCTAssertEqual(result, .registered)
            let after = try await store.uaidExists(uaid)
            XCTAssertTrue(after)
        }
    }

    func testRegisteringAgainKeepsTheVersions() async {
        await onEveryBackend { store in
            _ = try await store.register(uaid, channel: channel(1), maxChannels: 10)
            _ = try await store.saveUpdate(uaid, channel: channel(1), version: 5, data: "five")
            let again = try await store.register(uaid, channel: channel(1), maxChannels: 10)
            XCTAssertEqual(again, .registered)
            let pending = try await store.fetchPending(uaid)
            XCTAssertEqual(pending, [Update(channelID: channel(1), version: 5, data: "five")])
            let replay = try await store.saveUpdate(uaid, channel: channel(1), version: 5, data: nil)
            XCTAssertEqual(replay, .stale)
        }
    }

    func testNewChannelsBeyondTheLimitAreRefused() async {
        await onEveryBackend { store in
            let first = try await store.register(uaid, channel: channel(1), maxChannels: 2)
            let second = try await store.register(uaid, channel: channel(2), maxChannels: 2)
            let third = try await store.register(uaid, channel: channel(3), maxChannels: 2)
            XCTAssertEqual([first, second, third], [.registered, .registered, .tooManyChannels])

            // The refused channel was not stored, while a known one may be registered again.
            let save = try await store.saveUpdate(uaid, channel: channel(3), version: 1, data: nil)
            XCTAssertEqual(save, .unknownChannel)
            let known = try await store.register(uaid, channel: channel(1), maxChannels: 2)
            XCTAssertEqual(known, .registered)

            // Unregistering frees a place.
            try await store.unregister(uaid, channel: channel(2))
            let retry = try await store.register(uaid, channel: channel(3), maxChannels: 2)
            XCTAssertEqual(retry, .registered)
        }
    }

    func testARefusedFirstChannelDoesNotCreateTheDevice() async {
        await onEveryBackend { store in
            let result = try await store.register(uaid, channel: channel(1), maxChannels: 0)
            XCTAssertEqual(result, .tooManyChannels)
            let exists = try await store.uaidExists(uaid)
            XCTAssertFalse(exists)
        }
    }

    func testSavingToAnUnregisteredChannelIsUnknown() async {
        await onEveryBackend { store in
            let never = try await store.saveUpdate(uaid, channel: channel(1), version: 1, data: nil)
            // A store that may lose records cannot tell a device it never had from one it lost.
            XCTAssertEqual(never, store.mayLoseRecords ? .saved : .unknownChannel)

            _ = try await store.register(uaid, channel: channel(1), maxChannels: 10)
            _ = try await store.saveUpdate(uaid, channel: channel(1), version: 1, data: "one")
            try await store.unregister(uaid, channel: channel(1))
            let afterUnregister = try await store.saveUpdate(uaid, channel: channel(1), version: 2, data: nil)
            XCTAssertEqual(afterUnregister, .unknownChannel)
            let pending = try await store.fetchPending(uaid)
            XCTAssertEqual(pending, [], "unregister removes the pending update")
        }
    }

    func testUnregisteringUnknownChannelsIsNotAnError() async {
        await onEveryBackend { store in
            try await store.unregister(uaid, channel: channel(1))
            _ = try await store.register(uaid, channel: channel(1), maxChannels: 10)
            try await store.unregister(uaid, channel: channel(2))
            let kept = try await store.saveUpdate(uaid, channel: channel(1), version: 1, data: nil)
            XCTAssertEqual(kept, .saved, "unregistering another channel leaves this one")
        }
    }

    func testReRegisteringAfterUnregisterStartsAfresh() async {
        await onEveryBackend { store in
            _ = try await store.register(uaid, channel: channel(1), maxChannels: 10)
            _ = try await store.saveUpdate(uaid, channel: channel(1), version: 5, data: "five")
            try await store.unregister(uaid, channel: channel(1))

            let again = try await store.register(uaid, channel: channel(1), maxChannels: 10)
            XCTAssertEqual(again, .registered)
            let pending = try await store.fetchPending(uaid)
            XCTAssertEqual(pending, [])
            // Unregistering forgot the channel's versions too.
            let lower = try await store.saveUpdate(uaid, channel: channel(1), version: 1, data: nil)
            XCTAssertEqual(lower, .saved)
        }
    }
}
