/// Builds frames (RFC 6455 section 5.2). Servers send unmasked frames; clients pass a `maskKey`,
/// whose big-endian bytes become the wire mask.
public enum FrameEncoder {
    /// Bytes the frame header takes for a payload of `payloadCount` bytes.
    @inlinable
    public static func headerSize(payloadCount: Int, masked: Bool) -> Int {
        let lengthBytes = payloadCount <= 125 ? 0 : (payloadCount <= 0xFFFF ? 2 : 8)
        return 2 + lengthBytes + (masked ? 4 : 0)
    }

    public static func encode(_ opcode: Opcode, payload: UnsafeRawBufferPointer, fin: Bool = true, maskKey: UInt32? = nil) -> [UInt8] {
        let total = headerSize(payloadCount: payload.count, masked: maskKey != nil) + payload.count
        return [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            initialized = write(opcode, payload: payload, fin: fin, maskKey: maskKey, into: UnsafeMutableRawBufferPointer(buffer))
        }
    }

    public static func encode(_ opcode: Opcode, payload: [UInt8], fin: Bool = true, maskKey: UInt32? = nil) -> [UInt8] {
        payload.withUnsafeBytes { encode(opcode, payload: $0, fin: fin, maskKey: maskKey) }
    }

    /// Appends a frame to an outgoing buffer, so a writer can batch frames without a temporary array.
    public static func append(_ opcode: Opcode, payload: UnsafeRawBufferPointer, fin: Bool = true, maskKey: UInt32? = nil, to output: inout [UInt8]) {
        let start = output.count
        let total = headerSize(payloadCount: payload.count, masked: maskKey != nil) + payload.count
        output.append(contentsOf: repeatElement(0, count: total))
        output.withUnsafeMutableBytes { whole in
            let region = UnsafeMutableRawBufferPointer(rebasing: whole[start ..< start + total])
            _ = write(opcode, payload: payload, fin: fin, maskKey: maskKey, into: region)
        }
    }

    /// An unmasked, final text frame.
    public static func text(_ string: String) -> [UInt8] {
        var string = string
        return string.withUTF8 { encode(.text, payload: UnsafeRawBufferPointer($0)) }
    }

    /// An unmasked close frame. The reason is cut at a character boundary so the payload stays
    /// within the 125 bytes allowed for control frames and remains valid UTF-8.
    public static func close(_ code: CloseCode, reason: String = "", maskKey: UInt32? = nil) -> [UInt8] {
        encode(.close, payload: closePayload(code, reason: reason), maskKey: maskKey)
    }

    /// The body of a close frame: the code in network order followed by the UTF-8 reason.
    public static func closePayload(_ code: CloseCode, reason: String) -> [UInt8] {
        var payload: [UInt8] = [UInt8(code.rawValue >> 8), UInt8(code.rawValue & 0xFF)]
        for character in reason {
            let utf8 = character.utf8
            guard payload.count + utf8.count <= 125 else { break }
            payload.append(contentsOf: utf8)
        }
        return payload
    }

    /// Writes header and (masked) payload into `output`, which must be exactly large enough; returns the size.
    private static func write(_ opcode: Opcode, payload: UnsafeRawBufferPointer, fin: Bool, maskKey: UInt32?, into output: UnsafeMutableRawBufferPointer) -> Int {
        let count = payload.count
        let maskBit: UInt8 = maskKey == nil ? 0 : 0x80
        output[0] = (fin ? 0x80 : 0) | opcode.rawValue
        var offset = 2
        if count <= 125 {
            output[1] = maskBit | UInt8(count)
        } else if count <= 0xFFFF {
            output[1] = maskBit | 126
            output[2] = UInt8(count >> 8)
            output[3] = UInt8(count & 0xFF)
            offset = 4
        } else {
            output[1] = maskBit | 127
            let wide = UInt64(count)
            for index in 0 ..< 8 {
                output[2 + index] = UInt8(truncatingIfNeeded: wide >> (56 - 8 * UInt64(index)))
            }
            offset = 10
        }
        if let maskKey {
            let key = Masking.nativeKey(wireOrder: maskKey)
            output.storeBytes(of: key, toByteOffset: offset, as: UInt32.self)
            offset += 4
            Masking.apply(key: key, from: payload, to: UnsafeMutableRawBufferPointer(rebasing: output[offset ..< offset + count]))
        } else if count > 0 {
            UnsafeMutableRawBufferPointer(rebasing: output[offset ..< offset + count]).copyMemory(from: payload)
        }
        return offset + count
    }
}
