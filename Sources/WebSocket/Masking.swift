/// XOR masking (RFC 6455 section 5.3), eight bytes at a time because the server unmasks every
/// byte a client sends.
enum Masking {
    /// `key` is the four mask bytes in wire order loaded as a native-endian `UInt32`; loading eight
    /// payload bytes natively then lines up with the key repeated twice on either byte order.
    /// `source` and `destination` may be the same memory.
    static func apply(key: UInt32, from source: UnsafeRawBufferPointer, to destination: UnsafeMutableRawBufferPointer) {
        let count = source.count
        precondition(destination.count >= count)
        guard count > 0, let src = source.baseAddress, let dst = destination.baseAddress else { return }
        let wideKey = UInt64(key) | UInt64(key) << 32
        var index = 0
        while index + 8 <= count {
            let word = src.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ wideKey
            dst.storeBytes(of: word, toByteOffset: index, as: UInt64.self)
            index += 8
        }
        withUnsafeBytes(of: key) { keyBytes in
            while index < count {
                let byte = src.load(fromByteOffset: index, as: UInt8.self) ^ keyBytes[index & 3]
                dst.storeBytes(of: byte, toByteOffset: index, as: UInt8.self)
                index += 1
            }
        }
    }

    /// The native-endian key for a mask given as a number whose big-endian bytes go on the wire.
    static func nativeKey(wireOrder maskKey: UInt32) -> UInt32 { maskKey.bigEndian }
}
