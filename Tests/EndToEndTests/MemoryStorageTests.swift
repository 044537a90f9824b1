import Foundation
import XCTest

/// The core flow once more on the in-memory store.
final class MemoryStorageTests: EndToEndTestCase {
    func testCoreFlowWithMemoryStorage() throws {
        let server = try startServer(storage: .memory)
        let device = try registeredDevice(on: server)
        XCTAssertTrue(device.endpoint.hasPrefix("\(server.endpointBase)/update/"), device.endpoint)

        assertStatus(try HTTPTestClient.put(device.endpoint, version: "1", data: "live"), 200, "PUT live")
        XCTAssertEqual(try device.client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 1, data: "live")])
        try device.client.ack([(device.channelID, 1)])
        try device.client.barrier(channelID: device.channelID)
        device.client.close()

        assertStatus(try HTTPTestClient.put(device.endpoint, version: "2", data: "stored"), 202, "PUT while offline")
        let (client, uaid) = try connectDevice(to: server, uaid: device.uaid, channelIDs: [device.channelID])
        XCTAssertEqual(uaid, device.uaid)
        XCTAssertEqual(try client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 2, data: "stored")])
        try client.ack([(device.channelID, 2)])
        try client.barrier(channelID: device.channelID)
        client.close()

        let (last, _) = try connectDevice(to: server, uaid: device.uaid, channelIDs: [device.channelID])
        try last.expectNoMessage(for: 0.5)
    }
}
