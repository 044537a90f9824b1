import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTPTypes

/// Answers the requests an inline route takes, on the connection's event loop, and passes every
/// other request on to Hummingbird. Responses leave in request order: a request behind one that
/// Hummingbird has not answered goes to Hummingbird too, and input behind an inline request
/// waits, unread, until that request is answered.
///
/// Sits after Hummingbird's connection-state handler, so keep-alive, `Connection: close`, graceful
/// shutdown and the endpoint's timeouts see inline requests as they see every other.
final class InlineRoutesHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// An inline request being read.
    private struct Reading {
        let route: any InlineRoute
        let head: HTTPRequest
        let limit: Int
        var body = ByteBuffer()
        var tooLarge: Bool
        /// For the request line; nil when the logger would drop it.
        let start: ContinuousClock.Instant?
    }

    private let routes: [any InlineRoute]
    private let logger: Logger
    private var reading: Reading?
    /// Requests passed on to Hummingbird whose response has not ended.
    private var forwardedUnanswered = 0
    /// An inline response is being made: input waits in `held`, and reads are not asked for.
    private var answering = false
    private var held = CircularBuffer<HTTPRequestPart>()
    private var readWasHeld = false

    init(routes: [any InlineRoute], logger: Logger) {
        self.routes = routes
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if answering || !held.isEmpty { return held.append(part) }
        process(part, context: context)
    }

    func read(context: ChannelHandlerContext) {
        if answering { readWasHeld = true } else { context.read() }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Only Hummingbird's responses pass here; the inline ones are written from this handler.
        if case .end = unwrapOutboundIn(data) { forwardedUnanswered = max(0, forwardedUnanswered - 1) }
        context.write(data, promise: promise)
    }

    private func process(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            if forwardedUnanswered == 0, let (route, limit) = match(head) {
                let declared = head.headerFields[.contentLength].flatMap(Int.init) ?? 0
                reading = Reading(route: route, head: head, limit: limit, tooLarge: declared > limit,
                                  start: logger.logLevel <= .info ? .now : nil)
                return
            }
            forwardedUnanswered += 1
        case .body(let chunk):
            guard reading != nil else { break }
            if reading!.tooLarge { return }
            if reading!.body.readableBytes + chunk.readableBytes > reading!.limit {
                // Read on to the request's end, keeping nothing.
                reading!.tooLarge = true
                reading!.body = ByteBuffer()
            } else {
                reading!.body.writeImmutableBuffer(chunk)
            }
            return
        case .end:
            guard let request = reading else { break }
            reading = nil
            return answer(request, context: context)
        }
        context.fireChannelRead(wrapInboundOut(part))
    }

    private func match(_ head: HTTPRequest) -> (any InlineRoute, Int)? {
        for route in routes {
            if let limit = route.bodyLimit(for: head) { return (route, limit) }
        }
        return nil
    }

    private func answer(_ request: Reading, context: ChannelHandlerContext) {
        answering = true
        let inline = InlineRequest(head: request.head, body: request.tooLarge ? .tooLarge : .read(request.body))
        switch request.route.respond(to: inline) {
        case .now(let response):
            write(response, to: request, context: context)
        case .later(let work):
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            // Callbacks of a loop's future run on that loop, where the handler lives.
            context.eventLoop.makeFutureWithTask(work).whenSuccess { response in
                let (handler, context) = bound.value
                handler.write(response, to: request, context: context)
            }
        }
    }

    private func write(_ response: PlainResponse, to request: Reading, context: ChannelHandlerContext) {
        if let start = request.start {
            // The same line, and the same kind of request id, as Hummingbird's router writes.
            let path = request.head.path.map { String($0.prefix { $0 != "?" }) } ?? ""
            var logger = logger
            logger[metadataKey: "hb.request.id"] = .stringConvertible(RequestID())
            RequestLogLine.log(logger, method: request.head.method, path: path, status: response.status, since: start)
        }
        var headers = response.headers
        headers[.contentLength] = String(response.body.readableBytes)
        context.write(wrapOutboundOut(.head(HTTPResponse(status: response.status, headerFields: headers))), promise: nil)
        if response.body.readableBytes > 0 { context.write(wrapOutboundOut(.body(response.body)), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        answering = false
        // Pipelined input that waited: in order, until it starts another inline answer. What it
        // passes on is handed over with a read-complete, as a read from the socket would be
        // (Hummingbird's channel delivers its reads then).
        let replaying = !held.isEmpty
        while !answering, let part = held.popFirst() {
            process(part, context: context)
        }
        if replaying { context.fireChannelReadComplete() }
        if !answering && readWasHeld {
            readWasHeld = false
            context.read()
        }
    }
}
