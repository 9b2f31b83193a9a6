import Foundation
import Testing
import TestSupport

/// A client in another language, written from docs/PROTOCOL.md alone, against a live service.
@Suite("Protocol from another language")
struct ProtocolClientTests {
    @Test("a plain REQ client in Python (pyzmq), presenting the stack's key over CURVE, gets correct replies and error codes")
    func pythonClient() throws {
        let dir = TestDirectory()
        let service = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir)
        defer { service.stop() }
        let client = try TestClient(dir)
        #expect(client.waitReady("bench"))
        _ = try client.call("bench", "append", ["payload": "from swift"])
        let result = try Python.run(script: "protocol_client.py", arguments: [dir.run, "bench"],
                                    environment: ["SEND_KEY_FILE": dir.stackKeyPath])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains(" passed, 0 failed"))
        client.close()
        dir.remove()
    }
}
