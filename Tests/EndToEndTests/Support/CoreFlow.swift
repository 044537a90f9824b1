import Foundation
import XCTest

extension EndToEndTestCase {
    /// The core SimplePush flow on one server, whatever its store: live delivery and ack, an
    /// update stored while the device is away and delivered on its return, no second delivery of
    /// what was acked, versions that only move forward, and unregister.
    func assertCoreFlow(on server: ServerProcess) throws {
        let device = try registeredDevice(on: server)
        XCTAssertTrue(device.endpoint.hasPrefix("\(server.endpointBase)/update/"), device.endpoint)

        assertStatus(try HTTPTestClient.put(device.endpoint, version: "1", data: "live"), 200, "PUT live")
        XCTAssertEqual(try device.client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 1, data: "live")])
        try device.client.ack([(device.channelID, 1)])
        try device.client.barrier(channelID: device.channelID)
        device.client.close()

        assertStatus(try HTTPTestClient.put(device.endpoint, version: "5", data: "stored"), 202, "PUT while offline")
        let (back, uaid) = try connectDevice(to: server, uaid: device.uaid, channelIDs: [device.channelID])
        XCTAssertEqual(uaid, device.uaid, "the store knows the device")
        XCTAssertEqual(try back.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 5, data: "stored")])
        try back.ack([(device.channelID, 5)])
        try back.barrier(channelID: device.channelID)
        back.close()

        let (client, _) = try connectDevice(to: server, uaid: device.uaid, channelIDs: [device.channelID])
        try client.expectNoMessage(for: 0.5)

        // Versions only move forward: equal and lower ones are answered 200 and dropped.
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "5", data: "replay"), 200, "PUT same version")
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "3", data: "older"), 200, "PUT lower version")
        try client.expectNoMessage(for: 0.5)
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "6"), 200, "PUT newer version")
        XCTAssertEqual(try client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 6, data: nil)])
        try client.ack([(device.channelID, 6)])

        try client.unregister(device.channelID)
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "7"), 410, "PUT after unregister")
        client.close()

        let (last, _) = try connectDevice(to: server, uaid: device.uaid, channelIDs: [])
        try last.expectNoMessage(for: 0.5)
    }
}
