/// Decodes one frame from the front of a byte buffer (RFC 6455 section 5.2).
///
/// Every check that the first bytes allow is made before waiting for the rest, so a hostile peer
/// is refused without the server buffering a frame it would reject anyway.
public enum FrameParser {
    /// Parses one frame from the front of `bytes`. A server passes `requireMask: true` (clients must
    /// mask); a client passes `false` and then rejects masked frames. A declared payload longer than
    /// `maxPayload` fails with `.messageTooBig` as soon as the length is known.
    public static func parse(_ bytes: UnsafeRawBufferPointer, requireMask: Bool, maxPayload: Int) -> FrameParseResult {
        guard bytes.count >= 2 else { return .needMore }
        let first = bytes[0], second = bytes[1]

        let fin = first & 0x80 != 0
        // No extension is negotiated, so any reserved bit is a protocol violation.
        guard first & 0x70 == 0, let opcode = Opcode(rawValue: first & 0x0F) else { return .failure(.protocolError) }
        let masked = second & 0x80 != 0
        guard masked == requireMask else { return .failure(.protocolError) }
        let shortLength = Int(second & 0x7F)
        if opcode.isControl && (!fin || shortLength > 125) { return .failure(.protocolError) }

        var offset = 2
        let length: Int
        switch shortLength {
        case 126:
            guard bytes.count >= 4 else { return .needMore }
            length = Int(readBigEndian(bytes, at: 2, width: 2))
            offset = 4
        case 127:
            guard bytes.count >= 10 else { return .needMore }
            let wide = readBigEndian(bytes, at: 2, width: 8)
            guard wide & (1 << 63) == 0 else { return .failure(.protocolError) }
            length = Int(wide)
            offset = 10
        default:
            length = shortLength
        }
        guard length <= maxPayload else { return .failure(.messageTooBig) }

        var key: UInt32 = 0
        if masked {
            guard bytes.count >= offset + 4 else { return .needMore }
            key = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            offset += 4
        }
        // Compared by subtraction: `offset + length` could overflow for a huge maxPayload.
        guard bytes.count - offset >= length else { return .needMore }

        let body = UnsafeRawBufferPointer(rebasing: bytes[offset ..< offset + length])
        let payload = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            let destination = UnsafeMutableRawBufferPointer(buffer)
            if masked {
                Masking.apply(key: key, from: body, to: destination)
            } else if length > 0 {
                destination.copyMemory(from: body)
            }
            initialized = length
        }
        return .frame(Frame(fin: fin, opcode: opcode, payload: payload), consumed: offset + length)
    }

    private static func readBigEndian(_ bytes: UnsafeRawBufferPointer, at start: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in start ..< start + width {
            value = value << 8 | UInt64(bytes[index])
        }
        return value
    }
}
