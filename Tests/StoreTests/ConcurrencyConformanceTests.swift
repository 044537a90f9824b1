import PushCore
import Store
import XCTest

/// Each call is atomic: racing calls never undo one another's effect.
final class ConcurrencyConformanceTests: StoreConformanceTestCase {
    func testConcurrentSavesEndWithTheHighestVersion() async {
        await onEveryBackend { store in
            let uaid = device(1)
            _ = try await store.register(uaid, channel: channel(1), maxChannels: 10)
            let versions = (1...64).map(Version.init).shuffled()
            let saved = try await withThrowingTaskGroup(of: SaveResult.self) { group in
                for version in versions {
                    group.addTask {
                        try await store.saveUpdate(uaid, channel: channel(1), version: version, data: "v\(version)")
                    }
                }
                return try await group.reduce(0) { count, result in count + (result == .saved ? 1 : 0) }
            }
            XCTAssertGreaterThanOrEqual(saved, 1)
            let pending = try await store.fetchPending(uaid)
            XCTAssertEqual(pending, [Update(channelID: channel(1), version: 64, data: "v64")])
        }
    }

    func testConcurrentRegistrationsRespectTheLimit() async {
        await onEveryBackend { store in
            let uaid = device(1)
            let registered = try await withThrowingTaskGroup(of: RegisterResult.self) { group in
                for n in 1...30 {
                    group.addTask { try await store.register(uaid, channel: channel(n), maxChannels: 10) }
                }
                return try await group.reduce(0) { count, result in count + (result == .registered ? 1 : 0) }
            }
            XCTAssertEqual(registered, 10)
            var stored = 0
            for n in 1...30 {
                let result = try await store.saveUpdate(uaid, channel: channel(n), version: 1, data: nil)
                stored += result == .saved ? 1 : 0
            }
            XCTAssertEqual(stored, 10)
        }
    }
}
