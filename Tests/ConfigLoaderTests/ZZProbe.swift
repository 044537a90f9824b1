import ConfigLoader
import XCTest
final class ZZProbe: XCTestCase {
    func testProbe() {
        for text in ["[websocket]\nworkers = 1\nmax_message_len = = 3\n", "[websocket\n", "a = \"\"\"\nx = 1\n\"\"\"\nb = 2", "[default]\nmax_data_len = 1e400", "[websocket]\nclient_hello_timeout = nan", "[websocket]\norigins = \"a\"", "[[websocket]]\nworkers=1", "[websocket]\nworkers = 1\nworkers = 2"] {
            print("PROBE:", loadError(text).debugDescription)
        }
    }
}
