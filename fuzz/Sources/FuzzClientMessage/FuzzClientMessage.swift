import FuzzSupport
import Foundation
import PushCore
import SimplePush

// libFuzzer entry point: one WebSocket message from a device, decoded and run through the
// protocol engine on a fresh connection and on one that has said hello. Replies are checked with
// Foundation's JSON parser, which shares no code with the server's.

private let engine = SessionEngine(settings: .init(maxChannels: 200, minPingInterval: 20))
private let helloUAID = UAID(high: 0x0123_4567_89ab_cdef, low: 0xfedc_ba98_7654_3210)

/// The reply parses as a JSON object; error replies carry a numeric status and a message.
private func checkReply(_ text: String, isError: Bool) {
    guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
        return check(false, "reply is not a JSON object: \(text.debugDescription)")
    }
    guard isError else { return }
    check(object["status"] is NSNumber && object["error"] is String, "error reply without status and error: \(text)")
}

private func checkAfterPing(_ bytes: [UInt8], session: inout Session, now: Double) {
    // A second ping right after the first is refused (min ping interval 20 s).
    guard case .replyAndClose(let text) = engine.handle(bytes, session: &session, now: now + 1) else {
        return check(false, "second ping within the interval was not refused")
    }
    checkReply(text, isError: true)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    let decoded = ClientMessage.decode(bytes)
    let notAnObject: Bool
    if case .failure(.notAnObject) = decoded { notAnObject = true } else { notAnObject = false }

    var fresh = Session()
    switch engine.handle(bytes, session: &fresh, now: 100) {
    case .close:
        check(notAnObject, "closed without a reply, but decode found an object")
    case .reply(let text):
        check(text == Replies.ping, "reply before hello other than to a ping: \(text)")
        check(fresh.lastPing == 100, "ping not recorded")
        checkAfterPing(bytes, session: &fresh, now: 100)
    case .replyAndClose(let text):
        check(!notAnObject, "error reply to a message that is not an object")
        checkReply(text, isError: true)
    case .nothing:
        check(fresh.phase == .awaitingHello, "purge changed the phase")
    case .hello:
        check(fresh.phase == .helloInFlight, "hello did not start the handshake")
    case .register, .unregister, .ack, .repeatHello:
        check(false, "store work requested before hello")
    }

    var ready = Session()
    ready.uaid = helloUAID
    ready.phase = .ready
    switch engine.handle(bytes, session: &ready, now: 100) {
    case .close:
        check(notAnObject, "closed without a reply, but decode found an object")
    case .reply(let text):
        checkReply(text, isError: false)
        if text == Replies.ping { checkAfterPing(bytes, session: &ready, now: 100) }
    case .replyAndClose(let text):
        checkReply(text, isError: true)
    case .hello:
        check(false, "a ready session started a second handshake")
    case .register(let uaid, _), .unregister(let uaid, _):
        check(uaid == helloUAID, "store work for another UAID")
    case .ack(let uaid, let updates):
        check(uaid == helloUAID, "store work for another UAID")
        check(updates.allSatisfy { $0.1 >= 0 }, "negative version acked")
    case .nothing, .repeatHello:
        break
    }
    check(ready.uaid == helloUAID, "the session's UAID changed")
    return 0
}

@_cdecl("FuzzClientMessage_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
