import Foundation

/// JSONSerialization hands numbers back as NSNumber (or Int/Double, by platform); this reads an
/// integer out of any of them and refuses booleans and fractions.
func jsonInteger(_ value: Any?) -> Int64? {
    switch value {
    case let number as NSNumber:
        if String(cString: number.objCType) == "c" { return nil }  // a JSON true/false
        let double = number.doubleValue
        guard double == double.rounded() else { return nil }
        return number.int64Value
    case let integer as Int: return Int64(integer)
    case let integer as Int64: return integer
    default: return nil
    }
}

/// Canonical text of any JSON value (sorted keys), for comparing and for failure messages.
func jsonText(_ value: Any?) -> String {
    guard let value else { return "<absent>" }
    guard let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys]) else {
        return String(describing: value)
    }
    return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
}

func jsonEqual(_ lhs: Any?, _ rhs: Any?) -> Bool {
    if let left = jsonInteger(lhs), let right = jsonInteger(rhs) { return left == right }
    return jsonText(lhs) == jsonText(rhs)
}

/// Whether `text` is a UAID as the server issues them: 32 lower-case hex characters.
func isIssuedUAID(_ text: String?) -> Bool {
    guard let text, text.utf8.count == 32 else { return false }
    return text.utf8.allSatisfy { (48 ... 57).contains($0) || (97 ... 102).contains($0) }
}

/// The 128 bits of a dashed or plain UUID in one spelling, to compare ids written differently.
func normalizedUUID(_ text: String) -> String {
    text.replacingOccurrences(of: "-", with: "").lowercased()
}

/// A fresh channel id in the dashed form devices send.
func newChannelID() -> String {
    UUID().uuidString.lowercased()
}

/// A valid UAID the server has never seen.
func unknownUAID() -> String {
    normalizedUUID(UUID().uuidString)
}

/// Seconds since 1970, as the server uses for versions an app server leaves out.
func unixNow() -> Int64 {
    Int64(Date().timeIntervalSince1970)
}
