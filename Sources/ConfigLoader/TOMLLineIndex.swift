import Foundation

/// Finds the line on which a dotted TOML path was written. TOMLKit reports positions only for
/// syntax errors, so this reads the text itself: section headers and `key =` lines.
struct TOMLLineIndex {
    private struct Entry {
        let line: Int
        let path: String
        let isHeader: Bool
    }

    private var entries: [Entry] = []

    init(text: String) {
        var section = ""
        var openMultilineString: String?
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (offset, rawLine) in lines.enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            // Lines inside a multi-line string are data, not keys.
            if let delimiter = openMultilineString {
                if line.contains(delimiter) { openMultilineString = nil }
                continue
            }
            if let header = Self.header(in: line) {
                section = header
                entries.append(Entry(line: offset + 1, path: header, isHeader: true))
            } else if let (key, value) = Self.assignment(in: line) {
                entries.append(Entry(line: offset + 1, path: section.isEmpty ? key : section + "." + key, isHeader: false))
                openMultilineString = Self.unclosedMultilineDelimiter(in: value)
            }
        }
    }

    /// The best line for `path`: where it is assigned, else its section header, else the inline
    /// table holding it, else the first place that defines something inside it.
    func line(of path: String) -> Int? {
        entries.first { !$0.isHeader && $0.path == path }?.line
            ?? entries.first { $0.isHeader && $0.path == path }?.line
            ?? entries.first { !$0.isHeader && path.hasPrefix($0.path + ".") }?.line
            ?? entries.first { $0.path.hasPrefix(path + ".") }?.line
    }

    // MARK: - Reading one line

    /// `[a.b]` or `[[a.b]]`, optionally followed by a comment → `a.b`.
    private static func header(in line: String) -> String? {
        guard line.hasPrefix("[") else { return nil }
        let inner = line.drop(while: { $0 == "[" })
        guard let close = inner.firstIndex(of: "]") else { return nil }
        let rest = inner[close...].drop(while: { $0 == "]" }).trimmingCharacters(in: .whitespaces)
        guard rest.isEmpty || rest.hasPrefix("#") else { return nil }
        return normalizedKey(inner[..<close])
    }

    /// `key = value` or `a.b = value` → (`a.b`, `value`).
    private static func assignment(in line: String) -> (key: String, value: Substring)? {
        var inQuote: Character?
        for index in line.indices {
            let character = line[index]
            if let quote = inQuote {
                if character == quote { inQuote = nil }
            } else if character == "\"" || character == "'" {
                inQuote = character
            } else if character == "=" {
                guard let key = normalizedKey(line[..<index]) else { return nil }
                return (key, line[line.index(after: index)...])
            } else if character == "#" {
                return nil
            }
        }
        return nil
    }

    /// `websocket . "listener"` → `websocket.listener`; nil when the text is not a key.
    private static func normalizedKey(_ text: Substring) -> String? {
        var parts: [String] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            var segment = part.trimmingCharacters(in: .whitespaces)
            if segment.count >= 2, let first = segment.first, first == "\"" || first == "'", segment.last == first {
                segment = String(segment.dropFirst().dropLast())
            } else if segment.isEmpty || !segment.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
                return nil
            }
            parts.append(segment)
        }
        return parts.joined(separator: ".")
    }

    /// The delimiter of a multi-line string that starts in `value` and does not end there.
    private static func unclosedMultilineDelimiter(in value: Substring) -> String? {
        for delimiter in ["\"\"\"", "'''"] where value.components(separatedBy: delimiter).count % 2 == 0 {
            return delimiter
        }
        return nil
    }
}
