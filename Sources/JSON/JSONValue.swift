/// A JSON value (RFC 8259). Object members keep the order they were written in, numbers keep the
/// text they were written as (so a 64-bit integer loses no digit to a Double), and the parser is
/// strict: what the RFC calls invalid (a trailing comma, a bare control character, a lone
/// surrogate escape) is refused, not guessed at.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    /// The number as written; it matches the RFC's number grammar.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func int(_ value: Int) -> JSONValue { .number(String(value)) }

    /// The members when this is an object.
    public var objectMembers: [(key: String, value: JSONValue)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The text when this is a string.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}

extension Array where Element == (key: String, value: JSONValue) {
    /// The value of the last member whose name equals `lowercasedName` in any case (a repeated
    /// name takes its last value, as most JSON readers do).
    public func value(forCaseInsensitiveKey lowercasedName: String) -> JSONValue? {
        var found: JSONValue?
        for member in self where member.key.count == lowercasedName.count && member.key.lowercased() == lowercasedName {
            found = member.value
        }
        return found
    }
}
