import FuzzSupport
import WebSocket

// libFuzzer entry point: the input is what a client sent after the upgrade. It is read as a
// server reads its socket: parse a frame, push it into the assembler, repeat until the buffer
// holds only part of a frame or the connection is failed or closed. Every event is checked
// against a small independent model of RFC 6455 sections 5.4-5.5.

private let maxMessage = 1024

private func isUTF8(_ bytes: [UInt8]) -> Bool {
    String(validating: bytes, as: UTF8.self) != nil
}

/// What the assembler should answer, written from the RFC rather than from its code.
private struct Model {
    var fragmented: (opcode: Opcode, bytes: [UInt8])?

    mutating func expect(_ frame: Frame) -> AssemblerEvent {
        switch frame.opcode {
        case .ping: return .ping(frame.payload)
        case .pong: return .pong(frame.payload)
        case .close:
            guard !frame.payload.isEmpty else { return .close(code: nil, reason: []) }
            guard frame.payload.count >= 2 else { return .failure(.protocolError) }
            let code = UInt16(frame.payload[0]) * 256 + UInt16(frame.payload[1])
            let reason = Array(frame.payload.dropFirst(2))
            let codeAllowed = (1000...1003).contains(code) || (1007...1011).contains(code) || (3000...4999).contains(code)
            guard codeAllowed, isUTF8(reason) else { return .failure(.protocolError) }
            return .close(code: CloseCode(code), reason: reason)
        case .text, .binary:
            if fragmented != nil { return failed(.protocolError) }
            if frame.payload.count > maxMessage { return failed(.messageTooBig) }
            if !frame.fin {
                fragmented = (frame.opcode, frame.payload)
                return .none
            }
            return whole(frame.opcode, frame.payload)
        case .continuation:
            guard var message = fragmented else { return failed(.protocolError) }
            if message.bytes.count + frame.payload.count > maxMessage { return failed(.messageTooBig) }
            message.bytes += frame.payload
            if !frame.fin {
                fragmented = message
                return .none
            }
            fragmented = nil
            return whole(message.opcode, message.bytes)
        }
    }

    private mutating func failed(_ code: CloseCode) -> AssemblerEvent {
        fragmented = nil
        return .failure(code)
    }

    private func whole(_ opcode: Opcode, _ bytes: [UInt8]) -> AssemblerEvent {
        opcode == .text && !isUTF8(bytes) ? .failure(.invalidPayload) : .message(opcode, bytes)
    }
}

private func parse(_ bytes: UnsafeRawBufferPointer, requireMask: Bool = true) -> FrameParseResult {
    FrameParser.parse(bytes, requireMask: requireMask, maxPayload: maxMessage)
}

private func checkFrame(_ frame: Frame, consumed: Int, in rest: UnsafeRawBufferPointer) {
    check(consumed >= 6 && consumed <= rest.count, "consumed \(consumed) of \(rest.count)")
    let lengthField = Int(rest[1] & 0x7F)
    let header = 2 + (lengthField == 126 ? 2 : lengthField == 127 ? 8 : 0) + 4
    check(consumed == header + frame.payload.count, "consumed \(consumed), header \(header), payload \(frame.payload.count)")
    check(frame.payload.count <= maxMessage, "payload of \(frame.payload.count) past maxPayload")
    check(rest[0] & 0x0F == frame.opcode.rawValue && (rest[0] & 0x80 != 0) == frame.fin, "opcode or fin changed")
    if frame.opcode.isControl {
        check(frame.fin && frame.payload.count <= 125, "control frame fragmented or longer than 125")
    }
    // One byte short of the frame is not a frame yet.
    let short = parse(UnsafeRawBufferPointer(rebasing: rest[0 ..< consumed - 1]))
    check(short == .needMore, "frame minus its last byte gives \(short)")
    // Unmasking is correct: re-masking with the same key gives the wire bytes back.
    let keyBytes = Array(rest[header - 4 ..< header])
    for (index, byte) in frame.payload.enumerated() {
        check(byte ^ keyBytes[index & 3] == rest[header + index], "payload byte \(index) unmasked wrongly")
    }
    // The encoder, given the same key, writes the same frame; byte for byte when the sender used
    // the shortest length form (the parser accepts longer ones too).
    let wireKey = keyBytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    let encoded = FrameEncoder.encode(frame.opcode, payload: frame.payload, fin: frame.fin, maskKey: wireKey)
    let minimal = lengthField < 126 || (lengthField == 126 && frame.payload.count > 125)
        || (lengthField == 127 && frame.payload.count > 0xFFFF)
    if minimal {
        check(encoded.elementsEqual(rest[0 ..< consumed]), "re-encoded frame differs from the wire bytes")
    }
    let reparsed = encoded.withUnsafeBytes { parse($0) }
    check(reparsed == .frame(frame, consumed: encoded.count), "re-encoded frame parses to \(reparsed)")
    var appended: [UInt8] = [0xAB]
    frame.payload.withUnsafeBytes {
        FrameEncoder.append(frame.opcode, payload: $0, fin: frame.fin, maskKey: wireKey, to: &appended)
    }
    check(appended.dropFirst().elementsEqual(encoded) && appended[0] == 0xAB, "append differs from encode")
    // The validator agrees with the standard library on every payload.
    check(UTF8Validator.isValid(frame.payload) == isUTF8(frame.payload), "UTF8Validator disagrees on \(frame.payload)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    var assembler = MessageAssembler(maxMessage: maxMessage)
    var model = Model()
    var offset = 0
    while offset < count {
        let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
        // A client must refuse any masked frame.
        if rest.count >= 2 && rest[1] & 0x80 != 0 {
            let asClient = parse(rest, requireMask: false)
            check(asClient == .failure(.protocolError), "client accepted a masked frame: \(asClient)")
        }
        switch parse(rest) {
        case .needMore:
            check(rest.count < 14 + maxMessage, "needMore with \(rest.count) bytes buffered")
            return 0
        case .failure(let code):
            check(code == .protocolError || code == .messageTooBig, "parser failed with \(code)")
            return 0
        case .frame(let frame, let consumed):
            checkFrame(frame, consumed: consumed, in: rest)
            let event = assembler.push(frame)
            let expected = model.expect(frame)
            check(event == expected, "assembler gave \(event), expected \(expected)")
            check(assembler.isIdle == (model.fragmented == nil), "assembler idle state differs from the model")
            switch event {
            case .close, .failure: return 0  // the server closes the connection here
            case .none, .message, .ping, .pong: break
            }
            offset += consumed
        }
    }
    return 0
}

@_cdecl("FuzzFrames_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
