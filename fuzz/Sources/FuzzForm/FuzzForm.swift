import FuzzSupport
import HTTPForm

// libFuzzer entry point: a query string or form body of PUT /update/<token>.

/// Percent-encodes everything but unreserved characters, so the text has a single reading.
private func encode(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = Array("0123456789ABCDEF".utf8)
            out += String(decoding: [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
        }
    }
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let array = Array(UnsafeBufferPointer(start: start, count: count))
    let fields = FormURLEncoding.decode(array)

    // A collection not starting at index 0 (like NIO's byte view) decodes the same.
    let shifted = ([0x26] + array)[1...]
    check(FormURLEncoding.decode(shifted) == fields, "a slice not starting at 0 decodes differently")

    // Without escapes, valid UTF-8 always decodes: only a bad escape or bad UTF-8 is refused.
    if !array.contains(UInt8(ascii: "%")) && String(validating: array, as: UTF8.self) != nil {
        check(fields != nil, "escape-free UTF-8 refused")
    }
    guard let fields else { return 0 }

    // Every key and value comes from one '&'-separated pair, so none is longer than the input.
    for (key, value) in fields {
        check(key.utf8.count <= count && value.utf8.count <= count, "field longer than the input")
    }
    // Encoded again, the fields decode to themselves.
    let text = fields.map { encode($0.key) + "=" + encode($0.value) }.joined(separator: "&")
    check(FormURLEncoding.decode(Array(text.utf8)) == fields, "re-encoded form decodes differently: \(text)")
    // The first occurrence of a key wins: appending a pair never changes an existing field.
    let extended = FormURLEncoding.decode(array + Array("&version=1&data=x".utf8))
    if let extended {
        for (key, value) in fields { check(extended[key] == value, "a later pair replaced \(key.debugDescription)") }
    } else {
        check(false, "appending a valid pair made the form invalid")
    }
    return 0
}

@_cdecl("FuzzForm_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
