/// Splits an HTTP/1.x message head into lines and enforces the size limits while the head is
/// still arriving, so an endless head is refused rather than buffered.
struct HeadScanner {
    struct Lines {
        var startLine: Range<Int>
        var fieldLines: [Range<Int>]
        /// Bytes up to and including the empty line that ends the head.
        var consumed: Int
    }

    enum Outcome {
        case needMore
        case complete(Lines)
        case failure(HTTPFailure)
    }

    var maxHeadBytes: Int
    var maxStartLine: Int
    var maxFields: Int

    /// Lines end in CRLF; a bare LF is accepted too (RFC 9112 section 2.2 allows it).
    func scan(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        var lineStart = 0
        // RFC 9112 section 2.2: ignore empty lines received before the start line.
        while lineStart < bytes.count && (bytes[lineStart] == 0x0D || bytes[lineStart] == 0x0A) {
            lineStart += 1
        }
        var startLine: Range<Int>?
        var fieldLines: [Range<Int>] = []
        while true {
            guard let newline = firstNewline(in: bytes, from: lineStart) else {
                // A final CR may be the first half of the line's CRLF, which the limit does not count.
                let pending = bytes.count - lineStart - (bytes.count > lineStart && bytes.last == 0x0D ? 1 : 0)
                if startLine == nil && pending > maxStartLine { return .failure(uriTooLong) }
                if bytes.count >= maxHeadBytes { return .failure(headTooLarge) }
                return .needMore
            }
            let lineEnd = newline > lineStart && bytes[newline - 1] == 0x0D ? newline - 1 : newline
            let line = lineStart ..< lineEnd
            lineStart = newline + 1
            if lineStart > maxHeadBytes { return .failure(headTooLarge) }
            if startLine == nil {
                guard line.count <= maxStartLine else { return .failure(uriTooLong) }
                startLine = line
            } else if line.isEmpty {
                return .complete(Lines(startLine: startLine!, fieldLines: fieldLines, consumed: lineStart))
            } else {
                fieldLines.append(line)
                if fieldLines.count > maxFields {
                    return .failure(HTTPFailure(status: 431, message: "more than \(maxFields) header fields"))
                }
            }
        }
    }

    private var uriTooLong: HTTPFailure {
        HTTPFailure(status: 414, message: "start line longer than \(maxStartLine) bytes")
    }

    private var headTooLarge: HTTPFailure {
        HTTPFailure(status: 431, message: "header section larger than \(maxHeadBytes) bytes")
    }

    private func firstNewline(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while index < bytes.count {
            if bytes[index] == 0x0A { return index }
            index += 1
        }
        return nil
    }

    /// Parses `name: value`. Names are RFC 9110 tokens with no space before the colon; values are
    /// trimmed and may not hold control characters other than tab (which also rules out bare CR).
    static func field(_ bytes: UnsafeRawBufferPointer, _ line: Range<Int>) -> (name: String, value: String)? {
        guard let colon = line.first(where: { bytes[$0] == 0x3A }), colon > line.lowerBound,
              (line.lowerBound ..< colon).allSatisfy({ isTokenByte(bytes[$0]) }) else { return nil }
        var start = colon + 1, end = line.upperBound
        guard (start ..< end).allSatisfy({ isFieldValueByte(bytes[$0]) }) else { return nil }
        // Trimmed as bytes: trimming the decoded text would keep a space that a combining mark follows.
        while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) { start += 1 }
        while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
        return (string(bytes, line.lowerBound ..< colon), string(bytes, start ..< end))
    }

    static func string(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// RFC 9110 `tchar`.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        default: return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Visible ASCII, space, tab, or obs-text.
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == 0x09 || (byte >= 0x20 && byte != 0x7F)
    }

    /// `HTTP/1.0`, `HTTP/1.1` (any single-digit minor): the only versions this server speaks.
    static func isHTTP1(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        guard range.count == 8 else { return false }
        let prefix = Array("HTTP/1.".utf8)
        return (0 ..< 7).allSatisfy { bytes[range.lowerBound + $0] == prefix[$0] }
            && (0x30...0x39).contains(bytes[range.lowerBound + 7])
    }
}
