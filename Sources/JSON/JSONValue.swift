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

    /// The items when this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// A number that is a whole value in the 64-bit range (`5`, `5.0` and `5e0` alike), exact
    /// when written as an integer.
    public var integerValue: Int64? {
        guard case .number(let text) = self else { return nil }
        if let exact = Int64(text) { return exact }
        guard let double = Double(text), double.rounded() == double,
              double >= -0x1p63, double < 0x1p63 else { return nil }
        return Int64(double)
    }

    /// An object member by name in any case (SimplePush matches field names that way).
    public subscript(caseInsensitive name: String) -> JSONValue? {
        objectMembers?.value(forCaseInsensitiveKey: name.lowercased())
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
