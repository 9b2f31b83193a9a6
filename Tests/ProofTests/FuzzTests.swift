import Foundation
import SendModel
import SendRuntime
import Testing
import TestSupport

/// Bad input from outside the Swift code: `Tests/Protocol/fuzz_client.py` (pyzmq) against each
/// real service, started with a small request size limit, holding real data. Services that
/// follow others get their data from their real sources, which are then stopped: the fuzz runs
/// against the service alone, presenting the stack's key; then the same client without a key and
/// with a key in no register, which the service refuses at the handshake.
@Suite("Bad input against every service (pyzmq fuzz client)", .serialized)
struct FuzzTests {
    static let limit = 65_536
    static let flood = 20_000

    @Test("random bytes, truncated and nested JSON, oversize and multi-frame messages, wrong types, unknown commands, a flood: no crash, right codes, data unchanged; without a key or with an unknown one: no reply at all",
          arguments: [ServiceName.findings, ServiceName.board, ServiceName.comms, ServiceName.notifications, ServiceName.supervisor])
    func fuzz(service: String) throws {
        let dir = TestDirectory("fuzz-\(service)")
        let client = try TestClient(dir)
        var processes: [ServiceProcess] = []
        var supervisor: ServiceProcess?
        defer {
            client.close()
            for p in processes.reversed() { p.stop() }
            supervisor?.stop()
        }
        // The board's due-date watch runs every second, so that it has announced everything before the fuzz starts.
        let limited = ["SEND_MAX_REQUEST_BYTES": String(Self.limit), "SEND_TODAY": proofToday, "SEND_OVERDUE_INTERVAL": "1"]
        let normal = ["SEND_TODAY": proofToday]
        func start(_ name: String, _ env: [String: String]) throws -> ServiceProcess {
            let p = try ServiceProcess(Executables.byService[name]!, dir.flags, directory: dir, environment: env, label: name)
            processes.append(p)
            #expect(client.waitReady(name), "\(name) did not start:\n\(p.output)")
            return p
        }

        var target: ServiceProcess?
        var extra: [String] = []
        switch service {
        case ServiceName.findings:
            target = try start(service, limited)
            _ = try client.call(service, "findings.import", try demoReport(), timeout: 30)
            _ = try client.call(service, "findings.import", smallReport(1), timeout: 30)
        case ServiceName.board, ServiceName.notifications:
            // Their data comes from the findings service's events; then findings stops.
            let findings = try start(ServiceName.findings, normal)
            target = try start(service, limited)
            _ = try client.call(ServiceName.findings, "findings.import", try demoReport(), timeout: 30)
            let last = try #require(client.lastSeq(ServiceName.findings))
            #expect(waitUntil(timeout: 30) { client.hasApplied(service, ServiceName.findings, through: last) })
            if service == ServiceName.board { try Seeds.board(client) }
            findings.stop()
        case ServiceName.comms:
            target = try start(service, limited)
            try Seeds.comms(client, dir: dir)
        default:
            // The supervisor with its four services; `stop` acts without arguments.
            supervisor = try ServiceProcess("send-supervisor", dir.flags, directory: dir, environment: limited, label: "supervisor")
            #expect(waitUntil(timeout: 60) { (try? client.call(service, "status", timeout: 1)["ready"]?.boolValue) == true },
                    "the stack did not become ready:\n\(supervisor?.output ?? "")")
            extra = ["--acts-without-args", "stop"]
        }
        let pid = target?.pid ?? supervisor?.pid ?? 0
        // Quiet: nothing left in flight (a follower catching up, a periodic job) before the "before" snapshot.
        #expect(Self.waitQuiet(client, service), "\(service) kept emitting events")

        let run = try runPython("fuzz_client.py", [dir.run, service, "--max-bytes", String(Self.limit), "--flood", String(Self.flood)] + extra,
                                directory: dir, timeout: 300)
        print("fuzz \(service):\n" + run.output.split(separator: "\n").filter {
            $0.hasPrefix("ok") || $0.hasPrefix("FAIL") || $0.hasPrefix("flood") || $0.hasPrefix("fuzzing") || $0.hasPrefix("fields") || $0.contains("passed")
        }.joined(separator: "\n"))
        #expect(!run.timedOut, "the fuzz client did not finish within 300 s:\n\(run.output)")
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains(" passed, 0 failed"))

        // No key, and a key in no register: refused at the handshake, no reply at all, nothing recorded.
        for (flag, words) in [("--no-key", "no key: the handshake was refused (EVENT_HANDSHAKE_FAILED_PROTOCOL, mechanism mismatch"),
                              ("--unknown-key", "unknown key: the handshake was refused (EVENT_HANDSHAKE_FAILED_AUTH, status 400)")] {
            let refused = try runPython("fuzz_client.py", [dir.run, service, flag] + extra, directory: dir, timeout: 60)
            print("fuzz \(service) \(flag):\n\(refused.output)", terminator: "")
            #expect(refused.status == 0, "\(refused.output)")
            #expect(refused.output.contains(words), "\(refused.output)")
            #expect(refused.output.contains("; 0 replies to "), "\(refused.output)")
            #expect(refused.output.contains("a valid key is still answered: health ok, same pid \(pid)"), "\(refused.output)")
            #expect(refused.output.contains("nothing recorded: last_seq "), "\(refused.output)")
            #expect(refused.output.contains(" passed, 0 failed"), "\(refused.output)")
        }
        // The same process answers: it never crashed or restarted.
        #expect(client.health(service)?["pid"]?.intValue == Int64(pid))
        if let target { #expect(target.isRunning, "\(service) exited:\n\(target.output)") }
        if let supervisor {
            let status = try client.call(service, "status")
            #expect(status["ready"]?.boolValue == true)
            #expect((status["services"]?.arrayValue ?? []).allSatisfy { $0["restarts"]?.intValue == 0 }, "\(status)")
            #expect(supervisor.isRunning)
        }
        dir.remove()
    }
}

extension FuzzTests {
    /// Waits until the service's last seq has not moved for 3 s.
    static func waitQuiet(_ client: TestClient, _ service: String) -> Bool {
        var last = client.lastSeq(service)
        var since = Date()
        return waitUntil(timeout: 30, interval: 0.25) {
            let now = client.lastSeq(service)
            if now != last { last = now; since = Date() }
            return now != nil && Date().timeIntervalSince(since) >= 3
        }
    }
}

/// Data for the services to hold while they are fuzzed or audited.
enum Seeds {
    /// The board's part: the demo plan of the seed article (members, a KPI with readings, actions
    /// on the demo report's findings), once the board has applied the demo report.
    static func board(_ client: TestClient) throws {
        let plan = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(repositoryRoot)/deploy/demo/board-plan.json"))))
        _ = try client.call(ServiceName.board, "plan.import", plan, timeout: 30)
    }

    /// The comms part: the demo families, a questionnaire sent to them (delivered to the spool) and an enquiry.
    static func comms(_ client: TestClient, dir: TestDirectory) throws {
        let comms = ServiceName.comms
        let demo = try String(contentsOfFile: "\(repositoryRoot)/deploy/demo/families.csv", encoding: .utf8)
        _ = try client.call(comms, "families.import", ["csv": .string(demo)], timeout: 30)
        let q = try client.call(comms, "questionnaires.create", [
            "title": "Your say on SEND", "anonymous": true, "closes": "2026-03-31",
            "questions": [["kind": "scale", "text": "How well were you listened to?", "required": true],
                          ["kind": "free_text", "text": "What should change first?"]],
        ])
        let sent = try client.call(comms, "questionnaires.send", ["questionnaire_id": q["questionnaire_id"] ?? .null])
        _ = try client.call(comms, "enquiries.add", ["family_ref": "DEMO-F001", "text": "When does the new autism pathway start?"])
        // Delivered (the spool): nothing changes under the fuzz.
        #expect(waitUntil(timeout: 60, interval: 0.2) {
            (try? client.call(comms, "dispatches.show", ["dispatch_id": sent["dispatch_id"] ?? .null])["pending"]?.intValue) == 0
        })
    }
}
