import ConnectionNode
import Endpoint
import Foundation
import Hummingbird
import PushCore

/// The router listener's routes, which other nodes of the fleet call (a private address only):
/// `PUT /push/<uaid>` hands a message to this node's connection for the device (200, or 404 when
/// it holds none), `DELETE /notif/<uaid>/<connected at>` closes that connection if it is the one
/// made then (200, or 404).
public struct RouterRoutes: RouteModule {
    let node: ConnectionNode

    public init(node: ConnectionNode) {
        self.node = node
    }

    public func addRoutes(to router: Hummingbird.Router<BasicRequestContext>) {
        router.put("/push/:uaid") { request, context -> Response in
            guard let uaid = context.parameters.get("uaid").flatMap(UAID.init) else { return Response(status: .badRequest) }
            let body = try await request.body.collect(upTo: 64 * 1024)
            guard let message = RoutedMessage.decode(Data(body.readableBytesView)) else { return Response(status: .badRequest) }
            return Response(status: node.routeNow(message, to: uaid) == .deliveredHere ? .ok : .notFound)
        }
        router.delete("/notif/:uaid/:connectedAt") { _, context -> Response in
            guard let uaid = context.parameters.get("uaid").flatMap(UAID.init),
                  let connectedAt = context.parameters.get("connectedAt").flatMap(Int64.init) else { return Response(status: .badRequest) }
            return Response(status: node.disconnect(uaid, ifConnectedAt: connectedAt) ? .ok : .notFound)
        }
    }
}
