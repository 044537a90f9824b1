import Foundation

/// Durations written as text: a number of seconds, optionally followed by a unit.
enum DurationText {
    private static let unitSeconds: [String: Double] = ["ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400]

    /// `"30"`, `"30s"`, `"1.5s"`, `"500ms"`, `"5m"`, `"3h"`, `"1d"` → seconds; nil when malformed.
    static func seconds(from text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let unit = String(trimmed.reversed().prefix(while: \.isLetter).reversed())
        let number = trimmed.dropLast(unit.count).trimmingCharacters(in: .whitespaces)
        guard let multiplier = unit.isEmpty ? 1 : unitSeconds[unit.lowercased()],
              // An exponent too: TOML floats may have one, and `format` writes one for tiny or huge values.
              !number.isEmpty, number.allSatisfy({ $0.isNumber || ".-+eE".contains($0) }),
              let value = Double(number)
        else { return nil }
        // Milliseconds are divided: 0.001 is inexact, and 1400 * 0.001 is not the 1.4 s that
        // `format` wrote as "1400ms".
        return unit.lowercased() == "ms" ? value / 1000 : value * multiplier
    }

    /// The shortest exact text form: whole seconds as `30s`, whole milliseconds as `500ms`.
    static func format(_ seconds: Double) -> String {
        guard seconds.isFinite else { return String(seconds) }
        if seconds == seconds.rounded(), abs(seconds) < 1e15 { return "\(Int(seconds))s" }
        let millis = seconds * 1000
        if millis == millis.rounded(), abs(millis) < 1e15 { return "\(Int(millis))ms" }
        return "\(seconds)s"
    }
}
