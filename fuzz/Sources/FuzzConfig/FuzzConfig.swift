import ConfigFile
import FuzzSupport
import ConfigLoader
import Foundation
import PushCore

// libFuzzer entry point: a TOML config file, loaded with no environment and no overrides. A
// config that loads is then described (as `check-config` prints it) and the description given
// back as overrides: it must load again and describe the same.

private let fileName = "fuzz.toml"

/// Lists are written comma-separated; one survives that only if no item holds a comma or
/// surrounding blanks and none is empty.
private func survivesText(_ text: String) -> Bool {
    let items = text.split(separator: ",", omittingEmptySubsequences: false)
    return items.allSatisfy { !$0.isEmpty && $0.trimmingCharacters(in: .whitespaces) == $0 }
}

private let listKeys: Set<String> = ["websocket.origins", "storage.memcache.server"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: start, count: count)
    // The loader reads files as UTF-8 and refuses anything else before parsing.
    guard let text = String(validating: bytes, as: UTF8.self) else { return 0 }

    let config: ServerConfig
    do {
        config = try ConfigLoader.load(tomlText: text, fileName: fileName, environment: [:], overrides: [:])
    } catch let error as ConfigError {
        // Every problem names the file, and a line that exists.
        let lineCount = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).count
        for problem in error.description.components(separatedBy: "\n") where problem.hasPrefix(fileName + ":") {
            let rest = problem.dropFirst(fileName.count + 1)
            if let line = Int(rest.prefix(while: { $0.isNumber })) {
                check(line >= 1 && line <= lineCount + 1, "problem on line \(line) of \(lineCount): \(problem)")
            }
        }
        check(error.description.hasPrefix(fileName), "problem without the file name: \(error.description)")
        return 0
    } catch {
        check(false, "load threw \(error), not a ConfigError")
        return 0
    }

    let described = ConfigLoader.describe(config)
    var overrides: [String: String] = [:]
    for entry in described where entry.key != "default.token_keys" {
        if listKeys.contains(entry.key) && !entry.value.isEmpty && !survivesText(entry.value) { continue }
        overrides[entry.key] = entry.value
    }
    let reloaded: ServerConfig
    do {
        reloaded = try ConfigLoader.load(path: nil, environment: [:], overrides: overrides)
    } catch {
        check(false, "check-config's values do not load back: \(error)")
        return 0
    }
    let again = Dictionary(uniqueKeysWithValues: ConfigLoader.describe(reloaded).map { ($0.key, $0.value) })
    for (key, value) in overrides {
        check(again[key] == value, "\(key): described as \(value.debugDescription), reloaded as \(again[key]?.debugDescription ?? "nil")")
    }
    return 0
}

@_cdecl("FuzzConfig_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
