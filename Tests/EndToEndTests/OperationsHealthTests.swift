import Foundation
import XCTest

/// The health routes load balancers and monitoring poll: status codes and JSON shapes.
final class OperationsHealthTests: EndToEndTestCase {
    func testHealthRoutesAnswerWithTheirShapes() throws {
        let server = try startServer()
        // One device, so `clients` is a count that can be wrong rather than a default zero.
        let (client, _) = try connectDevice(to: server)

        let status = try healthObject(server, "/status/")
        XCTAssertEqual(Set(status.keys), ["status", "clients", "version"], jsonText(status))
        XCTAssertEqual(status["status"] as? String, "OK", jsonText(status))
        XCTAssertEqual(jsonInteger(status["clients"]), 1, jsonText(status))
        let binaryVersion = try ServerProcess.runCommand(["--version"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(status["version"] as? String, binaryVersion, jsonText(status))

        let realStatus = try healthObject(server, "/realstatus/")
        XCTAssertEqual(Set(realStatus.keys), ["status", "clients", "version", "store"], jsonText(realStatus))
        XCTAssertEqual(realStatus["status"] as? String, "OK", jsonText(realStatus))
        XCTAssertEqual(jsonInteger(realStatus["clients"]), 1, jsonText(realStatus))
        XCTAssertEqual(realStatus["version"] as? String, binaryVersion, jsonText(realStatus))
        XCTAssertTrue(jsonEqual(realStatus["store"], ["status": "OK"]), jsonText(realStatus))

        for alias in ["/health", "/__heartbeat__"] {
            let object = try healthObject(server, alias)
            XCTAssertTrue(jsonEqual(object, realStatus), "\(alias) \(jsonText(object)) differs from /realstatus/ \(jsonText(realStatus))")
        }

        let lbHeartbeat = try healthObject(server, "/__lbheartbeat__")
        XCTAssertTrue(lbHeartbeat.isEmpty, jsonText(lbHeartbeat))

        let version = try healthObject(server, "/__version__")
        XCTAssertTrue(jsonEqual(version, ["name": "simplepush", "version": binaryVersion]), jsonText(version))

        client.close()
        try waitForClients(0, server)
    }

    /// GETs a route on the endpoint listener; it must answer 200 with a JSON object.
    private func healthObject(_ server: ServerProcess, _ path: String,
                              file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let response = try HTTPTestClient.request("GET", port: server.endpointPort, path: path)
        assertStatus(response, 200, "GET \(path)", file: file, line: line)
        XCTAssertTrue(response.header("Content-Type")?.hasPrefix("application/json") == true,
                      "GET \(path) Content-Type \(response.header("Content-Type") ?? "missing")", file: file, line: line)
        return try response.jsonObject()
    }

    /// The count follows disconnections asynchronously, so it is polled briefly.
    private func waitForClients(_ expected: Int64, _ server: ServerProcess,
                                file: StaticString = #filePath, line: UInt = #line) throws {
        let deadline = Deadline(seconds: 2)
        var last: [String: Any] = [:]
        repeat {
            last = try healthObject(server, "/status/", file: file, line: line)
            if jsonInteger(last["clients"]) == expected { return }
            usleep(20_000)
        } while !deadline.hasPassed
        XCTFail("/status/ never showed clients=\(expected); last \(jsonText(last))", file: file, line: line)
    }
}
