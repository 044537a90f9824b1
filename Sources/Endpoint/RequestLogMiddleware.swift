import Foundation
import Hummingbird
import Logging

/// One info line per request, with Hummingbird's request id. The path is logged with the update
/// token cut out: a token is a capability to push to a device.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info("request", metadata: [
            "method": "\(request.method.rawValue)",
            "path": "\(RequestLogMiddleware.redacted(request.uri.path))",
            "status": "\(response.status.code)",
            "ms": "\(String(format: "%.2f", milliseconds))",
        ])
        return response
    }

    static func redacted(_ path: String) -> String {
        path.hasPrefix("/update/") ? "/update/<token>" : path
    }
}
