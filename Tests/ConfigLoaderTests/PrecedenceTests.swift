import ConfigLoader
import PushCore
import XCTest

/// Defaults < file < environment < overrides, and the text forms they share.
final class PrecedenceTests: XCTestCase {
    private let file = """
        [websocket.listener]
        addr = "127.0.0.1:1000"
        [storage]
        type = "memory"
        """

    func testEnvironmentBeatsFile() throws {
        let config = try loadTOML(file, environment: ["SIMPLEPUSH_WEBSOCKET_LISTENER_ADDR": "0.0.0.0:2000"])
        XCTAssertEqual(config.websocket.listener.address, "0.0.0.0:2000")
        XCTAssertEqual(config.storage.type, .memory, "keys the environment does not name keep the file's value")
    }

    func testOverrideBeatsEnvironment() throws {
        let config = try loadTOML(
            file,
            environment: ["SIMPLEPUSH_WEBSOCKET_LISTENER_ADDR": "0.0.0.0:2000", "SIMPLEPUSH_STORAGE_TYPE": "sqlite"],
            overrides: ["websocket.listener.addr": "0.0.0.0:3000"])
        XCTAssertEqual(config.websocket.listener.address, "0.0.0.0:3000")
        XCTAssertEqual(config.storage.type, .sqlite)
    }

    func testEnvironmentNamesFollowTheDottedPath() throws {
        let config = try ConfigLoader.load(path: nil, environment: [
            "SIMPLEPUSH_DEFAULT_MAX_DATA_LEN": "1234",
            "SIMPLEPUSH_STORAGE_SQLITE_PATH": "/data/push.db",
            "SIMPLEPUSH_WEBSOCKET_CLIENT_MIN_PING_INTERVAL": "2m",
            "SIMPLEPUSH_ENDPOINT_ENABLE_CORS": "true",
            "SIMPLEPUSH_LOGGING_LEVEL": "WARNING",
        ])
        XCTAssertEqual(config.general.maxDataLen, 1234)
        XCTAssertEqual(config.storage.sqlitePath, "/data/push.db")
        XCTAssertEqual(config.websocket.clientMinPingInterval, 120)
        XCTAssertTrue(config.endpoint.enableCORS)
        XCTAssertEqual(config.logging.level, .warning)
    }

    func testUnknownSimplePushVariableIsAnError() {
        XCTAssertEqual(loadError("", environment: ["SIMPLEPUSH_WEBSOCKET_LISTEN_ADDR": "x", "OTHER_VAR": "1"]),
                       "environment: unknown variable SIMPLEPUSH_WEBSOCKET_LISTEN_ADDR")
    }

    func testBadEnvironmentValueNamesKeyAndVariable() {
        XCTAssertEqual(loadError("", environment: ["SIMPLEPUSH_DEFAULT_MAX_CHANNELS": "lots"]),
                       "environment: \"default.max_channels\" (SIMPLEPUSH_DEFAULT_MAX_CHANNELS) must be an integer, got \"lots\"")
    }

    func testUnknownOrBadOverride() {
        XCTAssertEqual(loadError("", overrides: ["websocket.listen": "x"]), "override: unknown key \"websocket.listen\"")
        XCTAssertEqual(loadError("", overrides: ["websocket.listener.addr": "abc"]),
                       "override: \"websocket.listener.addr\" must be host:port, got \"abc\"")
    }

    func testCommaSeparatedArraysFromEnvironment() throws {
        let config = try loadTOML("[websocket]\norigins = [\"https://file.example\"]",
                                  environment: ["SIMPLEPUSH_WEBSOCKET_ORIGINS": "https://a.example, https://b.example,"])
        XCTAssertEqual(config.websocket.origins, ["https://a.example", "https://b.example"])
    }

    func testEmptyEnvironmentValueClearsAnArray() throws {
        let config = try loadTOML("[websocket]\norigins = [\"https://file.example\"]",
                                  environment: ["SIMPLEPUSH_WEBSOCKET_ORIGINS": ""])
        XCTAssertEqual(config.websocket.origins, [])
    }

    func testProblemsFromEverySourceAreReportedTogether() {
        XCTAssertEqual(loadError("[websocket]\nworkers = -2", environment: ["SIMPLEPUSH_X": "1"], overrides: ["y": "2"]),
                       "config.toml:2: \"websocket.workers\" must be an integer ≥ 0, got -2\nenvironment: unknown variable SIMPLEPUSH_X\noverride: unknown key \"y\"")
    }
}
