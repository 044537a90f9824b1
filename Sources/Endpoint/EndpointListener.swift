import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// The endpoint listener: Hummingbird's router and HTTP/1 channel on a socket bound here rather
/// than by Hummingbird's server, which cannot set SO_REUSEPORT. With `sharesPort` the workers of a
/// cluster all listen on one port and the kernel spreads the connections among them.
struct EndpointListener: Service {
    let host: String
    let port: Int
    let sharesPort: Bool
    let connections: GuardedHTTP1Channel
    let onServerRunning: @Sendable (any Channel) async -> Void
    let logger: Logger

    func run() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let quiescing = ServerQuiescingHelper(group: group)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(ChannelOptions.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: sharesPort ? 1 : 0)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
        let connections = self.connections, logger = self.logger
        let server = try await bootstrap.bind(
            host: host, port: port, serverBackPressureStrategy: nil
        ) { (channel: any Channel) -> EventLoopFuture<GuardedHTTP1Channel.Value> in
            connections.setup(channel: channel, logger: logger)
        }
        // Graceful shutdown: the quiescing helper closes the listening socket (which ends the
        // accept loop) and asks every connection to finish its request in flight and close; the
        // task group then waits for them.
        await withGracefulShutdownHandler {
            await onServerRunning(server.channel)
            await withDiscardingTaskGroup { tasks in
                do {
                    try await server.executeThenClose { inbound in
                        for try await connection in inbound {
                            tasks.addTask { await connections.handle(value: connection, logger: logger) }
                        }
                    }
                } catch {
                    logger.error("endpoint listener stopped accepting", metadata: ["error": "\(error)"])
                }
            }
        } onGracefulShutdown: {
            quiescing.initiateShutdown(promise: nil)
        }
    }

    /// Hands each parsed request to the router with a request context, as Hummingbird's
    /// application does: an error the router lets through becomes a 500, and every response
    /// carries a Date header.
    static func respond(with responder: RouterResponder<BasicRequestContext>, logger: Logger) -> HTTPChannelHandler.Responder {
        let dates = HTTPDateCache()
        return { request, writer, channel in
            var requestLogger = logger
            requestLogger[metadataKey: "hb.request.id"] = .stringConvertible(RequestID())
            let context = BasicRequestContext(source: .init(channel: channel, logger: requestLogger))
            var response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch let error as HTTPParserError {
                throw error
            } catch {
                requestLogger.debug("unhandled error from a route", metadata: ["error.type": "\(error)"])
                response = Response(status: .internalServerError)
            }
            response.headers[.date] = dates.now()
            try await writer.write(response: response.head, body: response.body)
        }
    }
}
