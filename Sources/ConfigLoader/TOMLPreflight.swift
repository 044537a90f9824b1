/// toml++ (inside TOMLKit) checks some characters with assertions, which abort the whole process
/// instead of failing the parse: the first character of a table header's key (`[.a]`, `[=]`, `[é]`,
/// a line holding only `[`), and the first character of an array element (`[}]`, or a non-ASCII
/// space such as U+2028). Such text is found here first and reported as the syntax error it is.
enum TOMLPreflight {
    /// The 1-based line and the problem of the first such spot, or nil when there is none.
    static func problem(in text: String) -> (line: Int, message: String)? {
        let bytes = Array(text.utf8)
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0  // toml++ skips a BOM
        var line = 1
        var atStatementStart = true
        var inValue = false
        var open: [UInt8] = []  // brackets and braces open in the current value
        var expectElement = false  // right after an array's `[` or `,`

        func skipBlanks(_ position: inout Int) -> Bool {
            let start = position
            while position < bytes.count && (bytes[position] == 0x20 || bytes[position] == 0x09) { position += 1 }
            return position > start
        }

        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x0A:
                line += 1
                if open.isEmpty {
                    atStatementStart = true
                    inValue = false
                }
                index += 1
            case 0x20, 0x09, 0x0D:
                index += 1
            case UInt8(ascii: "#"):
                while index < bytes.count && bytes[index] != 0x0A { index += 1 }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                atStatementStart = false
                expectElement = false
                index = endOfString(bytes, from: index, line: &line)
            case UInt8(ascii: "[") where atStatementStart:
                // The same steps toml++ takes before it asserts on the key's first character.
                var position = index + 1
                let blankFirst = skipBlanks(&position)
                if position < bytes.count && bytes[position] == UInt8(ascii: "[") && !blankFirst {
                    position += 1
                    _ = skipBlanks(&position)
                }
                if position < bytes.count && bytes[position] != UInt8(ascii: "]") && !startsKey(bytes[position]) {
                    return (line, "a table header must start with a key")
                }
                atStatementStart = false
                index += 1
            default:
                atStatementStart = false
                // No TOML value starts with `}` or a non-ASCII character.
                if expectElement && (byte == UInt8(ascii: "}") || byte >= 0x80) {
                    return (line, "expected an array element")
                }
                expectElement = false
                if !inValue && open.isEmpty && byte == UInt8(ascii: "=") {
                    inValue = true
                } else if inValue && (byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{")) {
                    open.append(byte)
                    expectElement = byte == UInt8(ascii: "[")
                } else if inValue && !open.isEmpty && (byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}")) {
                    open.removeLast()
                } else if inValue && byte == UInt8(ascii: ",") && open.last == UInt8(ascii: "[") {
                    expectElement = true
                }
                index += 1
            }
        }
        return nil
    }

    private static func startsKey(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"),
             UInt8(ascii: "\""), UInt8(ascii: "'"):
            return true
        default:
            return false
        }
    }

    /// The index just past the string opening at `start`: basic or literal, single- or multi-line.
    /// A single-line string ends at the end of its line at the latest (toml++ fails there).
    private static func endOfString(_ bytes: [UInt8], from start: Int, line: inout Int) -> Int {
        let quote = bytes[start]
        let escapes = quote == UInt8(ascii: "\"")
        let multiline = start + 2 < bytes.count && bytes[start + 1] == quote && bytes[start + 2] == quote
        var index = start + (multiline ? 3 : 1)
        while index < bytes.count {
            let byte = bytes[index]
            if escapes && byte == UInt8(ascii: "\\") {
                index += 1
                if index < bytes.count && bytes[index] == 0x0A { line += 1 }
                index += 1
                continue
            }
            if byte == 0x0A {
                if !multiline { return index }
                line += 1
            }
            if byte == quote {
                if !multiline { return index + 1 }
                if index + 2 < bytes.count && bytes[index + 1] == quote && bytes[index + 2] == quote { return index + 3 }
            }
            index += 1
        }
        return index
    }
}
