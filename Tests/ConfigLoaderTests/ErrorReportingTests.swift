@testable import PushCore
import ConfigLoader
import XCTest

/// Every refusal names the key, and for the file its name and line.
final class ErrorReportingTests: XCTestCase {
    func testUnknownKeyNamesItsLine() {
        let message = loadError("""
            # comment
            [websocket]
            workers = 1

            max_mesage_len = 10
            """)
        XCTAssertEqual(message, "config.toml:5: unknown key \"websocket.max_mesage_len\"")
    }

    func testAFleetNeedsASharedStore() throws {
        XCTAssertTrue(loadError("[storage]\ntype = \"memory\"\n[router]\naddr = \"127.0.0.1:8090\"").contains("a fleet needs a store its nodes share"))
        let fleet = try loadTOML("[storage]\ntype = \"memcache\"\n[router]\naddr = \"10.0.0.5:8090\"")
        XCTAssertEqual(fleet.router.nodeURL, "http://10.0.0.5:8090", "named by its listener")
        let named = try loadTOML("[router]\naddr = \":8090\"\nurl = \"http://node-a.internal:8090/\"")
        XCTAssertEqual(named.router.nodeURL, "http://node-a.internal:8090")
        XCTAssertFalse(try loadTOML("").router.isEnabled, "one node alone by default")
    }

    func testUnknownTopLevelKey() {
        XCTAssertEqual(loadError("\nverbose = true"), "config.toml:2: unknown key \"verbose\"")
    }

    func testUnknownSection() {
        XCTAssertEqual(loadError("[storage]\ntype = \"memory\"\n\n[storage.redis]\nhost = \"x\""),
                       "config.toml:4: unknown section [storage.redis]")
        XCTAssertEqual(loadError("[statsd]"), "config.toml:1: unknown section [statsd]")
    }

    func testWrongTypeNamesLine() {
        XCTAssertEqual(loadError("[default]\nmax_data_len = 10\n\nmax_channels = \"many\""),
                       "config.toml:4: \"default.max_channels\" must be an integer, got string")
        XCTAssertEqual(loadError("[endpoint]\nenable_cors = \"yes\""),
                       "config.toml:2: \"endpoint.enable_cors\" must be a boolean (true or false), got string")
        XCTAssertEqual(loadError("[websocket]\norigins = [\"a\", 2]"),
                       "config.toml:2: \"websocket.origins\" must be an array of strings, got an array holding integer")
        XCTAssertEqual(loadError("websocket = 3"), "config.toml:1: \"websocket\" must be a table, got integer")
    }

    func testBadAddress() {
        XCTAssertEqual(loadError("[default]\n\n[websocket.listener]\naddr = \"abc\""),
                       "config.toml:4: \"websocket.listener.addr\" must be host:port, got \"abc\"")
        XCTAssertEqual(loadError("[endpoint.listener]\naddr = \"host:70000\""),
                       "config.toml:2: \"endpoint.listener.addr\" must be host:port, got \"host:70000\"")
    }

    func testDottedKeyErrorFindsItsLine() {
        XCTAssertEqual(loadError("[websocket]\nworkers = 1\nlistener.addr = \"abc\""),
                       "config.toml:3: \"websocket.listener.addr\" must be host:port, got \"abc\"")
    }

    func testOutOfRangeNumbers() {
        XCTAssertEqual(loadError("[websocket]\nworkers = -1"),
                       "config.toml:2: \"websocket.workers\" must be an integer ≥ 0, got -1")
        XCTAssertEqual(loadError("[default]\nmax_data_len = 0"),
                       "config.toml:2: \"default.max_data_len\" must be a positive integer, got 0")
        XCTAssertEqual(loadError("[websocket]\nhandshake_timeout = 0"),
                       "config.toml:2: \"websocket.handshake_timeout\" must be a duration greater than 0, got 0s")
        XCTAssertEqual(loadError("[websocket]\nhandshake_timeout = \"-5s\""),
                       "config.toml:2: \"websocket.handshake_timeout\" must be a duration greater than 0, got -5s")
    }

    func testBadDurationText() {
        XCTAssertEqual(loadError("[websocket]\nclient_hello_timeout = \"10 parsecs\""),
                       "config.toml:2: \"websocket.client_hello_timeout\" must be a duration (seconds, or a number with ms, s, m, h or d), got \"10 parsecs\"")
    }

    func testBadEnum() {
        XCTAssertEqual(loadError("[logging]\nlevel = \"loud\""),
                       "config.toml:2: \"logging.level\" must be one of \"trace\", \"debug\", \"info\", \"notice\", \"warning\", \"error\", \"critical\", got \"loud\"")
        XCTAssertEqual(loadError("[storage]\ntype = \"redis\""),
                       "config.toml:2: \"storage.type\" must be one of \"sqlite\", \"memory\", \"memcache\", got \"redis\"")
    }

    func testBadStrings() {
        XCTAssertEqual(loadError("[endpoint]\nurl = \"push.example\""),
                       "config.toml:2: \"endpoint.url\" must be empty or an http(s) URL, got \"push.example\"")
        XCTAssertEqual(loadError("[storage.sqlite]\npath = \"\""),
                       "config.toml:2: \"storage.sqlite.path\" must not be empty")
    }

    func testBadTokenKeyIsNotEchoed() {
        let message = loadError("[default]\ntoken_keys = [\"\(sampleTokenKey(3))\", \"c2hvcnQ\"]")
        XCTAssertEqual(message, "config.toml:2: \"default.token_keys\" entry 2 must be 32 bytes of base64url")
    }

    func testTokenKeysSharingAKeyIDAreRefusedAtLoad() {
        // Two different keys whose derived 16-bit ids collide (found by trying keys 0, 1, 2, …).
        var byID: [UInt16: String] = [:]
        var pair: (String, String)?
        var counter: UInt32 = 0
        while pair == nil {
            let key = Base64URL.encode(withUnsafeBytes(of: counter.bigEndian) { Array($0) } + [UInt8](repeating: 9, count: 28))
            let id = EndpointTokenCodec.keyID(Base64URL.decode(key)!)
            if let earlier = byID[id] { pair = (earlier, key) } else { byID[id] = key }
            counter += 1
        }
        let message = loadError("[default]\ntoken_keys = [\"\(pair!.0)\", \"\(pair!.1)\"]")
        XCTAssertEqual(message, "config.toml:2: \"default.token_keys\" entries 1 and 2 have the same key id; replace one with a new key")
    }

    func testMoreReactorsThanTheRegistryCanNameAreRefused() {
        XCTAssertEqual(loadError("[websocket]\nworkers = 256"), "config.toml:2: \"websocket.workers\" must be at most 255, got 256")
        XCTAssertNoThrow(try loadTOML("[websocket]\nworkers = 255"))
    }

    func testSyntaxErrorCarriesItsLine() {
        let message = loadError("[websocket]\nworkers = 1\nmax_message_len = = 3\n")
        XCTAssertTrue(message.hasPrefix("config.toml:3: syntax error: "), message)
    }

    func testSeveralProblemsAreReportedInFileOrder() {
        // toml++ hands keys back sorted; the report must follow the file instead.
        let message = loadError("[websocket]\nzzz = 1\naaa = 2")
        XCTAssertEqual(message, "config.toml:2: unknown key \"websocket.zzz\"\nconfig.toml:3: unknown key \"websocket.aaa\"")
    }
}

final class MemcacheKeyTests: XCTestCase {
    func testBadMemcachedServersAndPrefixesAreRefusedAtLoad() {
        XCTAssertThrowsError(try ConfigLoader.load(tomlText: "[storage.memcache]\nserver = []", fileName: "c.toml",
                                                   environment: [:], overrides: [:]))
        XCTAssertThrowsError(try ConfigLoader.load(tomlText: "[storage.memcache]\nserver = [\"a:b:c\"]", fileName: "c.toml",
                                                   environment: [:], overrides: [:])) { error in
            XCTAssertTrue("\(error)".contains("storage.memcache.server"), "\(error)")
        }
        XCTAssertThrowsError(try ConfigLoader.load(tomlText: "[storage.memcache]\nprefix = \"a b\"", fileName: "c.toml",
                                                   environment: [:], overrides: [:]))
        XCTAssertNoThrow(try ConfigLoader.load(tomlText: "[storage.memcache]\nserver = [\"10.0.0.1:11211\", \"cache\"]\nprefix = \"p:\"",
                                               fileName: "c.toml", environment: [:], overrides: [:]))
    }
}
