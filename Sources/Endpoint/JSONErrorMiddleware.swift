import Hummingbird
import Logging

/// Keeps every reply JSON: errors the router raises itself (unknown path → 404) become
/// `{"status":…,"error":…}`, and anything unexpected becomes a 500 without internal details.
/// HEAD replies keep their headers and drop the body.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = .jsonError(error.status, message: error.status.reasonPhrase)
        } catch {
            logger.error("unexpected error answering an endpoint request", metadata: ["error": "\(error)"])
            response = .jsonError(.internalServerError, message: "Internal server error")
        }
        return request.method == .head ? response.createHeadResponse() : response
    }
}
