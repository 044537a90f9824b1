import ConfigFile
import Foundation
import PushCore
import TOMLKit

/// How one kind of value is read from TOML and from text (environment and overrides), and written
/// back as text. Every key of the same kind shares these, so the three sources agree.
struct ValueKind<Value>: Sendable {
    /// What the value must be, for messages: "an integer", "a duration".
    let expected: String
    let fromTOML: @Sendable (TOMLValueConvertible) throws -> Value
    let fromText: @Sendable (String) throws -> Value
    let format: @Sendable (Value) -> String

    /// The same kind with an extra rule applied to the value whichever source it came from.
    func checked(_ rule: @escaping @Sendable (Value) throws -> Void) -> ValueKind {
        let (fromTOML, fromText) = (self.fromTOML, self.fromText)
        return ValueKind(
            expected: expected,
            fromTOML: { value in let parsed = try fromTOML(value); try rule(parsed); return parsed },
            fromText: { text in let parsed = try fromText(text); try rule(parsed); return parsed },
            format: format)
    }

    static func wrongType(_ expected: String, _ value: TOMLValueConvertible) -> ValueProblem {
        ValueProblem(message: "must be \(expected), got \(value.type.friendlyName)")
    }

    static func badText(_ expected: String, _ text: String) -> ValueProblem {
        ValueProblem(message: "must be \(expected), got \(quoted(text))")
    }
}

extension TOMLType {
    /// TOML's own names for its types, as an operator would write them.
    var friendlyName: String {
        switch self {
        case .int: return "integer"
        case .double: return "float"
        case .bool: return "boolean"
        case .dateTime: return "date-time"
        case .table, .array, .string, .date, .time: return rawValue
        }
    }
}

func quoted(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}

// MARK: - The kinds

extension ValueKind where Value == Int {
    /// Whole numbers not below `minimum`.
    static func integer(atLeast minimum: Int) -> ValueKind {
        let expected = "an integer"
        return ValueKind(
            expected: expected,
            fromTOML: { value in
                guard let number = value.int else { throw wrongType(expected, value) }
                return number
            },
            fromText: { text in
                guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else { throw badText(expected, text) }
                return number
            },
            format: { String($0) }
        ).checked { number in
            guard number >= minimum else {
                let rule = minimum == 1 ? "a positive integer" : "an integer ≥ \(minimum)"
                throw ValueProblem(message: "must be \(rule), got \(number)")
            }
        }
    }
}

extension ValueKind where Value == Bool {
    static var boolean: ValueKind {
        let expected = "a boolean (true or false)"
        return ValueKind(
            expected: expected,
            fromTOML: { value in
                guard let flag = value.bool else { throw wrongType(expected, value) }
                return flag
            },
            fromText: { text in
                switch text.trimmingCharacters(in: .whitespaces).lowercased() {
                case "true", "yes", "on", "1": return true
                case "false", "no", "off", "0": return false
                default: throw badText(expected, text)
                }
            },
            format: { String($0) })
    }
}

extension ValueKind where Value == Double {
    /// Seconds, > 0: a TOML number, or text such as `30`, `30s`, `500ms`, `5m`, `3h`, `1d`.
    static var duration: ValueKind { duration(allowingZero: false) }

    /// A duration, or 0 for "off".
    static var durationOrOff: ValueKind { duration(allowingZero: true) }

    private static func duration(allowingZero: Bool) -> ValueKind {
        let expected = allowingZero ? "a duration, or 0 for off" : "a duration (seconds, or a number with ms, s, m, h or d)"
        return ValueKind(
            expected: expected,
            fromTOML: { value in
                if let seconds = value.int { return Double(seconds) }
                if let seconds = value.double { return seconds }
                guard let text = value.string else { throw wrongType(expected, value) }
                guard let seconds = DurationText.seconds(from: text) else { throw badText(expected, text) }
                return seconds
            },
            fromText: { text in
                guard let seconds = DurationText.seconds(from: text) else { throw badText(expected, text) }
                return seconds
            },
            format: DurationText.format
        ).checked { seconds in
            guard seconds.isFinite, allowingZero ? seconds >= 0 : seconds > 0 else {
                let bound = allowingZero ? "a duration of 0 or more" : "a duration greater than 0"
                throw ValueProblem(message: "must be \(bound), got \(DurationText.format(seconds))")
            }
        }
    }
}

extension ValueKind where Value == String {
    static var string: ValueKind {
        let expected = "a string"
        return ValueKind(
            expected: expected,
            fromTOML: { value in
                guard let text = value.string else { throw wrongType(expected, value) }
                return text
            },
            fromText: { $0 },
            format: { $0 })
    }

    static var nonEmptyString: ValueKind {
        string.checked { text in
            guard !text.isEmpty else { throw ValueProblem(message: "must not be empty") }
        }
    }

    /// A key prefix memcached accepts.
    static var memcachePrefix: ValueKind {
        string.checked { prefix in
            if let problem = ServerConfig.Storage.Memcache.problem(withPrefix: prefix) {
                throw ValueProblem(message: problem)
            }
        }
    }

    /// A listen address in the forms `ServerConfig.Listener` accepts.
    static var address: ValueKind {
        string.checked { text in
            guard ServerConfig.Listener(address: text).hostAndPort() != nil else {
                throw badText("host:port", text)
            }
        }
    }

    /// Empty (no listener) or a listen address.
    static var optionalAddress: ValueKind {
        string.checked { text in
            guard !text.isEmpty else { return }
            guard ServerConfig.Listener(address: text).hostAndPort() != nil else {
                throw badText("empty or host:port", text)
            }
        }
    }

    /// Empty (derive from the listener) or an absolute http(s) URL.
    static var optionalHTTPURL: ValueKind {
        string.checked { text in
            guard !text.isEmpty else { return }
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
                  let host = url.host, !host.isEmpty
            else { throw badText("empty or an http(s) URL", text) }
        }
    }
}

extension ValueKind where Value == [String] {
    /// A TOML array of strings; in text, comma-separated with blanks around items ignored.
    static var stringList: ValueKind {
        let expected = "an array of strings"
        return ValueKind(
            expected: expected,
            fromTOML: { value in
                guard let array = value.array else { throw wrongType(expected, value) }
                return try array.map { element in
                    guard let text = element.string else {
                        throw ValueProblem(message: "must be \(expected), got an array holding \(element.type.friendlyName)")
                    }
                    return text
                }
            },
            fromText: { text in
                text.split(separator: ",")
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty }
            },
            format: { $0.joined(separator: ",") })
    }

    /// memcached servers: at least one, each host, host:port or [v6]:port.
    static var memcacheServers: ValueKind {
        stringList.checked { servers in
            guard !servers.isEmpty else { throw ValueProblem(message: "must name at least one server") }
            for server in servers where ServerConfig.Storage.Memcache.parseServer(server) == nil {
                throw ValueProblem(message: "entry \(quoted(server)) must be host:port")
            }
        }
    }

    /// Endpoint token keys: each 32 bytes of base64url. Messages never repeat a key.
    static var tokenKeys: ValueKind {
        stringList.checked { keys in
            for (index, key) in keys.enumerated() {
                guard let bytes = Base64URL.decode(key), bytes.count == 32 else {
                    throw ValueProblem(message: "entry \(index + 1) must be 32 bytes of base64url")
                }
            }
            // Tokens name their key by an id derived from it; two keys may not share one.
            do {
                _ = try EndpointTokenCodec(encodedKeys: keys)
            } catch EndpointTokenCodec.KeyError.sharedKeyID(let index, let other) {
                throw ValueProblem(message: "entries \(other + 1) and \(index + 1) have the same key id; replace one with a new key")
            } catch {}
        }
    }
}

extension ValueKind where Value: RawRepresentable & CaseIterable & SendableMetatype, Value.RawValue == String {
    /// One of the enum's raw values, matched without regard to case.
    static var choice: ValueKind {
        let names = Value.allCases.map(\.rawValue)
        let expected = "one of " + names.map(quoted).joined(separator: ", ")
        let parse: @Sendable (String) throws -> Value = { text in
            let wanted = text.trimmingCharacters(in: .whitespaces).lowercased()
            guard let match = Value.allCases.first(where: { $0.rawValue.lowercased() == wanted }) else {
                throw badText(expected, text)
            }
            return match
        }
        return ValueKind(
            expected: expected,
            fromTOML: { value in
                guard let text = value.string else { throw wrongType(expected, value) }
                return try parse(text)
            },
            fromText: parse,
            format: { $0.rawValue })
    }
}
