import Store
import XCTest

/// Base of the conformance tests: each test body runs once per backend in `StoreBackend.all`,
/// on a fresh store, and failures are labelled with the backend's name.
///
/// The rules live in this base's subclasses rather than in one abstract test class that each
/// backend subclasses, because XCTest on Linux does not run inherited test methods.
class StoreConformanceTestCase: XCTestCase {
    /// The backend whose store the running check uses, for failure messages.
    private var backendUnderTest: String?

    func onEveryBackend(
        file: StaticString = #filePath, line: UInt = #line,
        _ check: (any Store) async throws -> Void
    ) async {
        for backend in StoreBackend.all {
            backendUnderTest = backend.name
            defer { backendUnderTest = nil }
            let opened: (store: any Store, cleanUp: () -> Void)
            do {
                opened = try await backend.open()
            } catch {
                XCTFail("cannot open store: \(error)", file: file, line: line)
                continue
            }
            do {
                try await check(opened.store)
            } catch {
                XCTFail("unexpected error: \(error)", file: file, line: line)
            }
            do {
                try await opened.store.close()
            } catch {
                XCTFail("close failed: \(error)", file: file, line: line)
            }
            opened.cleanUp()
        }
    }

    private func labelled(_ description: String) -> String {
        backendUnderTest.map { "[\($0)] \(description)" } ?? description
    }

    #if canImport(ObjectiveC)
    override func record(_ issue: XCTIssue) {
        var issue = issue
        issue.compactDescription = labelled(issue.compactDescription)
        super.record(issue)
    }
    #else
    override func recordFailure(
        withDescription description: String, inFile filePath: String, atLine lineNumber: Int, expected: Bool
    ) {
        super.recordFailure(
            withDescription: labelled(description), inFile: filePath, atLine: lineNumber, expected: expected)
    }
    #endif
}
