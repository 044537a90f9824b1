/// What one update looks like on the wire, as its protocol's app server sends it. The sender only
/// moves the bytes and hands back the answers; this decides what the bytes are.
protocol UpdateRequests: AnyObject {
    /// Names the requests in error kinds: "put", "post".
    var name: String { get }
    /// Whether a status means the server took the update.
    func accepts(_ status: Int) -> Bool
    /// The whole HTTP request for one update to `path`; `version` is SimplePush's (WebPush has none).
    func request(path: String, version: Int64, to destination: LoadTarget) throws -> [UInt8]
}

/// SimplePush: `PUT <path>` with the form body `version=N`, plus `data` of the planned size.
final class SimplePushRequests: UpdateRequests {
    let name = "put"
    /// `&data=…`, or nothing.
    private let data: String

    init(dataSize: Int) {
        // Letters and digits need no form encoding, so the data is exactly dataSize bytes.
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        data = dataSize > 0 ? "&data=" + String((0 ..< dataSize).map { alphabet[$0 % alphabet.count] }) : ""
    }

    func accepts(_ status: Int) -> Bool { status == 200 || status == 202 }

    func request(path: String, version: Int64, to destination: LoadTarget) -> [UInt8] {
        let body = "version=\(version)" + data
        let request = "PUT \(path) HTTP/1.1\r\nHost: \(destination.hostHeader)\r\n"
            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        return Array(request.utf8)
    }
}
