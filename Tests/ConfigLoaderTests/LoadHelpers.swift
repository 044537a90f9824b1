import ConfigFile
import ConfigLoader
import PushCore
import XCTest

/// Loads TOML text as if it came from `config.toml`.
func loadTOML(_ text: String, environment: [String: String] = [:], overrides: [String: String] = [:]) throws -> ServerConfig {
    try ConfigLoader.load(tomlText: text, fileName: "config.toml", environment: environment, overrides: overrides)
}

/// The error message loading produces, or a test failure when it loads.
func loadError(
    _ text: String, environment: [String: String] = [:], overrides: [String: String] = [:],
    file: StaticString = #filePath, line: UInt = #line
) -> String {
    do {
        let config = try loadTOML(text, environment: environment, overrides: overrides)
        XCTFail("expected an error, loaded \(config)", file: file, line: line)
        return ""
    } catch let error as ConfigError {
        return error.description
    } catch {
        XCTFail("expected a ConfigError, got \(error)", file: file, line: line)
        return ""
    }
}

/// A valid token key: 32 bytes, base64url.
func sampleTokenKey(_ byte: UInt8) -> String {
    Base64URL.encode([UInt8](repeating: byte, count: 32))
}
