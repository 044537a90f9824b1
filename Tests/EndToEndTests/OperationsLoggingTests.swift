import Foundation
import XCTest

/// `[logging]`: JSON lines to a file, one line per HTTP request with secrets left out, and
/// SIGUSR1 reopening the file after logrotate moved it.
final class OperationsLoggingTests: EndToEndTestCase {
    func testJSONLogFileHasTheRequestLineAndNoSecrets() throws {
        let directory = try makeScratchDirectory()
        let logFile = directory.appendingPathComponent("simplepush.json.log")
        // The most verbose level, so no line that could carry a secret is filtered out.
        let server = try startServer(.operated(), environment: [
            "SIMPLEPUSH_LOGGING_FORMAT": "json",
            "SIMPLEPUSH_LOGGING_OUTPUT": logFile.path,
            "SIMPLEPUSH_LOGGING_LEVEL": "trace",
        ], directory: directory)
        let client = try server.connect()
        _ = try client.hello()
        let channelID = newChannelID()
        let endpoint = try client.register(channelID)
        let data = "private-payload-\(UUID().uuidString)"
        assertStatus(try HTTPTestClient.put(endpoint, version: "7", data: data), 200, "PUT to a connected device")
        XCTAssertEqual(try client.receiveNotification(), [ReceivedUpdate(channelID: channelID, version: 7, data: data)])

        func isPutLine(_ line: [String: Any]) -> Bool {
            logField(line, "message") == "request" && logField(line, "method") == "PUT"
        }
        let text = try waitForFile(logFile, toShow: "the PUT's request line") {
            (try? jsonLogLines($0))?.contains(where: isPutLine) == true
        }
        let lines = try jsonLogLines(text)
        let putLines = lines.filter(isPutLine)
        XCTAssertEqual(putLines.count, 1, "one request line per request:\n\(text)")
        if let put = putLines.first {
            XCTAssertEqual(logField(put, "path"), "/update/<token>", jsonText(put))
            XCTAssertEqual(logField(put, "status"), "200", jsonText(put))
            XCTAssertEqual(logField(put, "level"), "info", jsonText(put))
            XCTAssertFalse((logField(put, "hb.request.id") ?? "").isEmpty, jsonText(put))
            XCTAssertNotNil(logField(put, "ms").flatMap(Double.init), jsonText(put))
        }
        for line in lines {
            XCTAssertNotNil(logField(line, "time"), jsonText(line))
            XCTAssertNotNil(logField(line, "level"), jsonText(line))
            XCTAssertNotNil(logField(line, "message"), jsonText(line))
        }

        let key = try String(contentsOf: directory.appendingPathComponent("simplepush.key"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let secrets = ["endpoint token": token(of: endpoint), "update data": data, "token key": key]
        for (what, secret) in secrets {
            XCTAssertFalse(secret.isEmpty)
            XCTAssertFalse(text.contains(secret), "the \(what) appears in the log file:\n\(text)")
            XCTAssertFalse(server.console.contains(secret), "the \(what) appears on the console:\n\(server.console)")
        }
    }

    func testSIGUSR1ReopensTheLogFileAfterItWasMoved() throws {
        let directory = try makeScratchDirectory()
        let logFile = directory.appendingPathComponent("simplepush.log")
        let moved = directory.appendingPathComponent("simplepush.log.1")
        let server = try startServer(.operated(), environment: [
            "SIMPLEPUSH_LOGGING_FORMAT": "json",
            "SIMPLEPUSH_LOGGING_OUTPUT": logFile.path,
        ], directory: directory)

        try get(server, "/status/")
        try waitForFile(logFile, toShow: "the request line for /status/") { requestPaths($0).contains("/status/") }
        try FileManager.default.moveItem(at: logFile, to: moved)

        try server.signal(SIGUSR1)
        try waitForFile(logFile, toShow: "a line written after the reopen") { $0.contains("log file reopened") }
        try get(server, "/__version__")
        try get(server, "/__lbheartbeat__")
        let fresh = try waitForFile(logFile, toShow: "the request lines made after the reopen") {
            Set(requestPaths($0)).isSuperset(of: ["/__version__", "/__lbheartbeat__"])
        }
        let old = try String(contentsOf: moved, encoding: .utf8)

        XCTAssertEqual(requestPaths(old), ["/status/"], "the moved file:\n\(old)")
        XCTAssertFalse(old.contains("log file reopened"), "the moved file:\n\(old)")
        XCTAssertEqual(requestPaths(fresh), ["/__version__", "/__lbheartbeat__"], "the new file:\n\(fresh)")
        XCTAssertTrue(server.isRunning, "SIGUSR1 stopped the server")
    }

    private func get(_ server: ServerProcess, _ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let response = try HTTPTestClient.request("GET", port: server.endpointPort, path: path)
        assertStatus(response, 200, "GET \(path)", file: file, line: line)
    }
}

/// The paths of the request lines in a JSON log, in order; lines that do not parse are skipped
/// here (the JSON test checks every line parses).
private func requestPaths(_ text: String) -> [String] {
    text.split(separator: "\n").compactMap { line in
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              logField(object, "message") == "request" else { return nil }
        return logField(object, "path")
    }
}
