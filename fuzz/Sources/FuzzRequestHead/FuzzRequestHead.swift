import FuzzSupport
import WebSocket

// libFuzzer entry point: the request head as it arrives on the WebSocket port, then the upgrade
// checks a server makes on a parsed head.

private func parse(_ bytes: UnsafeRawBufferPointer, upTo end: Int, maxHeadBytes: Int = 8192) -> RequestHeadParseResult {
    RequestHeadParser.parse(UnsafeRawBufferPointer(rebasing: bytes[0 ..< end]), maxHeadBytes: maxHeadBytes)
}

private func same(_ a: RequestHead, _ b: RequestHead) -> Bool {
    a.method == b.method && a.target == b.target && a.version == b.version
        && a.headers.elementsEqual(b.headers, by: { $0.name == $1.name && $0.value == $1.value })
}

private func describe(_ result: RequestHeadParseResult) -> String {
    switch result {
    case .needMore: return "needMore"
    case .head(_, let consumed): return "head(consumed: \(consumed))"
    case .failure(let failure): return "failure(\(failure.status) \(failure.message))"
    }
}

/// A socket delivers the head in arbitrary pieces and the server parses the growing buffer each
/// time, so a prefix may only need more, or fail exactly as the whole input does.
private func checkPrefix(_ bytes: UnsafeRawBufferPointer, _ end: Int, whole: RequestHeadParseResult) {
    guard end >= 0 && end < bytes.count else { return }
    let prefix = parse(bytes, upTo: end)
    switch (prefix, whole) {
    case (.needMore, _):
        return
    case (.failure(let early), .failure(let late)):
        check(early.status == late.status, "prefix of \(end) bytes gives \(describe(prefix)), whole input \(describe(whole))")
    case (.head(let early, let used), .head(let late, let consumed)):
        check(used == consumed && same(early, late), "prefix of \(end) bytes gives another head")
    default:
        check(false, "prefix of \(end) bytes gives \(describe(prefix)), whole input \(describe(whole))")
    }
}

private func firstLineFeed(_ bytes: UnsafeRawBufferPointer) -> Int? {
    bytes.firstIndex(of: 0x0A)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let whole = RequestHeadParser.parse(bytes)

    checkPrefix(bytes, count - 1, whole: whole)
    checkPrefix(bytes, count / 2, whole: whole)
    // Cutting just before or after the request line's LF is where line-length limits bite.
    if let lf = firstLineFeed(bytes) {
        checkPrefix(bytes, lf, whole: whole)
        checkPrefix(bytes, lf + 1, whole: whole)
    }

    switch whole {
    case .needMore:
        check(count < 8192, "needMore with \(count) bytes, past the 8192-byte head limit")
    case .failure(let failure):
        check([400, 414, 431].contains(failure.status), "unexpected status \(failure.status)")
    case .head(let head, let consumed):
        check(consumed > 0 && consumed <= count, "consumed \(consumed) of \(count)")
        check(consumed <= 8192, "head of \(consumed) bytes accepted past the limit")
        check(bytes[consumed - 1] == 0x0A, "head does not end in LF")
        check(head.headers.count <= RequestHeadParser.maxHeaderFields, "\(head.headers.count) header fields")
        check(head.version.hasPrefix("HTTP/1.") && head.version.utf8.count == 8, "version \(head.version)")
        check(!head.method.isEmpty && !head.target.isEmpty, "empty method or target")
        check(!head.target.utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7F }), "target holds \(head.target.debugDescription)")
        for field in head.headers {
            check(!field.name.isEmpty && !field.name.contains(":"), "field name \(field.name.debugDescription)")
            let isOWS: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
            check(!(field.value.utf8.first.map(isOWS) ?? false) && !(field.value.utf8.last.map(isOWS) ?? false),
                  "untrimmed value \(field.value.debugDescription)")
        }
        // The head alone parses to the same head: nothing after it was looked at.
        checkPrefix(bytes, consumed, whole: whole)
        // Written out canonically (CRLF, "name: value"), the head parses back to itself.
        var text = "\(head.method) \(head.target) \(head.version)\r\n"
        for field in head.headers { text += "\(field.name): \(field.value)\r\n" }
        text += "\r\n"
        let canonical = Array(text.utf8)
        let reparsed = canonical.withUnsafeBytes { RequestHeadParser.parse($0, maxHeadBytes: 1 << 20) }
        guard case .head(let again, let used) = reparsed else {
            check(false, "canonical form gives \(describe(reparsed))")
            return 0
        }
        check(used == canonical.count && same(again, head), "canonical form parses to another head")

        _ = head.path
        if case .success(let key) = Handshake.validate(head) {
            check(Handshake.isUpgradeRequest(head), "valid upgrade that is not an upgrade request")
            let response = Handshake.switchingProtocols(key: key)
            let parsed = response.withUnsafeBytes { ResponseHeadParser.parse($0) }
            guard case .head(let responseHead, let used) = parsed else {
                check(false, "101 response unreadable")
                return 0
            }
            check(used == response.count, "101 response has trailing bytes")
            check(Handshake.isAccepted(responseHead, key: key), "own 101 response not accepted")
        }
    }
    return 0
}

@_cdecl("FuzzRequestHead_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
