import NIOCore
import NIOHTTPTypes

/// Enforces the header, body and idle timeouts on one endpoint connection and tells the registry
/// when the connection is idle (no request being read or answered), which makes it sheddable.
///
/// NIO's `IdleStateHandler` does not fit: any byte resets it, so a client sending a byte a second
/// would never be cut, and it cannot tell a slow client from a slow response. One timer per
/// connection is armed for whichever deadline applies in the current phase; it is moved only when
/// a deadline becomes earlier, and re-checks the phase when it fires.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    private let registry: ConnectionRegistry
    private let warnings: LimitWarnings

    /// Heads read whose response has not been written to the end.
    private var requestsUnanswered = 0
    private var isReadingBody = false
    /// Between a response and the first byte of the next request: the idle timeout applies.
    private var isWaitingForNextRequest = false
    /// When the current phase began: connection opened, first byte of a request, head, response end.
    private var phaseStart = NIODeadline.now()
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var context: ChannelHandlerContext?

    init(limits: ConnectionLimits, registry: ConnectionRegistry, warnings: LimitWarnings) {
        self.limits = limits
        self.registry = registry
        self.warnings = warnings
    }

    private var isIdle: Bool { requestsUnanswered == 0 && !isReadingBody }

    /// The limit that applies now and when it runs out; nil while a response is being made.
    private var pendingLimit: (limit: LimitWarnings.Limit, deadline: NIODeadline)? {
        if isReadingBody {
            // A later pipelined body waits on the response before it, not on the client.
            return requestsUnanswered <= 1 ? (.bodyTimeout, phaseStart + limits.bodyTimeout) : nil
        }
        if requestsUnanswered > 0 { return nil }
        if isWaitingForNextRequest { return (.idleTimeout, phaseStart + limits.idleTimeout) }
        return (.headerTimeout, phaseStart + limits.headerTimeout)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // Added while the accepted channel is already active, so the header clock starts here.
        phaseStart = .now()
        armTimer()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    /// Called by `RequestBytesWatcher` for every read, before HTTP decoding.
    func bytesArrived() {
        guard isWaitingForNextRequest else { return }
        isWaitingForNextRequest = false
        phaseStart = .now()
        armTimer()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let wasIdle = isIdle
        switch unwrapInboundIn(data) {
        case .head:
            requestsUnanswered += 1
            isReadingBody = true
            isWaitingForNextRequest = false
            phaseStart = .now()
        case .body:
            break
        case .end:
            isReadingBody = false
            if requestsUnanswered == 0 { startWaitingForNextRequest() }
        }
        update(wasIdle: wasIdle, channel: context.channel)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            let wasIdle = isIdle
            // A parse error is answered without a head having been read.
            requestsUnanswered = max(0, requestsUnanswered - 1)
            if isIdle { startWaitingForNextRequest() }
            update(wasIdle: wasIdle, channel: context.channel)
        }
        context.write(data, promise: promise)
    }

    private func startWaitingForNextRequest() {
        isWaitingForNextRequest = true
        phaseStart = .now()
    }

    private func update(wasIdle: Bool, channel: any Channel) {
        if wasIdle != isIdle { registry.setIdle(channel, isIdle) }
        armTimer()
    }

    private func armTimer() {
        guard let context, let deadline = pendingLimit?.deadline else { return }
        // A timer due earlier stays: it re-reads the phase when it fires.
        if let timerDeadline, timerDeadline <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timerFired()
        }
    }

    private func timerFired() {
        timer = nil
        timerDeadline = nil
        guard let context, let (limit, deadline) = pendingLimit else { return }
        if deadline <= .now() {
            warnings.record(limit, on: context.eventLoop)
            context.close(promise: nil)
        } else {
            armTimer()
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        timerDeadline = nil
    }
}

/// First in the pipeline, before HTTP decoding: sees the first byte of a request, which ends the
/// idle wait on a kept-alive connection and starts the header clock.
final class RequestBytesWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let connectionGuard: ConnectionGuard

    init(_ connectionGuard: ConnectionGuard) {
        self.connectionGuard = connectionGuard
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connectionGuard.bytesArrived()
        context.fireChannelRead(data)
    }
}
