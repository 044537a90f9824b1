import ConfigLoader
import PushCore
import XCTest

/// Each kind of value, read from TOML.
final class ValueKindTests: XCTestCase {
    func testIntegersAndBooleans() throws {
        let config = try loadTOML("""
            [default]
            max_data_len = 100
            max_channels = 3
            [websocket]
            workers = 4
            [endpoint]
            enable_cors = true
            [endpoint.listener]
            max_connections = 50
            """)
        XCTAssertEqual(config.general.maxDataLen, 100)
        XCTAssertEqual(config.general.maxChannels, 3)
        XCTAssertEqual(config.websocket.workers, 4)
        XCTAssertTrue(config.endpoint.enableCORS)
        XCTAssertEqual(config.endpoint.listener.maxConnections, 50)
    }

    func testDurationsAsStringsWithUnits() throws {
        let cases: [(String, Double)] = [("500ms", 0.5), ("45s", 45), ("5m", 300), ("3h", 10800), ("1d", 86400), ("1.5s", 1.5), ("12", 12)]
        for (text, seconds) in cases {
            let config = try loadTOML("[websocket]\nclient_hello_timeout = \"\(text)\"")
            XCTAssertEqual(config.websocket.clientHelloTimeout, seconds, text)
        }
    }

    func testDurationsAsNumbers() throws {
        let config = try loadTOML("""
            [websocket]
            client_hello_timeout = 45
            client_min_ping_interval = 2.5
            """)
        XCTAssertEqual(config.websocket.clientHelloTimeout, 45)
        XCTAssertEqual(config.websocket.clientMinPingInterval, 2.5)
    }

    func testStringArrays() throws {
        let keys = [sampleTokenKey(1), sampleTokenKey(2)]
        let config = try loadTOML("""
            [default]
            token_keys = ["\(keys[0])", "\(keys[1])"]
            [websocket]
            origins = ["https://a.example", "https://b.example"]
            """)
        XCTAssertEqual(config.general.tokenKeys, keys)
        XCTAssertEqual(config.websocket.origins, ["https://a.example", "https://b.example"])
    }

    func testEnums() throws {
        let config = try loadTOML("""
            [storage]
            type = "memory"
            [logging]
            level = "debug"
            output = "stdout"
            """)
        XCTAssertEqual(config.storage.type, .memory)
        XCTAssertEqual(config.logging.level, .debug)
        XCTAssertEqual(config.logging.output, "stdout")
    }

    func testStringsAndAddresses() throws {
        let config = try loadTOML("""
            [websocket.listener]
            addr = "[::]:443"
            [endpoint]
            url = "https://push.example"
            [endpoint.listener]
            addr = ":8090"
            [storage.sqlite]
            path = "/tmp/x.sqlite"
            """)
        XCTAssertEqual(config.websocket.listener.address, "[::]:443")
        XCTAssertEqual(config.endpoint.url, "https://push.example")
        XCTAssertEqual(config.endpoint.listener.address, ":8090")
        XCTAssertEqual(config.storage.sqlitePath, "/tmp/x.sqlite")
    }

    func testDottedKeysAndInlineTables() throws {
        let config = try loadTOML("""
            websocket.listener.addr = "0.0.0.0:1"
            [endpoint]
            listener = { addr = "0.0.0.0:2", max_connections = 9 }
            """)
        XCTAssertEqual(config.websocket.listener.address, "0.0.0.0:1")
        XCTAssertEqual(config.endpoint.listener.address, "0.0.0.0:2")
        XCTAssertEqual(config.endpoint.listener.maxConnections, 9)
    }
}
