import ConfigFile
import ConfigLoader
import Foundation
import PushCore
import TOMLKit
import XCTest

final class DefaultsAndSampleTests: XCTestCase {
    private var samplePath: String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config.sample.toml").path
    }

    func testNoFileGivesDefaults() throws {
        XCTAssertEqual(try ConfigLoader.load(path: nil, environment: ["HOME": "/root", "PATH": "/bin"]), ServerConfig())
    }

    func testEmptyFileGivesDefaults() throws {
        XCTAssertEqual(try loadTOML(""), ServerConfig())
    }

    func testSampleLoadsToDefaults() throws {
        XCTAssertEqual(try ConfigLoader.load(path: samplePath, environment: [:]), ServerConfig())
    }

    /// Every known key must be documented by being present in the sample.
    func testSampleSetsEveryKnownKey() throws {
        let sample = try TOMLTable(string: String(contentsOfFile: samplePath, encoding: .utf8))
        for entry in ConfigLoader.describe(ServerConfig()) {
            var node: TOMLValueConvertible? = sample
            for part in entry.key.split(separator: ".") {
                node = node?.table?[String(part)]
            }
            XCTAssertNotNil(node, "config.sample.toml lacks \(entry.key)")
        }
    }

    func testMissingNamedFileIsAnError() {
        let path = NSTemporaryDirectory() + "no-such-simplepush-\(UUID().uuidString).toml"
        XCTAssertThrowsError(try ConfigLoader.load(path: path, environment: [:])) { error in
            XCTAssertEqual((error as? ConfigError)?.description, "config file \"\(path)\" not found")
        }
    }

    func testFileOnDiskIsRead() throws {
        let path = NSTemporaryDirectory() + "simplepush-\(UUID().uuidString).toml"
        try "[storage]\ntype = \"memory\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertEqual(try ConfigLoader.load(path: path, environment: [:]).storage.type, .memory)
    }

    func testDescribeNamesKeysAndVariables() {
        let rows = ConfigLoader.describe(ServerConfig())
        let addr = rows.first { $0.key == "websocket.listener.addr" }
        XCTAssertEqual(addr?.environment, "SIMPLEPUSH_WEBSOCKET_LISTENER_ADDR")
        XCTAssertEqual(addr?.value, "127.0.0.1:8080")
        XCTAssertEqual(rows.first { $0.key == "websocket.client_hello_timeout" }?.value, "30s")
        XCTAssertEqual(Set(rows.map(\.key)).count, rows.count)
    }

    /// What describe prints must read back, as overrides, to the same config.
    func testDescribedValuesReadBack() throws {
        var config = ServerConfig()
        config.general.maxChannels = 7
        config.websocket.origins = ["https://a.example", "https://b.example"]
        config.websocket.clientHelloTimeout = 0.25
        config.websocket.handshakeTimeout = 90
        config.endpoint.enableCORS = true
        config.endpoint.url = "https://push.example/"
        config.endpoint.listener.address = "[::1]:9000"
        config.storage.type = .memory
        config.logging.level = .critical
        let overrides = Dictionary(uniqueKeysWithValues: ConfigLoader.describe(config).map { ($0.key, $0.value) })
        XCTAssertEqual(try ConfigLoader.load(path: nil, environment: [:], overrides: overrides), config)
    }

    func testDescribeHidesTokenKeys() throws {
        let key = sampleTokenKey(1)
        let config = try ConfigLoader.load(path: nil, environment: [:], overrides: ["default.token_keys": "\(key),\(sampleTokenKey(2))"])
        let shown = ConfigLoader.describe(config).first { $0.key == "default.token_keys" }?.value ?? ""
        XCTAssertFalse(shown.contains(key))
        XCTAssertTrue(shown.contains("2"), shown)
    }
}
