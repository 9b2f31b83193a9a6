import Foundation
import SendModel
import SendRuntime
import Testing
import TestSupport
import ZeroMQ

/// A key the register learns of after its first handshake was refused: the same client gets in on a
/// later request (libzmq itself never connects again after a refusal; the client makes a new socket).
/// The portal depends on it when it starts before comms has applied its key.
@Suite struct KeyHandshakeTests {
    @Test("a key refused at the handshake, registered afterwards, gets in on the same client's next request; refused, it did nothing")
    func refusedThenRegistered() throws {
        let stack = try ActionLeadProcessTests.LeadStack()
        defer { stack.finish() }
        let up = waitUntil(timeout: 60, interval: 0.05) {
            (try? stack.client.call(ServiceName.supervisor, "status", timeout: 2))?["ready"]?.boolValue == true
        }
        try #require(up, "the stack did not become ready:\n\(stack.supervisor.output)")
        let before = try stack.client.call(ServiceName.board, "health")["last_seq"]?.intValue

        let keys = try CurveKeyPair.generate()
        let chair = try ServiceClient(service: ServiceName.board, directories: stack.dir.directories, identity: keys)
        defer { chair.close() }
        let refused = #expect(throws: ServiceError.self) {
            _ = try chair.call("actions.create", ["title": "Refused at the door", "finding_ids": [], "lead_organisation": "Council",
                                                  "due": "2027-01-31"], timeout: 2, attempts: 1)
        }
        #expect(refused?.code == .forbidden)
        #expect(refused?.message.contains("board refused this key at the handshake: it is not in the register, or it was revoked") == true)
        #expect(try stack.client.call(ServiceName.board, "health")["last_seq"]?.intValue == before)

        let person = try stack.client.call(ServiceName.supervisor, "people.add",
                                           ["key": .string(keys.publicKey), "post": "Chair of the SEND partnership board", "role": "board_chair"])
        let id = try #require(person["person_id"]?.stringValue)
        #expect(try stack.boardCaughtUp(with: ServiceName.supervisor))
        // Within a few seconds of the register reaching the board, the same client is let in.
        var listed: JSONValue?
        let inside = waitUntil(timeout: 15, interval: 0.2) {
            listed = try? chair.call("actions.list", [:], timeout: 2, attempts: 1)
            return listed != nil
        }
        #expect(inside, "the registered key was still refused")
        #expect(listed?["actions"]?.arrayValue?.isEmpty == true)
        #expect(id.hasPrefix("P-"))
    }
}
