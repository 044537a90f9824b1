import ConfigLoader
import XCTest

/// Inputs the fuzzers in fuzz/ found (see FUZZING.md), kept once fixed.
final class FuzzRegressionTests: XCTestCase {
    /// toml++ asserted (aborting the process) on a table header whose key starts with anything but
    /// a key character or a quote, even a lone `[` line. Now a syntax error on the header's line.
    func testHeaderThatDoesNotStartWithAKeyIsASyntaxError() {
        let cases: [(String, Int)] = [
            ("[\n", 1),
            ("[.websocket]\n", 1),
            ("[=]\n", 1),
            ("[ \u{7F}]\n", 1),
            ("[é]\n", 1),
            ("[default]\nmax_channels = 1\n[[.]]\n", 3),
            ("\u{FEFF}[#]\n", 1),
            ("a = \"\"\"\n[x\n\"\"\"\n[ !]\n", 4),
        ]
        for (text, line) in cases {
            XCTAssertEqual(loadError(text), "config.toml:\(line): syntax error: a table header must start with a key",
                           text.debugDescription)
        }
    }

    /// toml++ asserted likewise on an array element starting with `}` or a non-ASCII space, which
    /// its whitespace skipping leaves in place (`token_keys = [}…`, found with the sample's keys).
    func testArrayElementThatCannotStartAValueIsASyntaxError() {
        let cases: [(String, Int)] = [
            ("[default]\ntoken_keys = [}]\n", 2),
            ("[websocket]\norigins = [\"a\", # c\n  }]\n", 3),
            ("[websocket]\norigins = [\u{2028}]\n", 2),
            ("[websocket]\norigins = [[\u{85}]]\n", 2),
            ("[websocket]\norigins = [\n\n\u{A0}\"a\"]\n", 4),
        ]
        for (text, line) in cases {
            XCTAssertEqual(loadError(text), "config.toml:\(line): syntax error: expected an array element", text.debugDescription)
        }
        // Inside strings and inline tables these are ordinary text or ordinary errors.
        XCTAssertEqual(try loadTOML("[websocket]\norigins = [\"}\", '\u{2028}']\n").websocket.origins, ["}", "\u{2028}"])
        XCTAssertFalse(loadError("x = [{ a = }]\n").contains("array element"))
    }

    /// Lines that start with `[` inside values are not headers and still load or fail as before.
    func testBracketLinesInsideValuesAreNotHeaders() throws {
        let config = try loadTOML("""
            [default]
            token_key_file = \"\"\"
            [.not a header]
            \"\"\"
            [websocket]
            origins = [ # comment ]
            "https://a.example", '[.x]',
            ]
            """)
        XCTAssertEqual(config.general.tokenKeyFile, "[.not a header]\n")
        XCTAssertEqual(config.websocket.origins, ["https://a.example", "[.x]"])
        let nested = loadError("[websocket]\norigins = [\n[ # nested\n], [\n.5]]\n")
        XCTAssertFalse(nested.contains("table header"), nested)
    }

    /// `check-config` described tiny and huge durations with an exponent (`1e-05s`), which the
    /// environment and flags refused, though TOML takes `1e-5`: the sources did not agree.
    func testDescribedDurationsLoadBack() throws {
        let cases = [("1e-5", "1e-05s"), ("1e20", "1e+20s"), ("\"0.0001ms\"", "1.0000000000000001e-07s")]
        for (toml, text) in cases {
            let config = try loadTOML("[default]\nshutdown_grace = \(toml)\n")
            let described = ConfigLoader.describe(config).first { $0.key == "default.shutdown_grace" }?.value
            XCTAssertEqual(described, text)
            let overridden = try loadTOML("", overrides: ["default.shutdown_grace": text])
            XCTAssertEqual(overridden.general.shutdownGrace, config.general.shutdownGrace, text)
            let fromEnvironment = try loadTOML("", environment: ["SIMPLEPUSH_DEFAULT_SHUTDOWN_GRACE": toml.replacingOccurrences(of: "\"", with: "")])
            XCTAssertEqual(fromEnvironment.general.shutdownGrace, config.general.shutdownGrace, toml)
        }
        XCTAssertTrue(loadError("", overrides: ["default.shutdown_grace": "1e"]).contains("must be a duration"))
    }

    /// 1.4 s was described as "1400ms", which read back as 1400 * 0.001 = 1.4000000000000001 s.
    func testMillisecondsReadBackExactly() throws {
        for seconds in [1.4, 0.007, 0.1, 2.675, 1e-3] {
            let config = try loadTOML("[websocket]\nclient_hello_timeout = \(seconds)\n")
            let text = try XCTUnwrap(ConfigLoader.describe(config).first { $0.key == "websocket.client_hello_timeout" }?.value)
            XCTAssertTrue(text.hasSuffix("ms"), text)
            let again = try loadTOML("", overrides: ["websocket.client_hello_timeout": text])
            XCTAssertEqual(again.websocket.clientHelloTimeout, seconds, text)
        }
    }
}
