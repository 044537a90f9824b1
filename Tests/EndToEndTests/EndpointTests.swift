import Foundation
import PushCore
import XCTest

/// The app-server side: PUT /update/<token> answers, token checks, methods, and health.
final class EndpointTests: EndToEndTestCase {
    func testPutToConnectedDeviceAnswers200JSONAndDeliversAtOnce() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        let response = try HTTPTestClient.put(device.endpoint, version: "3")
        assertStatus(response, 200, "PUT to a connected device")
        XCTAssertTrue(response.header("Content-Type")?.hasPrefix("application/json") == true, "\(response.head.headers)")
        XCTAssertTrue(try response.jsonObject().isEmpty, "\(response)")
        XCTAssertEqual(try device.client.receiveNotification(timeout: 1), [ReceivedUpdate(channelID: device.channelID, version: 3)])
    }

    func testPutToOfflineDeviceAnswers202JSON() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        device.client.close()
        let response = try HTTPTestClient.put(device.endpoint, version: "3")
        assertStatus(response, 202, "PUT to an offline device")
        XCTAssertTrue(response.header("Content-Type")?.hasPrefix("application/json") == true, "\(response.head.headers)")
        XCTAssertTrue(try response.jsonObject().isEmpty, "\(response)")
    }

    func testInvalidVersionsAre400() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        for version in ["-1", "1.5", "abc"] {
            let response = try HTTPTestClient.put(device.endpoint, version: version)
            assertStatus(response, 400, "PUT version=\(version)")
            XCTAssertTrue(response.text.contains("Invalid Version"), "PUT version=\(version) -> \(response)")
        }
        try device.client.expectNoMessage(for: 0.3)
    }

    func testGarbageTokenIs404() throws {
        let server = try startServer()
        for token in ["garbage", "AAAA", String(repeating: "A", count: 120)] {
            assertStatus(try HTTPTestClient.put(server.updateURL(token: token), version: "1"), 404, "PUT to token \(token)")
        }
    }

    func testTokenWithOneCharacterChangedIs404() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        var characters = Array(token(of: device.endpoint))
        // A middle character carries six full bits, so changing it always changes the bytes.
        let middle = characters.count / 2
        characters[middle] = characters[middle] == "A" ? "B" : "A"
        let tampered = server.updateURL(token: String(characters))
        assertStatus(try HTTPTestClient.put(tampered, version: "1"), 404, "PUT to tampered token")
        try device.client.expectNoMessage(for: 0.3)
    }

    func testTokenSealedWithAnotherKeyIs404() throws {
        let server = try startServer()
        let foreign = try EndpointTokenCodec(encodedKeys: [EndpointTokenCodec.generateKey()])
        let token = foreign.seal(uaid: .random(), channel: ChannelID(newChannelID())!)
        assertStatus(try HTTPTestClient.put(server.updateURL(token: token), version: "1"), 404, "PUT with a foreign key's token")
    }

    /// SQLite keeps every record, so a device it has none of is gone (410). memcached may have
    /// lost it: the update is kept for the device's next hello (202).
    func testAuthenticTokenForUnknownDeviceIs410WhereTheStoreKnows() throws {
        let key = EndpointTokenCodec.generateKey()
        let server = try startServer(environment: ["SIMPLEPUSH_DEFAULT_TOKEN_KEYS": key])
        let token = try EndpointTokenCodec(encodedKeys: [key]).seal(uaid: .random(), channel: ChannelID(newChannelID())!)
        assertStatus(try HTTPTestClient.put(server.updateURL(token: token), version: "1"), DefaultStorage.wantsMemcache ? 202 : 410,
                     "PUT for a device the store has no record of")
    }

    func testDataLongerThanMaxDataLenIs413() throws {
        let server = try startServer(environment: ["SIMPLEPUSH_DEFAULT_MAX_DATA_LEN": "100"])
        let device = try registeredDevice(on: server)
        let tooLong = String(repeating: "x", count: 101)
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "1", data: tooLong), 413, "PUT with 101 bytes of data")
        try device.client.expectNoMessage(for: 0.3)

        let atLimit = String(repeating: "y", count: 100)
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "2", data: atLimit), 200, "PUT with 100 bytes of data")
        XCTAssertEqual(try device.client.receiveNotification(),
                       [ReceivedUpdate(channelID: device.channelID, version: 2, data: atLimit)])
    }

    func testOtherMethodsOnUpdateAre405() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        for method in ["GET", "POST", "DELETE"] {
            assertStatus(try HTTPTestClient.request(method, url: device.endpoint), 405, "\(method) on the endpoint")
        }
        try device.client.expectNoMessage(for: 0.3)
    }

    func testOptionsOnUpdateIs200() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        assertStatus(try HTTPTestClient.request("OPTIONS", url: device.endpoint), 200, "OPTIONS on the endpoint")
    }

    func testOptionsCarriesCORSHeadersWhenEnabled() throws {
        let server = try startServer(environment: ["SIMPLEPUSH_ENDPOINT_ENABLE_CORS": "true"])
        let device = try registeredDevice(on: server)
        let response = try HTTPTestClient.request("OPTIONS", url: device.endpoint,
                                                  headers: [("Origin", "https://app.example"),
                                                            ("Access-Control-Request-Method", "PUT")])
        assertStatus(response, 200, "OPTIONS with CORS enabled")
        XCTAssertNotNil(response.header("Access-Control-Allow-Origin"), "\(response.head.headers)")
    }

    func testStatusOnBothListenersCountsConnectedClients() throws {
        let server = try startServer()
        for port in [server.webSocketPort, server.endpointPort] {
            let status = try statusObject(port: port)
            XCTAssertEqual(status["status"] as? String, "OK", jsonText(status))
            XCTAssertEqual(jsonInteger(status["clients"]), 0, jsonText(status))
            XCTAssertNotNil(status["version"] as? String, jsonText(status))
        }
        let (client, _) = try connectDevice(to: server)
        for port in [server.webSocketPort, server.endpointPort] {
            try waitForClients(1, port: port)
        }
        client.close()
        for port in [server.webSocketPort, server.endpointPort] {
            try waitForClients(0, port: port)
        }
    }

    func testRealStatusIs200() throws {
        let server = try startServer()
        let response = try HTTPTestClient.get("\(server.endpointBase)/realstatus/")
        assertStatus(response, 200, "GET /realstatus/")
        XCTAssertFalse(response.body.isEmpty, "\(response)")
    }

    func testMetricsAreServed() throws {
        let server = try startServer()
        let response = try HTTPTestClient.get("\(server.endpointBase)/metrics")
        assertStatus(response, 200, "GET /metrics")
        XCTAssertFalse(response.body.isEmpty, "\(response)")
    }

    func testGenkeyPrintsAUsableKey() throws {
        let (status, output) = try ServerProcess.runCommand(["genkey"])
        XCTAssertEqual(status, 0)
        let key = output.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertNoThrow(try EndpointTokenCodec(encodedKeys: [key]), "genkey printed \(output.debugDescription)")
        XCTAssertNotEqual(key, try ServerProcess.runCommand(["genkey"]).output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private func statusObject(port: Int) throws -> [String: Any] {
        let response = try HTTPTestClient.request("GET", port: port, path: "/status/")
        assertStatus(response, 200, "GET /status/ on port \(port)")
        return try response.jsonObject()
    }

    /// The count follows connections asynchronously, so it is polled briefly.
    private func waitForClients(_ expected: Int64, port: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let deadline = Deadline(seconds: 2)
        var last: [String: Any] = [:]
        repeat {
            last = try statusObject(port: port)
            if jsonInteger(last["clients"]) == expected { return }
            usleep(50_000)
        } while !deadline.hasPassed
        XCTFail("status on port \(port) never showed clients=\(expected); last \(jsonText(last))", file: file, line: line)
    }
}
