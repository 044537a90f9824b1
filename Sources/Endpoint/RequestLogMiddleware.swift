import Foundation
import Hummingbird
import Logging

/// One info line per request, with Hummingbird's request id. The path is logged with the update
/// token cut out: a token is a capability to push to a device.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        RequestLogLine.log(context.logger, method: request.method, path: request.uri.path, status: response.status, since: start)
        return response
    }
}

/// The request line both ways of answering write, inline routes and Hummingbird's router.
enum RequestLogLine {
    static func log(_ logger: Logger, method: HTTPRequest.Method, path: String, status: HTTPResponse.Status,
                    since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        logger.info("request", metadata: [
            "method": "\(method.rawValue)",
            "path": "\(redacted(path))",
            "status": "\(status.code)",
            "ms": "\(String(format: "%.2f", milliseconds))",
        ])
    }

    static func redacted(_ path: String) -> String {
        path.hasPrefix("/update/") ? "/update/<token>" : path
    }
}
