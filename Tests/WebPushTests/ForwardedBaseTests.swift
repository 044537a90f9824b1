import PushCore
import XCTest

final class ForwardedBaseTests: XCTestCase {
    func testAProxysHeadersMakeTheBaseURL() {
        XCTAssertEqual(ForwardedBase.from(proto: "https", host: "push.example.com"), "https://push.example.com")
        XCTAssertEqual(ForwardedBase.from(proto: "HTTPS", host: "Push.Example.COM:8443"), "https://push.example.com:8443")
        XCTAssertEqual(ForwardedBase.from(proto: "http", host: "[2001:db8::1]:8080"), "http://[2001:db8::1]:8080")
    }

    func testTheDefaultPortIsDroppedAsAppServersWriteTheOrigin() {
        XCTAssertEqual(ForwardedBase.from(proto: "https", host: "push.example.com:443"), "https://push.example.com")
        XCTAssertEqual(ForwardedBase.from(proto: "http", host: "push.example.com:80"), "http://push.example.com")
        XCTAssertEqual(ForwardedBase.from(proto: "https", host: "push.example.com:80"), "https://push.example.com:80")
    }

    func testTheLastEntryOfAListIsTheNearestProxysOwn() {
        // A client's own header comes first; a proxy that appends puts what it saw last.
        XCTAssertEqual(ForwardedBase.from(proto: "http, https", host: " evil.example , push.example.com "), "https://push.example.com")
    }

    func testAnAllowlistBoundsTheHostsHeadersMayName() {
        let allowed = ["push.example.com", "Push.Example.NET:8443"]
        XCTAssertEqual(ForwardedBase.from(proto: "https", host: "push.example.com:443", allowed: allowed), "https://push.example.com")
        XCTAssertEqual(ForwardedBase.from(proto: "https", host: "push.example.net:8443", allowed: allowed), "https://push.example.net:8443")
        XCTAssertNil(ForwardedBase.from(proto: "https", host: "push.example.net", allowed: allowed), "the port is part of the host")
        XCTAssertNil(ForwardedBase.from(proto: "https", host: "evil.example", allowed: allowed))
    }

    func testAnythingButAPlainHostOrAKnownSchemeIsIgnored() {
        for host in ["evil.example/path", "a@b.example", "push.example.com?x", "", "x y", String(repeating: "a", count: 256)] {
            XCTAssertNil(ForwardedBase.from(proto: "https", host: host), host)
        }
        XCTAssertNil(ForwardedBase.from(proto: "javascript", host: "push.example.com"))
        XCTAssertNil(ForwardedBase.from(proto: nil, host: "push.example.com"))
        XCTAssertNil(ForwardedBase.from(proto: "https", host: nil))
    }

    func testTheOriginOfAURL() {
        XCTAssertEqual(ForwardedBase.origin(of: "https://push.example.com:8443/wpush/v2/x"), "https://push.example.com:8443")
        XCTAssertEqual(ForwardedBase.origin(of: "http://127.0.0.1:8081"), "http://127.0.0.1:8081")
    }

    func testTheConfiguredURLStandsUnlessForwardedHeadersAreOn() throws {
        let tokens = try EndpointTokenCodec(encodedKeys: [EndpointTokenCodec.generateKey()])
        var settings = ServiceSettings(publicURL: "http://127.0.0.1:8081", tokens: tokens)
        XCTAssertEqual(settings.publicURL(forwardedProto: "https", host: "push.example.com"), "http://127.0.0.1:8081")
        settings.forwardedHeaders = true
        XCTAssertEqual(settings.publicURL(forwardedProto: "https", host: "push.example.com"), "https://push.example.com")
        XCTAssertEqual(settings.publicURL(forwardedProto: "https", host: "bad/host"), "http://127.0.0.1:8081")
        settings.forwardedHosts = ["push.example.com"]
        XCTAssertEqual(settings.publicURL(forwardedProto: "https", host: "other.example"), "http://127.0.0.1:8081")
    }
}
