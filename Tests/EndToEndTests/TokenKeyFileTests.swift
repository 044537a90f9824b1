import Foundation
import XCTest

/// The token key file is made only when absent. Any other trouble with it stops start-up: a new
/// key would silently turn every endpoint URL already issued into a 404.
final class TokenKeyFileTests: EndToEndTestCase {
    /// Runs `serve` with the key file at `keyFile` and returns its exit status and console output;
    /// fails when it is still running after a few seconds (it started instead of refusing).
    private func serveExpectingExit(keyFile: URL, in directory: URL) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try ServerProcess.binaryURL()
        process.currentDirectoryURL = directory
        process.arguments = ["serve", "--storage", "memory", "--ws-addr", "127.0.0.1:0", "--endpoint-addr", "127.0.0.1:0"]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIMPLEPUSH_") }
        environment["SIMPLEPUSH_DEFAULT_TOKEN_KEY_FILE"] = keyFile.path
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw TestFailure("the server started with an unusable key file")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, text)
    }

    func testAnUnusableKeyFileStopsStartUpAndIsLeftAlone() throws {
        let directory = try makeScratchDirectory()
        let cases: [(String, Data?)] = [
            ("a directory", nil),
            ("not UTF-8", Data([0xC3, 0x28, 0xFF, 0x0A])),
            ("empty", Data()),
            ("not a key", Data("hello\n".utf8)),
        ]
        for (index, (what, contents)) in cases.enumerated() {
            let keyFile = directory.appendingPathComponent("key-\(index)")
            if let contents {
                try contents.write(to: keyFile)
            } else {
                try FileManager.default.createDirectory(at: keyFile, withIntermediateDirectories: false)
            }
            let (status, output) = try serveExpectingExit(keyFile: keyFile, in: directory)
            XCTAssertNotEqual(status, 0, "\(what): \(output)")
            XCTAssertTrue(output.contains("token key file"), "\(what): the message should name the key file: \(output)")
            if let contents {
                XCTAssertEqual(try Data(contentsOf: keyFile), contents, "\(what): the file must not be replaced")
            }
        }
    }

    func testAMissingKeyFileIsCreatedPrivateAndReusedOnRestart() throws {
        let directory = try makeScratchDirectory()
        let keyFile = directory.appendingPathComponent("fresh.key")
        let environment = ["SIMPLEPUSH_DEFAULT_TOKEN_KEY_FILE": keyFile.path]
        let first = try startServer(.storage(.memory), environment: environment, directory: directory)
        let device = try registeredDevice(on: first)
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile.path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let key = try String(contentsOf: keyFile, encoding: .utf8)
        first.kill()
        _ = try first.waitForExit(timeout: 5)
        let second = try startServer(.storage(.memory), environment: environment, directory: directory)
        XCTAssertEqual(try String(contentsOf: keyFile, encoding: .utf8), key, "an existing key is kept")
        // The same key opens the token made before the restart (memory storage forgot the channel: 410, not 404).
        let response = try HTTPTestClient.put(second.updateURL(token: token(of: device.endpoint)), version: "1")
        assertStatus(response, 410, "PUT with a token from before the restart")
    }
}
