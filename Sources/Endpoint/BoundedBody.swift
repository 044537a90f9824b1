import Hummingbird

/// A request body read whole, up to a limit.
public enum BoundedBody: Sendable {
    case read(ByteBuffer)
    /// Longer than the limit: reading stopped there.
    case tooLarge
    /// The connection failed while the body was read.
    case unreadable
}

extension Request {
    /// Reads the body, stopping as soon as it passes `limit` bytes, so an oversized body is
    /// never buffered whole; one whose `Content-Length` already says so is not read at all.
    public func readBody(limit: Int) async -> BoundedBody {
        if let declared = headers[.contentLength].flatMap(Int.init), declared > limit { return .tooLarge }
        var body = ByteBuffer()
        do {
            for try await chunk in self.body {
                guard body.readableBytes + chunk.readableBytes <= limit else { return .tooLarge }
                body.writeImmutableBuffer(chunk)
            }
        } catch {
            return .unreadable
        }
        return .read(body)
    }
}
