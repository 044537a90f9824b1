import Foundation
import XCTest

/// A device that vanished (no FIN, no reset: a NAT that forgot it, a phone out of coverage) is
/// found by the idle ping and dropped, and updates for it are stored again instead of being
/// answered "delivered" for ever.
final class DeadConnectionTests: EndToEndTestCase {
    private let quickIdle = ["SIMPLEPUSH_WEBSOCKET_CLIENT_IDLE_TIMEOUT": "1s", "SIMPLEPUSH_WEBSOCKET_CLIENT_PONG_TIMEOUT": "1s"]

    func testADeviceThatStopsAnsweringIsDroppedAndItsUpdatesAreStored() throws {
        let server = try startServer(environment: quickIdle)
        let device = try registeredDevice(on: server)
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "1"), 200, "PUT while connected")
        // The device reads nothing from now on, so it answers no ping.
        let deadline = Date().addingTimeInterval(8)
        var status = 200
        while status == 200 && Date() < deadline {
            usleep(250_000)
            status = try HTTPTestClient.put(device.endpoint, version: String(unixNow())).status
        }
        XCTAssertEqual(status, 202, "updates for a dead device must be stored, not answered as delivered")
        let health = try HTTPTestClient.get(server.endpointBase + "/status/")
        XCTAssertTrue(health.text.contains(#""clients":0"#), health.text)
    }

    func testADeviceThatAnswersPingsStaysConnected() throws {
        let server = try startServer(environment: quickIdle)
        let device = try registeredDevice(on: server)
        // Reading answers the server's pings (the test client pongs as browsers do).
        try device.client.expectNoMessage(for: 4)
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "7"), 200, "PUT after 4 quiet seconds")
        XCTAssertEqual(try device.client.receiveNotification().first?.version, 7)
    }
}
