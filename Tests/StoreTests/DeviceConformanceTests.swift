import PushCore
import Store
import XCTest

/// Device lifetime, isolation between devices, and health.
final class DeviceConformanceTests: StoreConformanceTestCase {
    func testDropForgetsTheDeviceAndItsChannels() async {
        await onEveryBackend { store in
            let uaid = device(1)
            for n in 1...2 {
                _ = try await store.register(uaid, channel: channel(n), maxChannels: 2)
                _ = try await store.saveUpdate(uaid, channel: channel(n), version: 3, data: "three")
            }
            try await store.drop(uaid)

            let exists = try await store.uaidExists(uaid)
            XCTAssertFalse(exists)
            let pending = try await store.fetchPending(uaid)
            XCTAssertEqual(pending, [])
            let save = try await store.saveUpdate(uaid, channel: channel(1), version: 4, data: nil)
            XCTAssertEqual(save, .unknownChannel)
            // The channel count starts over, and so do the versions.
            let again = try await store.register(uaid, channel: channel(3), maxChannels: 1)
            XCTAssertEqual(again, .registered)
            _ = try await store.register(uaid, channel: channel(1), maxChannels: 2)
            let lower = try await store.saveUpdate(uaid, channel: channel(1), version: 1, data: nil)
            XCTAssertEqual(lower, .saved)
        }
    }

    func testDroppingAnUnknownDeviceIsNotAnError() async {
        await onEveryBackend { store in
            try await store.drop(device(1))
            let exists = try await store.uaidExists(device(1))
            XCTAssertFalse(exists)
        }
    }

    func testADeviceOutlivesItsLastChannel() async {
        await onEveryBackend { store in
            let uaid = device(1)
            _ = try await store.register(uaid, channel: channel(1), maxChannels: 10)
            try await store.unregister(uaid, channel: channel(1))
            let exists = try await store.uaidExists(uaid)
            XCTAssertTrue(exists)
        }
    }

    func testDevicesDoNotShareChannels() async {
        await onEveryBackend { store in
            let (a, b) = (device(1), device(2))
            // The same channel id under both devices, each at its own limit of one.
            let registeredA = try await store.register(a, channel: channel(1), maxChannels: 1)
            let registeredB = try await store.register(b, channel: channel(1), maxChannels: 1)
            XCTAssertEqual([registeredA, registeredB], [.registered, .registered])

            _ = try await store.saveUpdate(a, channel: channel(1), version: 5, data: "for a")
            let pendingB = try await store.fetchPending(b)
            XCTAssertEqual(pendingB, [])
            let saveB = try await store.saveUpdate(b, channel: channel(1), version: 1, data: "for b")
            XCTAssertEqual(saveB, .saved, "a's versions do not make b's stale")

            let ackedB = try await store.ack(b, channel: channel(1), version: 10)
            XCTAssertTrue(ackedB)
            try await store.unregister(b, channel: channel(1))
            let pendingA = try await store.fetchPending(a)
            XCTAssertEqual(pendingA, [Update(channelID: channel(1), version: 5, data: "for a")])

            try await store.drop(a)
            let existsB = try await store.uaidExists(b)
            XCTAssertTrue(existsB)
            let existsOther = try await store.uaidExists(device(3))
            XCTAssertFalse(existsOther)
        }
    }

    func testHealthCheckPassesOnAnOpenStore() async {
        await onEveryBackend { store in
            try await store.healthCheck()
        }
    }
}
