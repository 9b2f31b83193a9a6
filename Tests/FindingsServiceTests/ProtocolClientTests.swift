import Foundation
import SendModel
import TestSupport
import Testing

/// Whether `python3` with pyzmq can run here (deploy/test installs pyzmq on CI).
private let pythonWithZMQ: Bool = {
    (try? ChildRun.run("/usr/bin/env", ["python3", "-c", "import zmq"], timeout: 30))?.status == 0
}()

/// A client in another language, written from docs/PROTOCOL.md alone, against a live service.
@Suite("Protocol client in Python")
struct ProtocolClientTests {
    @Test(.enabled(if: pythonWithZMQ, "python3 with pyzmq is not installed (pip install pyzmq); the cross-language test is skipped"))
    func aPythonClientRecordsAndListsFindings() throws {
        // It presents the directory's stack key (SEND_KEY_FILE) and findings' public key over CURVE.
        let live = try LiveFindings()
        defer { live.stop() }
        let script = repositoryRoot.appendingPathComponent("Tests/Protocol/findings_client.py").path
        let run = try ChildRun.run("/usr/bin/env", ["python3", script, live.directory.run, "--tag", "swift"],
                                   environment: ["SEND_KEY_FILE": live.directory.stackKeyPath], timeout: 60)
        #expect(run.status == 0, "findings_client.py: \(run.stderr)")
        let seen = try JSONValue.parse(Array(run.stdout.utf8))
        let recorded = seen["recorded"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(recorded.count == 4)

        // What the Python client recorded is there for a Swift client too.
        let listed = try live.call("findings.list")["findings"]?.arrayValue?.compactMap { $0["finding_id"]?.stringValue } ?? []
        #expect(listed == recorded)
        #expect(try live.call("inspections.list")["count"] == 2)
        // It presented the stack's key: every event it caused names the stack as the actor, by id and role.
        let events = try live.client.allEvents(ServiceName.findings)
        #expect(events.count == 6)
        #expect(events.allSatisfy { $0.actor == Actor.stack() }, "\(events.map { "\($0.seq) \($0.actor.map { "\($0.person)/\($0.role.rawValue)" } ?? "none")" })")
    }
}
