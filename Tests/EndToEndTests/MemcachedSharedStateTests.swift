import Foundation
import PushCore
import XCTest

/// Two server processes on one memcached, sharing the token key: what one stores the other
/// reads. (Without `[router]` they do not deliver to each other's devices: FleetTests.)
final class MemcachedSharedStateTests: MemcachedEndToEndTestCase {
    func testTwoServersShareDevicesChannelsAndVersions() throws {
        let sharedKey = ["SIMPLEPUSH_DEFAULT_TOKEN_KEYS": EndpointTokenCodec.generateKey()]
        let a = try startMemcachedServer(environment: sharedKey)
        let b = try startMemcachedServer(environment: sharedKey)

        let device = try registeredDevice(on: a)
        device.client.close()
        let token = token(of: device.endpoint)

        // Registered through a, updated through b's endpoint, delivered when the device comes back to b.
        assertStatus(try HTTPTestClient.put(b.updateURL(token: token), version: "10", data: "via b"), 202, "PUT to b")
        let (onB, uaidOnB) = try connectDevice(to: b, uaid: device.uaid, channelIDs: [device.channelID])
        XCTAssertEqual(uaidOnB, device.uaid, "b knows the device a registered")
        XCTAssertEqual(try onB.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 10, data: "via b")])
        try onB.ack([(device.channelID, 10)])
        try onB.barrier(channelID: device.channelID)
        onB.close()

        // Updated through a, delivered when the device is back on a; b's ack counted there.
        assertStatus(try HTTPTestClient.put(a.updateURL(token: token), version: "11", data: "via a"), 202, "PUT to a")
        let (onA, _) = try connectDevice(to: a, uaid: device.uaid, channelIDs: [device.channelID])
        XCTAssertEqual(try onA.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 11, data: "via a")])
        try onA.ack([(device.channelID, 11)])
        try onA.barrier(channelID: device.channelID)

        // Versions move forward across nodes: b refuses what a already went past.
        assertStatus(try HTTPTestClient.put(b.updateURL(token: token), version: "10", data: "old"), 200, "stale PUT to b")
        try onA.unregister(device.channelID)
        onA.close()
        assertStatus(try HTTPTestClient.put(b.updateURL(token: token), version: "12"), 410, "PUT to b after unregister on a")

        let (again, _) = try connectDevice(to: b, uaid: device.uaid, channelIDs: [])
        try again.expectNoMessage(for: 0.5)
    }
}
