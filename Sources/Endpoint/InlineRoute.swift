import HTTPTypes
import Hummingbird
import NIOCore

/// A request an inline route reads whole before answering.
public struct InlineRequest: Sendable {
    public let head: HTTPRequest
    public let body: BoundedBody
}

/// How an inline route answers: at once, on the event loop that read the request, or after
/// async work (a store that does I/O), written when the work is done.
public enum InlineReply: Sendable {
    case now(PlainResponse)
    case later(@Sendable () async -> PlainResponse)

    /// The answer as a Hummingbird response, for the same route served through the router.
    public func response() async -> Response {
        switch self {
        case .now(let response): return Response(response)
        case .later(let work): return Response(await work())
        }
    }
}

/// A route answered by the endpoint's own channel handler instead of Hummingbird's router: for
/// the update paths, where Hummingbird's task-per-request handling cost more than the update
/// itself (BENCHMARKS.md, "The update path on the event loop"). The same module also serves the
/// path through Hummingbird, which takes the requests pipelined behind one of its own.
public protocol InlineRoute: Sendable {
    /// The most body bytes this route reads for a request with `head`; nil when it does not take it.
    func bodyLimit(for head: HTTPRequest) -> Int?

    /// Answers a request whose head `bodyLimit` accepted. A body longer than the limit, by its
    /// `Content-Length` or as read, arrives as `.tooLarge` and is not buffered.
    func respond(to request: InlineRequest) -> InlineReply
}

/// Reading a request target on its UTF-8 view: inline routes look at every request's target,
/// and `Character` indexing was a visible share of a request's cost.
public enum RequestTarget {
    /// For a target `<prefix><segment>[/][?query]` with a non-empty segment holding no `/`:
    /// the segment and the query (empty when there is none). Nil for any other target.
    public static func lastSegment(of target: String, after prefix: String) -> (segment: Substring, query: Substring)? {
        let bytes = target.utf8
        guard bytes.starts(with: prefix.utf8) else { return nil }
        let start = bytes.index(bytes.startIndex, offsetBy: prefix.utf8.count)
        let pathEnd = bytes[start...].firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
        var end = pathEnd
        if end > start, bytes[bytes.index(before: end)] == UInt8(ascii: "/") { end = bytes.index(before: end) }
        guard end > start, !bytes[start..<end].contains(UInt8(ascii: "/")) else { return nil }
        let queryStart = pathEnd == bytes.endIndex ? pathEnd : bytes.index(after: pathEnd)
        return (target[start..<end], target[queryStart...])
    }
}
