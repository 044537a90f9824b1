import Foundation
import XCTest

/// SIGHUP re-reads the `--config` file: live keys change at once, existing connections stay,
/// and keys that need a restart are named in the log.
final class OperationsReloadTests: EndToEndTestCase {
    func testSIGHUPAppliesLevelAndOriginsLiveAndNamesRestartOnlyKeys() throws {
        let directory = try makeScratchDirectory()
        let configFile = directory.appendingPathComponent("simplepush.toml")
        try writeConfig(configFile, level: "info", origin: "https://a.example", workers: 1)
        let server = try startServer(.operated(configFile: configFile), directory: directory)

        let client = try server.connect(origin: "https://a.example")
        _ = try client.hello()
        let channelID = newChannelID()
        let endpoint = try client.register(channelID)
        XCTAssertFalse(server.console.contains("connection opened"), "a debug line at level info:\n\(server.console)")

        try writeConfig(configFile, level: "debug", origin: "https://b.example", workers: 2)
        try server.signal(SIGHUP)
        let afterReload = try waitForFile(server.consoleFile, toShow: "the reload") {
            $0.contains("config reloaded") && $0.contains("config changes that need a restart")
        }
        let reloaded = lines(of: afterReload, containing: "config reloaded")
        XCTAssertTrue(reloaded.contains { $0.contains("logging.level") && $0.contains("websocket.origins") },
                      "reload line does not name the live changes: \(reloaded)")
        let restartOnly = lines(of: afterReload, containing: "config changes that need a restart")
        XCTAssertTrue(restartOnly.contains { $0.contains("websocket.workers") }, "restart-only keys: \(restartOnly)")
        XCTAssertFalse(restartOnly.contains { $0.contains("websocket.origins") }, "origins reported as needing a restart: \(restartOnly)")

        // The connection opened under the old origin list keeps working.
        try client.send(json: ["messageType": "ping"])
        XCTAssertTrue(try client.receiveJSON().isEmpty, "ping on the old connection not answered with {}")
        assertStatus(try HTTPTestClient.put(endpoint, version: "3"), 200, "PUT to the old connection")
        XCTAssertEqual(try client.receiveNotification(), [ReceivedUpdate(channelID: channelID, version: 3)])

        let refused = try HTTPTestClient.exchange(
            port: server.webSocketPort,
            rawRequest: WebSocketTestClient.upgradeRequest(port: server.webSocketPort, origin: "https://a.example"))
        XCTAssertEqual(refused.status, 403, "upgrade from the origin removed by the reload -> \(refused)")
        let newcomer = try server.connect(origin: "https://b.example")
        _ = try newcomer.hello()

        try waitForFile(server.consoleFile, toShow: "a debug line for the new connection") { text in
            !lines(of: text, containing: "connection opened").filter { $0.contains(" debug ") }.isEmpty
        }
        XCTAssertTrue(server.isRunning, "SIGHUP stopped the server")
    }

    private func writeConfig(_ file: URL, level: String, origin: String, workers: Int) throws {
        let text = """
            [websocket]
            origins = ["\(origin)"]
            workers = \(workers)

            [logging]
            level = "\(level)"
            """
        try text.write(to: file, atomically: true, encoding: .utf8)
    }
}

private func lines(of text: String, containing needle: String) -> [String] {
    text.split(separator: "\n").map(String.init).filter { $0.contains(needle) }
}
