import ConfigFile
import Foundation
import PushCore

/// Builds `ServerConfig` from, in increasing precedence: its defaults, a TOML file,
/// `SIMPLEPUSH_*` environment variables, then dotted-path overrides (command-line flags).
public enum ConfigLoader {
    /// path nil → no file (pure defaults + env + overrides). A missing file named explicitly is an error.
    public static func load(path: String?, environment: [String: String], overrides: [String: String] = [:]) throws -> ServerConfig {
        guard let path else {
            return try build(file: nil, environment: environment, overrides: overrides)
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError("config file \(quoted(path)) not found")
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError("config file \(quoted(path)) cannot be read as UTF-8 text")
        }
        return try build(file: TOMLSource(fileName: path, text: text), environment: environment, overrides: overrides)
    }

    public static func load(tomlText: String, fileName: String, environment: [String: String], overrides: [String: String]) throws -> ServerConfig {
        try build(file: TOMLSource(fileName: fileName, text: tomlText), environment: environment, overrides: overrides)
    }

    /// Every known key as (dotted name, env variable name, current value as text) — for docs and `check-config`.
    /// Token keys are secret: only their number is shown.
    public static func describe(_ config: ServerConfig) -> [(key: String, environment: String, value: String)] {
        KnownKeys.all.map { ($0.path, $0.environmentName, $0.describedValue(in: config)) }
    }

    private static func build(file: TOMLSource?, environment: [String: String], overrides: [String: String]) throws -> ServerConfig {
        var config = ServerConfig()
        var problems = ProblemList()
        file?.apply(to: &config, problems: &problems)
        TextSources.applyEnvironment(environment, to: &config, problems: &problems)
        TextSources.applyOverrides(overrides, to: &config, problems: &problems)
        for (section, listener) in [("websocket", config.websocket.listener), ("endpoint", config.endpoint.listener)]
        where listener.certFile.isEmpty != listener.keyFile.isEmpty {
            problems.add("\(section).listener: cert_file and key_file go together (set both for TLS, or neither)")
        }
        if config.router.isEnabled && config.storage.type == .memory {
            problems.add("router.addr: a fleet needs a store its nodes share (storage.type sqlite or memcache), not memory")
        }
        ClusterLimits.check(config, problems: &problems)
        try problems.throwIfAny()
        return config
    }
}
