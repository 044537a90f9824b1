import FuzzSupport
import WebPush

// libFuzzer entry point: the WebPush rules a stranger's bytes reach. The input is read twice:
// whole, as a device's WebSocket message; and as a push request, its first line the body length
// and each later line a `name: value` header.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    checkDeviceMessage(bytes)
    checkPushRequest(String(decoding: bytes, as: UTF8.self))
    return 0
}

private func checkDeviceMessage(_ bytes: [UInt8]) {
    let message = DeviceMessage.decode(bytes)
    if DeviceMessage.isWebPushHello(bytes) {
        guard case .hello = message else { return check(false, "a WebPush hello did not decode as a hello") }
    }
    if case .register(_, let key?) = message {
        check(key.count == 65 && key[0] == 4, "accepted a key that is not an uncompressed point")
    }
}

private func checkPushRequest(_ text: String) {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard let first = lines.first, let bodyLength = Int(first), bodyLength >= 0 else { return }
    var headers: [String: String] = [:]
    for line in lines.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " })
    }
    let parsed = Result { () throws(PushError) in try PushRequest.parse(header: { headers[$0] }, bodyLength: bodyLength) }
    switch parsed {
    case .success(let request):
        check(request.ttl >= 0 && request.ttl <= PushRequest.maxTTL, "a TTL outside 0…30 days")
        check(bodyLength <= PushRequest.maxPayload, "accepted a body over the limit")
        check(request.deviceHeaders.isEmpty == (bodyLength == 0), "encryption headers without a body, or a body without them")
        if let topic = request.topic {
            check(!topic.isEmpty && topic.utf8.count <= 32, "accepted a topic of the wrong length")
        }
    case .failure(let error):
        check([110, 111, 112, 113, 114].contains(error.errno) && error.status == 400
                  || error.errno == 104 && error.status == 413, "an errno outside the header table")
    }
}

@_cdecl("FuzzWebPush_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
