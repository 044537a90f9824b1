import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// On the listening channel: when accept fails for want of descriptors or memory, stop watching
/// the socket for a moment instead of retrying at once.
///
/// NIO's own `AcceptBackoffHandler` is in the pipeline but cannot help here: a failed accept
/// leaves the channel's read pending, so the socket stays registered with epoll, stays readable
/// (the connection is still queued) and accept is retried on every wake-up, one core at 100%.
/// Turning `autoRead` off is what takes the socket out of epoll; turning it on resumes accepting.
final class AcceptPauseHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    static let defaultPause = TimeAmount.milliseconds(250)

    private let pause: TimeAmount
    private let warnings: LimitWarnings
    private var resume: Scheduled<Void>?

    init(warnings: LimitWarnings, pause: TimeAmount = AcceptPauseHandler.defaultPause) {
        self.warnings = warnings
        self.pause = pause
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let ioError = error as? IOError, Self.isResourceShortage(ioError.errnoCode), resume == nil {
            warnings.record(.openFiles, on: context.eventLoop)
            setAutoRead(false, context)
            resume = context.eventLoop.assumeIsolated().scheduleTask(in: pause) { [self] in
                resume = nil
                setAutoRead(true, context)
            }
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelResume()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if resume != nil {
            cancelResume()
            setAutoRead(true, context)
        }
    }

    private func setAutoRead(_ on: Bool, _ context: ChannelHandlerContext) {
        try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: on)
    }

    private func cancelResume() {
        resume?.cancel()
        resume = nil
    }

    private static func isResourceShortage(_ code: CInt) -> Bool {
        code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM
    }
}
