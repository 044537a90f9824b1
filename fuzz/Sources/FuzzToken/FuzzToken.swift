import FuzzSupport
import PushCore

// libFuzzer entry point: the <token> of PUT /update/<token>, opened with a fixed key; plus
// seal/open round trips of ids made from the input, and base64url round trips.

// Fixed keys, so a sealed token in the seed corpus opens and its mutations exercise the tag check.
private let keyA = Base64URL.encode((0 ..< 32).map { UInt8($0) })
private let keyB = Base64URL.encode((0 ..< 32).map { UInt8(255 - $0) })
private let codec = try! EndpointTokenCodec(encodedKeys: [keyA])
/// After a key rotation: a new key seals, the old one still opens.
private let rotated = try! EndpointTokenCodec(encodedKeys: [keyB, keyA])
private let other = try! EndpointTokenCodec(encodedKeys: [keyB])

private let hexDigits = Array("0123456789abcdef".utf8)

/// A valid channel id spelled from 17 input bytes: 16 for the digits, one for dashes and case.
private func channelText(_ bytes: ArraySlice<UInt8>) -> String {
    let style = bytes.first ?? 0
    var text: [UInt8] = []
    for (index, byte) in bytes.dropFirst().prefix(16).enumerated() {
        if style & 1 != 0 && [4, 6, 8, 10].contains(index) { text.append(UInt8(ascii: "-")) }
        for nibble in [byte >> 4, byte & 15] {
            var digit = hexDigits[Int(nibble)]
            if style & 2 != 0 && digit >= UInt8(ascii: "a") { digit -= 0x20 }
            text.append(digit)
        }
    }
    return String(decoding: text, as: UTF8.self)
}

private func word(_ bytes: ArraySlice<UInt8>) -> UInt64 {
    bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
}

/// What `decode` should accept as the same bytes: no padding, URL alphabet.
private func canonical(_ text: String) -> String {
    var bytes = Array(text.utf8)
    while bytes.last == UInt8(ascii: "=") { bytes.removeLast() }
    return String(decoding: bytes.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: "-") : $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0 },
                  as: UTF8.self)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    let token = String(decoding: bytes, as: UTF8.self)

    let opened = codec.open(token)
    if let (uaid, channel) = opened {
        // Only our own sealed boxes authenticate; the same token opens after rotation and with
        // the same key given twice, and never under an unrelated key.
        check(ChannelID(channel.value) != nil, "opened an invalid channel id")
        check(codec.open(token: token)?.kind == .simplePushChannel, "a channel token opened as another kind")
        let again = rotated.open(token)
        check(again?.0 == uaid && again?.1.value == channel.value, "token stopped opening after key rotation")
        check(other.open(token) == nil, "token opened under an unrelated key")
    } else {
        check(rotated.open(token) == nil, "rotated codec opened a token the old key refuses")
    }

    // base64url: decode is the inverse of encode, and accepts only canonical encodings (plus
    // padding and the standard alphabet).
    check(Base64URL.decode(Base64URL.encode(bytes)) == bytes, "base64url round trip failed")
    if let decoded = Base64URL.decode(token) {
        check(Base64URL.encode(decoded) == canonical(token), "decode accepted a non-canonical encoding: \(token.debugDescription)")
    }

    // Ids made from the input seal and open back to themselves, under both codecs.
    let padded = bytes + [UInt8](repeating: 0, count: max(0, 33 - bytes.count))
    let uaid = UAID(high: word(padded[0 ..< 8]), low: word(padded[8 ..< 16]))
    guard let channel = ChannelID(channelText(padded[16 ..< 33])) else {
        check(false, "harness built an invalid channel id \(channelText(padded[16 ..< 33]))")
        return 0
    }
    let sealed = codec.seal(uaid: uaid, channel: channel)
    let back = codec.open(sealed)
    check(back?.0 == uaid && back?.1.value == channel.value, "seal/open round trip failed")
    let fromRotated = rotated.open(sealed)
    check(fromRotated?.0 == uaid && fromRotated?.1.value == channel.value, "rotation lost an old token")
    let newToken = rotated.seal(uaid: uaid, channel: channel)
    check(codec.open(newToken) == nil, "the old key alone opened a token sealed with the new one")
    return 0
}

@_cdecl("FuzzToken_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
