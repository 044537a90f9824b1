import PushCore
import SimplePush
import Store
import StoreMemory
import XCTest

final class HelloResolverTests: XCTestCase {
    private let maxChannels = 3

    private func resolve(_ requested: UAID?, channels: Int, in store: MemoryStore) async throws -> UAID {
        try await HelloResolver.resolve(requested: requested, channelCount: channels, maxChannels: maxChannels, store: store)
    }

    /// A store where `Sample.uaid` is known, with `count` registered channels.
    private func storeKnowingSample(channels count: Int = 1) async throws -> MemoryStore {
        let store = MemoryStore()
        for n in 0..<count {
            let channel = ChannelID(String(format: "%08x-0000-4000-8000-000000000000", n))!
            let result = try await store.register(Sample.uaid, channel: channel, maxChannels: 10)
            XCTAssertEqual(result, .registered)
        }
        return store
    }

    func testNoUAIDGetsAFreshRandomOne() async throws {
        let store = MemoryStore()
        let first = try await resolve(nil, channels: 0, in: store)
        let second = try await resolve(nil, channels: 0, in: store)
        let third = try await resolve(nil, channels: 2, in: store)
        XCTAssertEqual(Set([first, second, third]).count, 3, "each new device needs its own id")
    }

    func testAKnownUAIDWithChannelsIsKept() async throws {
        let store = try await storeKnowingSample()
        let resolved = try await resolve(Sample.uaid, channels: 1, in: store)
        XCTAssertEqual(resolved, Sample.uaid)
        let stillKnown = try await store.uaidExists(Sample.uaid)
        XCTAssertTrue(stillKnown)
    }

    func testAKnownUAIDWithExactlyMaxChannelsIsKept() async throws {
        let store = try await storeKnowingSample(channels: maxChannels)
        let resolved = try await resolve(Sample.uaid, channels: maxChannels, in: store)
        XCTAssertEqual(resolved, Sample.uaid)
        let stillKnown = try await store.uaidExists(Sample.uaid)
        XCTAssertTrue(stillKnown)
    }

    func testAnUnknownUAIDWithChannelsIsReplaced() async throws {
        let store = MemoryStore()
        let resolved = try await resolve(Sample.uaid, channels: 2, in: store)
        XCTAssertNotEqual(resolved, Sample.uaid)
    }

    func testAnUnknownUAIDWithoutChannelsIsKept() async throws {
        let store = MemoryStore()
        let resolved = try await resolve(Sample.uaid, channels: 0, in: store)
        XCTAssertEqual(resolved, Sample.uaid)
    }

    func testMoreChannelsThanTheMaximumReplacesTheUAIDAndDropsItsData() async throws {
        let store = try await storeKnowingSample(channels: 2)
        let channel = ChannelID("00000000-0000-4000-8000-000000000000")!
        let saved = try await store.saveUpdate(Sample.uaid, channel: channel, version: 5, data: "x")
        XCTAssertEqual(saved, .saved)

        let resolved = try await resolve(Sample.uaid, channels: maxChannels + 1, in: store)

        XCTAssertNotEqual(resolved, Sample.uaid)
        let stillKnown = try await store.uaidExists(Sample.uaid)
        XCTAssertFalse(stillKnown, "the old device's data must be dropped")
        let pending = try await store.fetchPending(Sample.uaid)
        XCTAssertEqual(pending, [])
    }

    func testIssuedUAIDsAreNotKnownToTheStore() async throws {
        let store = try await storeKnowingSample()
        let resolved = try await resolve(nil, channels: 0, in: store)
        let known = try await store.uaidExists(resolved)
        XCTAssertFalse(known)
    }
}
