import Foundation
import XCTest

/// memcached going away mid-run: PUTs fail fast with 503 and Retry-After, /realstatus/ says so,
/// connected devices stay connected, and everything works again once memcached is back.
final class MemcachedOutageTests: MemcachedEndToEndTestCase {
    func testOutageAnswers503AndTheServerRecoversByItself() throws {
        let server = try startMemcachedServer()
        let device = try registeredDevice(on: server)
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "1"), 200, "PUT before the outage")
        _ = try device.client.receiveNotification()
        assertStatus(try HTTPTestClient.get("\(server.endpointBase)/realstatus/"), 200, "GET /realstatus/ before the outage")

        memcached.stop()
        for version in 2 ... 3 {
            let started = Date()
            let response = try HTTPTestClient.put(device.endpoint, version: String(version))
            let elapsed = Date().timeIntervalSince(started)
            assertStatus(response, 503, "PUT while memcached is down")
            XCTAssertGreaterThan(Int(response.header("Retry-After") ?? "") ?? 0, 0, "Retry-After on \(response)")
            XCTAssertLessThan(elapsed, 2.5, "the 503 must come fast, not after a pile of timeouts")
        }
        let status = try HTTPTestClient.get("\(server.endpointBase)/realstatus/")
        assertStatus(status, 503, "GET /realstatus/ while memcached is down")
        let store = try status.jsonObject()["store"] as? [String: Any]
        XCTAssertEqual(store?["status"] as? String, "NOT OK", status.description)
        XCTAssertTrue((store?["error"] as? String ?? "").contains(memcached.address), "the error names the server: \(status)")

        // The device's connection is untouched: it still gets answers that need no store.
        try device.client.send(text: "{}")
        XCTAssertEqual(jsonText(try device.client.receiveJSON()), "{}")

        try memcached.restart()
        let deadline = Deadline(seconds: 10)
        var recovered = false
        while !recovered && !deadline.hasPassed {
            recovered = try HTTPTestClient.get("\(server.endpointBase)/realstatus/").status == 200
            if !recovered { usleep(200_000) }
        }
        XCTAssertTrue(recovered, "/realstatus/ did not turn 200 within 10 s of memcached's return")

        // A restarted memcached is empty, but it does not know the channel was unregistered: the
        // PUT brings the device's record back and reaches the device still connected (never 410,
        // which would make the app server delete a subscription that works).
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "4"), 200, "PUT for a registration memcached lost")
        XCTAssertEqual(try device.client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 4)])
        let channelID = newChannelID()
        let endpoint = try device.client.register(channelID)
        assertStatus(try HTTPTestClient.put(endpoint, version: "1", data: "back"), 200, "PUT after the recovery")
        XCTAssertEqual(try device.client.receiveNotification(), [ReceivedUpdate(channelID: channelID, version: 1, data: "back")])
    }
}
