@testable import Endpoint
import HTTPTypes
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import XCTest

/// Takes `/inline/…` with a body of at most 8 bytes and answers with the path and the body.
private struct EchoRoute: InlineRoute {
    let later: Bool

    func bodyLimit(for head: HTTPRequest) -> Int? { head.path?.hasPrefix("/inline/") == true ? 8 : nil }

    func respond(to request: InlineRequest) -> InlineReply {
        let body: String
        switch request.body {
        case .read(let bytes): body = String(buffer: bytes)
        case .tooLarge: body = "too large"
        case .unreadable: body = "unreadable"
        }
        let response = PlainResponse(status: .ok, body: ByteBuffer(string: "\(request.head.path ?? "") \(body)"))
        return later ? .later { response } : .now(response)
    }
}

final class InlineRoutesHandlerTests: XCTestCase {
    private func head(_ path: String, contentLength: Int? = nil) -> HTTPRequestPart {
        var fields: HTTPFields = [:]
        if let contentLength { fields[.contentLength] = String(contentLength) }
        return .head(HTTPRequest(method: .put, scheme: nil, authority: "push", path: path, headerFields: fields))
    }

    /// The bodies of the responses written so far, in order.
    private func answered(_ channel: EmbeddedChannel) throws -> [String] {
        var bodies: [String] = []
        var current = ""
        var declared: Int?
        while let part = try channel.readOutbound(as: HTTPResponsePart.self) {
            switch part {
            case .head(let response): declared = response.headerFields[.contentLength].flatMap(Int.init)
            case .body(let bytes): current += String(buffer: bytes)
            case .end:
                XCTAssertEqual(declared, current.utf8.count, "Content-Length says the body's length")
                bodies.append(current)
                current = ""
            }
        }
        return bodies
    }

    private func passedOn(_ channel: EmbeddedChannel) throws -> [String] {
        var paths: [String] = []
        while let part = try channel.readInbound(as: HTTPRequestPart.self) {
            if case .head(let request) = part { paths.append(request.path ?? "") }
        }
        return paths
    }

    func testInlineRequestsAreAnsweredAndTheRestPassedOnInOrder() throws {
        let channel = EmbeddedChannel(handler: InlineRoutesHandler(routes: [EchoRoute(later: false)], logger: Logger(label: "test")))
        try channel.writeInbound(head("/inline/a", contentLength: 2))
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "xy")))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        XCTAssertEqual(try answered(channel), ["/inline/a xy"])

        // A request for Hummingbird, then an inline one behind it: that one goes to Hummingbird
        // too, so its answer cannot overtake the first one's.
        try channel.writeInbound(head("/other"))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        try channel.writeInbound(head("/inline/b"))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        XCTAssertEqual(try passedOn(channel), ["/other", "/inline/b"])
        XCTAssertEqual(try answered(channel), [])

        // Hummingbird answers both; the next inline request is the handler's again.
        for _ in 0 ..< 2 {
            try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
            try channel.writeOutbound(HTTPResponsePart.end(nil))
        }
        while try channel.readOutbound(as: HTTPResponsePart.self) != nil {}
        try channel.writeInbound(head("/inline/c"))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        XCTAssertEqual(try answered(channel), ["/inline/c "])
        XCTAssertEqual(try passedOn(channel), [])
    }

    func testABodyOverTheLimitIsNotKeptWhetherDeclaredOrRead() throws {
        let channel = EmbeddedChannel(handler: InlineRoutesHandler(routes: [EchoRoute(later: false)], logger: Logger(label: "test")))
        try channel.writeInbound(head("/inline/declared", contentLength: 9))
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "123456789")))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        // Chunked: no length said in advance; the second chunk passes the limit.
        try channel.writeInbound(head("/inline/read"))
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "12345")))
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "6789")))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        XCTAssertEqual(try answered(channel), ["/inline/declared too large", "/inline/read too large"])
    }

    /// Answers made after async work: pipelined input waits, and the answers keep request order.
    func testLaterAnswersKeepRequestOrderAndHoldPipelinedInput() async throws {
        let channel = try await NIOAsyncTestingChannel { channel in
            try channel.pipeline.syncOperations.addHandler(InlineRoutesHandler(routes: [EchoRoute(later: true)], logger: Logger(label: "test")))
        }
        for path in ["/inline/1", "/other", "/inline/2"] {
            try await channel.writeInbound(head(path))
            try await channel.writeInbound(HTTPRequestPart.end(nil))
        }
        var bodies: [String] = []
        var current = ""
        while bodies.isEmpty {
            switch try await channel.waitForOutboundWrite(as: HTTPResponsePart.self) {
            case .body(let bytes): current += String(buffer: bytes)
            case .end: bodies.append(current)
            case .head: break
            }
        }
        XCTAssertEqual(bodies, ["/inline/1 "])
        // Only now, after the first answer, was the request behind it passed on, with the one
        // behind that (Hummingbird has not answered yet).
        var passed: [String] = []
        while passed.count < 2 {
            if case .head(let request) = try await channel.waitForInboundWrite(as: HTTPRequestPart.self) { passed.append(request.path ?? "") }
        }
        XCTAssertEqual(passed, ["/other", "/inline/2"])
        _ = try await channel.finish()
    }
}
