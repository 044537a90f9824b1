/// `application/x-www-form-urlencoded` decoding, used for both the request body and the query
/// string so the two accept exactly the same spellings.
public enum FormURLEncoding {
    /// Decodes `key=value&key=value`. `+` is a space and `%XX` a byte; a key without `=` has an
    /// empty value; the first occurrence of a key wins. Returns nil when an escape is malformed or
    /// the decoded bytes are not UTF-8, so a garbled request is refused rather than half-read.
    @inlinable  // specialised for each caller's byte collection: generic code across modules is slow
    public static func decode<Bytes: Collection>(_ bytes: Bytes) -> [String: String]? where Bytes.Element == UInt8 {
        var fields: [String: String] = [:]
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let rawKey = pair[..<(equals ?? pair.endIndex)]
            let rawValue = equals.map { pair[pair.index(after: $0)...] } ?? pair[pair.endIndex...]
            guard let key = unescape(rawKey), let value = unescape(rawValue) else { return nil }
            if fields[key] == nil { fields[key] = value }
        }
        return fields
    }

    @inlinable
    static func unescape<Bytes: Collection>(_ bytes: Bytes) -> String? where Bytes.Element == UInt8 {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            index = bytes.index(after: index)
            switch byte {
            case UInt8(ascii: "+"):
                decoded.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard index != bytes.endIndex, let high = hexDigit(bytes[index]) else { return nil }
                index = bytes.index(after: index)
                guard index != bytes.endIndex, let low = hexDigit(bytes[index]) else { return nil }
                index = bytes.index(after: index)
                decoded.append(high << 4 | low)
            default:
                decoded.append(byte)
            }
        }
        // Decoding repairs invalid UTF-8 with U+FFFD; a changed byte sequence means it was invalid.
        let text = String(decoding: decoded, as: UTF8.self)
        return text.utf8.elementsEqual(decoded) ? text : nil
    }

    @inlinable
    static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
