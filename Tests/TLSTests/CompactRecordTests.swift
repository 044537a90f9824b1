import Foundation
import TestCertificates
import TLS
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The server side of a TLS 1.3 connection past its handshake runs on the compact record layer
/// (OpenSSL's state freed). A real OpenSSL client talks to it through a relay the test owns, so
/// the test can hold back, split or alter the bytes on the wire.
final class CompactRecordTests: XCTestCase {
    private static let certificates = Result {
        try TestCertificates.make(in: FileManager.default.temporaryDirectory.appendingPathComponent("tls-tests-\(getpid())"))
    }

    private var link: Link!

    override func setUpWithError() throws {
        let certificates = try Self.certificates.get()
        link = try Link(server: .server(certificateChainFile: certificates.certificateFile, keyFile: certificates.keyFile),
                        client: .client(trusting: certificates.caFile))
    }

    override func tearDown() {
        link?.close()
        link = nil
    }

    func testAServerConnectionGoesCompactAndCarriesEverySizeBothWays() throws {
        XCTAssertTrue(link.server.isCompact)
        XCTAssertFalse(link.client.isCompact, "clients keep OpenSSL")
        XCTAssertEqual(link.server.protocolName, "TLSv1.3")
        XCTAssertEqual(link.server.alpn, "http/1.1")
        XCTAssertFalse(link.server.resumed)
        for size in [1, 100, 16_383, 16_384, 16_385, 70_000, 200_000] {
            let upward = Link.pattern(size, seed: 1)
            XCTAssertEqual(try link.send(upward, from: link.client, expectingAt: link.server), upward, "client → server, \(size) bytes")
            let downward = Link.pattern(size, seed: 2)
            XCTAssertEqual(try link.send(downward, from: link.server, expectingAt: link.client), downward, "server → client, \(size) bytes")
        }
    }

    func testAFullSocketKeepsSealedBytesUntilTheyGoOut() throws {
        // The relay stops reading, so the server's socket fills; every retry offers the same bytes.
        link.shrinkBuffers()
        let message = Link.pattern(4 << 20, seed: 3)
        var offset = 0, blocked = 0
        while offset < message.count && blocked == 0 {
            switch message.withUnsafeBytes({ link.server.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }) {
            case .done(let count): offset += count
            case .wantWrite: blocked += 1
            case let other: return XCTFail("write: \(other) \(TLSConnection.lastError)")
            }
        }
        XCTAssertEqual(blocked, 1, "4 MiB fill the socket")
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(20)
        while received.count < message.count && Date() < deadline {
            if offset < message.count {
                if case .done(let count) = message.withUnsafeBytes({ link.server.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }) {
                    offset += count
                }
            }
            link.pump()
            received += try link.drain(link.client)
        }
        XCTAssertEqual(received.count, message.count)
        XCTAssertTrue(received == message, "every byte arrived once, in order")
    }

    func testKeyUpdatesRequestedByTheClientAreAnsweredAndFollowed() throws {
        for round in 0 ..< 3 {
            XCTAssertTrue(link.client.requestKeyUpdate())
            let up = Array("after update \(round)".utf8)
            XCTAssertEqual(try link.send(up, from: link.client, expectingAt: link.server), up)
            // The server's own KeyUpdate goes out first, under its old key; the answer under the new one.
            let down = Array("answer \(round)".utf8)
            let before = link.bytesFromServer
            XCTAssertEqual(try link.send(down, from: link.server, expectingAt: link.client), down)
            let keyUpdateRecord = 5 + 4 + 1 + 1 + 16, answerRecord = 5 + down.count + 1 + 16
            XCTAssertEqual(link.bytesFromServer - before, keyUpdateRecord + answerRecord, "a KeyUpdate record, then the answer")
        }
    }

    func testARecordSplitAcrossSegmentsWaitsForItsLastByte() throws {
        let message = Link.pattern(5000, seed: 4)
        let wire = try link.sealed(message, by: link.client)
        var buffer = [UInt8](repeating: 0, count: TLSConnection.minimumReadCapacity)
        // Part of the header, the rest of the header and some ciphertext, all but the last byte.
        for (start, end) in [(0, 3), (3, 200), (200, wire.count - 1)] {
            link.forward(Array(wire[start ..< end]))
            XCTAssertEqual(buffer.withUnsafeMutableBytes { link.server.read(into: $0) }, .wantRead, "\(end) of \(wire.count) bytes")
        }
        link.forward([wire[wire.count - 1]])
        XCTAssertEqual(try link.drain(link.server), message)
    }

    func testARecordReportedAgainWithNothingNewIsTakenOffTheSocket() throws {
        // As when the kernel wakes a reader below its low-water mark: the same partial record
        // twice. It is taken in, and what follows completes it, in pieces.
        let message = Link.pattern(9000, seed: 6)
        let wire = try link.sealed(message, by: link.client)
        var buffer = [UInt8](repeating: 0, count: TLSConnection.minimumReadCapacity)
        link.forward(Array(wire[..<2]))
        for _ in 0 ..< 3 {
            XCTAssertEqual(buffer.withUnsafeMutableBytes { link.server.read(into: $0) }, .wantRead)
        }
        for (start, end) in [(2, 700), (700, wire.count - 1)] {
            link.forward(Array(wire[start ..< end]))
            XCTAssertEqual(buffer.withUnsafeMutableBytes { link.server.read(into: $0) }, .wantRead, "\(end) of \(wire.count) bytes")
            XCTAssertEqual(buffer.withUnsafeMutableBytes { link.server.read(into: $0) }, .wantRead)
        }
        link.forward([wire[wire.count - 1]])
        XCTAssertEqual(try link.drain(link.server), message)
        // And the connection goes on as before.
        let next = Array("after".utf8)
        XCTAssertEqual(try link.send(next, from: link.client, expectingAt: link.server), next)
    }

    func testATamperedRecordEndsTheConnection() throws {
        var wire = try link.sealed(Array("hello".utf8), by: link.client)
        wire[wire.count - 3] ^= 0x40
        link.forward(wire)
        var buffer = [UInt8](repeating: 0, count: TLSConnection.minimumReadCapacity)
        XCTAssertEqual(buffer.withUnsafeMutableBytes { link.server.read(into: $0) }, .failed)
        XCTAssertTrue(TLSConnection.lastError.contains("bad_record_mac"), TLSConnection.lastError)
    }

    func testABufferTooSmallForARecordIsRefused() throws {
        var buffer = [UInt8](repeating: 0, count: 1024)
        XCTAssertEqual(buffer.withUnsafeMutableBytes { link.server.read(into: $0) }, .failed)
    }

    func testCloseNotifyEndsTheStreamEitherWay() throws {
        link.client.closeNotify()
        link.pump()
        var buffer = [UInt8](repeating: 0, count: TLSConnection.minimumReadCapacity)
        XCTAssertEqual(buffer.withUnsafeMutableBytes { link.server.read(into: $0) }, .closed)
        link.server.closeNotify()
        link.pump()
        XCTAssertEqual(buffer.withUnsafeMutableBytes { link.client.read(into: $0) }, .closed)
    }

    func testAPeerThatHangsUpMidRecordReadsAsClosed() throws {
        let wire = try link.sealed(Link.pattern(3000, seed: 5), by: link.client)
        link.forward(Array(wire[..<1000]))
        link.hangUpTowardsServer()
        var buffer = [UInt8](repeating: 0, count: TLSConnection.minimumReadCapacity)
        XCTAssertEqual(buffer.withUnsafeMutableBytes { link.server.read(into: $0) }, .closed)
    }

    func testPlaintextAfterTheHandshakeIsRefused() throws {
        link.forward(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        var buffer = [UInt8](repeating: 0, count: TLSConnection.minimumReadCapacity)
        XCTAssertEqual(buffer.withUnsafeMutableBytes { link.server.read(into: $0) }, .failed)
    }
}
