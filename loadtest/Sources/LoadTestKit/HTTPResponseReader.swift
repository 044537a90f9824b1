import WebSocket

/// Reads one HTTP/1.1 response (head and body) from the front of a buffer.
enum HTTPResponseReader {
    enum Result: Equatable {
        case needMore
        case invalid(String)
        /// `location` only for 201 Created, where it names what was created (a WebPush message).
        case response(status: Int, consumed: Int, keepAlive: Bool, location: String?)
    }

    static func read(_ bytes: UnsafeRawBufferPointer) -> Result {
        switch ResponseHeadParser.parse(bytes) {
        case .needMore:
            return .needMore
        case .invalid(let reason):
            return .invalid(reason)
        case .head(let head, let headLength):
            let keepAlive = !(head.header("Connection")?.lowercased().contains("close") ?? false)
            let location = head.status == 201 ? head.header("Location") : nil
            if head.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
                guard let end = chunkedBodyEnd(bytes, from: headLength) else { return .needMore }
                return .response(status: head.status, consumed: end, keepAlive: keepAlive, location: location)
            }
            let length = Int(head.header("Content-Length") ?? "0") ?? -1
            guard length >= 0 else { return .invalid("bad Content-Length") }
            guard bytes.count - headLength >= length else { return .needMore }
            return .response(status: head.status, consumed: headLength + length, keepAlive: keepAlive, location: location)
        }
    }

    /// Where a chunked body ends (after the last chunk and its empty trailer), if it is all here.
    static func chunkedBodyEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while true {
            guard let lineEnd = findCRLF(bytes, from: index) else { return nil }
            let sizeText = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[index ..< lineEnd]), as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first.map(String.init) ?? "", radix: 16), size >= 0 else { return nil }
            index = lineEnd + 2
            if size == 0 {
                // Trailer fields end with an empty line.
                while let end = findCRLF(bytes, from: index) {
                    if end == index { return end + 2 }
                    index = end + 2
                }
                return nil
            }
            guard bytes.count - index >= size + 2 else { return nil }
            index += size + 2
        }
    }

    private static func findCRLF(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == 0x0D && bytes[index + 1] == 0x0A { return index }
            index += 1
        }
        return nil
    }
}
