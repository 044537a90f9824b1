import ConfigFile
import PushCore

/// Values given as text: `SIMPLEPUSH_*` environment variables and dotted-path overrides.
enum TextSources {
    /// Variables outside the `SIMPLEPUSH_` namespace are not ours and are ignored; inside it, an
    /// unknown name is an error so a misspelt variable cannot silently do nothing.
    static func applyEnvironment(_ environment: [String: String], to config: inout ServerConfig, problems: inout ProblemList) {
        for name in environment.keys.sorted() where name.hasPrefix(ConfigKey.environmentPrefix) {
            guard let key = KnownKeys.byEnvironmentName[name] else {
                problems.add("environment: unknown variable \(name)")
                continue
            }
            apply(environment[name] ?? "", to: key, in: &config, problems: &problems) { message in
                "environment: \(quoted(key.path)) (\(name)) \(message)"
            }
        }
    }

    static func applyOverrides(_ overrides: [String: String], to config: inout ServerConfig, problems: inout ProblemList) {
        for path in overrides.keys.sorted() {
            guard let key = KnownKeys.byPath[path] else {
                problems.add("override: unknown key \(quoted(path))")
                continue
            }
            apply(overrides[path] ?? "", to: key, in: &config, problems: &problems) { message in
                "override: \(quoted(path)) \(message)"
            }
        }
    }

    private static func apply(
        _ text: String, to key: ConfigKey, in config: inout ServerConfig, problems: inout ProblemList,
        wording: (String) -> String
    ) {
        do {
            try key.applyText(text, &config)
        } catch let problem as ValueProblem {
            problems.add(wording(problem.message))
        } catch {
            problems.add(wording("\(error)"))
        }
    }
}

/// Problems from every source, so one run reports them all.
struct ProblemList {
    private(set) var messages: [String] = []

    mutating func add(_ message: String) {
        messages.append(message)
    }

    func throwIfAny() throws {
        guard !messages.isEmpty else { return }
        throw ConfigError(messages.joined(separator: "\n"))
    }
}
