import Hummingbird

/// RFC 9112 §6.1: a request whose transfer codings the server does not understand is answered
/// 501. The only coding understood here is `chunked` on its own; the HTTP parser accepts
/// `gzip, chunked` because it can find the message's end, but the body would still be gzip.
public enum TransferCoding {
    /// False when the request carries `Transfer-Encoding` with anything but exactly `chunked`.
    public static func isSupported(_ headers: HTTPFields) -> Bool {
        let values = headers[values: .transferEncoding]
        guard !values.isEmpty else { return true }
        // Several header lines form one list; empty list elements are allowed and mean nothing.
        let codings = values.flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty }
        return codings == ["chunked"]
    }
}
