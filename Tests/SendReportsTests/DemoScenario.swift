import Foundation
import SendModel
import TestSupport

/// The demo data of `deploy/demo/load` — the seed article's inspection, the board's plan, the
/// invented families — loaded into REAL findings, board and comms processes, then lived through
/// from March to September 2018: the services are restarted with a later `SEND_TODAY` for each
/// step, so the board's history has real dates. Then a questionnaire, answers, a "you said, we
/// did" update, a red action with exceptions commentary and one without.
final class DemoScenario: @unchecked Sendable {
    // `@unchecked Sendable`: used by one test body at a time.
    let dir = TestDirectory()
    let client: TestClient
    private(set) var services: [ServiceProcess] = []
    let withComms: Bool

    /// Exceptions commentary: internal to the board; the public page must never show it.
    static let commentary = "Internal: two headteacher associations have not agreed the exclusions protocol; the chair will escalate to the Director on 10 September"
    /// A progress note: internal too.
    static let progressNote = "Internal progress note: fewer headteachers attended the district meetings than planned"
    /// A free-text answer: stays in comms.
    static let freeText = "Private answer text 7f3a: please call me back about my son"
    static let finalDay = "2018-09-03"

    init(withComms: Bool = true) throws {
        self.withComms = withComms
        client = try TestClient(dir)
    }

    func start(today: String) throws {
        stop()
        let env = ["SEND_TODAY": today, "SEND_RATE_LIMIT_PER_MINUTE": "0", "SEND_OVERDUE_INTERVAL": "3600"]
        services.append(try ServiceProcess("findings-intake", dir.flags, directory: dir, environment: env))
        services.append(try ServiceProcess("board-actions", dir.flags, directory: dir, environment: env))
        if withComms { services.append(try ServiceProcess("parent-comms", dir.flags, directory: dir, environment: env)) }
        for s in [ServiceName.findings, ServiceName.board] + (withComms ? [ServiceName.comms] : []) {
            guard client.waitReady(s, timeout: 30) else { throw TestFailure("\(s) did not become ready") }
        }
    }

    func stop() {
        for s in services.reversed() { s.stop() }
        services = []
        client.close()
    }

    func board(_ command: String, _ args: JSONValue = [:]) throws -> JSONValue {
        try client.call(ServiceName.board, command, args, timeout: 30)
    }

    func comms(_ command: String, _ args: JSONValue = [:]) throws -> JSONValue {
        try client.call(ServiceName.comms, command, args, timeout: 30)
    }

    func progress(_ action: String, _ status: String?, note: String = "Progress recorded by the action lead") throws {
        var args: [String: JSONValue] = ["action_id": .string(action), "note": .string(note), "author_role": "Action lead"]
        if let status { args["status"] = .string(status) }
        _ = try board("actions.progress", .object(args))
    }

    /// Waits until the board has read every findings event.
    func boardCaughtUp() -> Bool {
        guard let last = (try? client.call(ServiceName.findings, "health"))?["last_seq"]?.intValue else { return false }
        return waitUntil(timeout: 30, interval: 0.05) {
            let h = try? client.call(ServiceName.board, "health")
            return (h?["follows"]?[ServiceName.findings]?["cursor"]?.intValue ?? -1) >= last
        }
    }

    /// The demo's board plan, its KPI readings held back: each is recorded once its date has come.
    static func boardPlan() throws -> (plan: JSONValue, readings: [(date: String, value: Double, note: String)]) {
        var plan = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(repositoryRoot)/deploy/demo/board-plan.json"))))
        guard case .object(var o) = plan, case .array(var kpis)? = o["kpis"], case .object(var kpi)? = kpis.first else {
            throw TestFailure("deploy/demo/board-plan.json has no KPI")
        }
        let readings = (kpi["readings"]?.arrayValue ?? []).map {
            ($0["date"]!.stringValue!, $0["value"]!.doubleValue!, $0["note"]?.stringValue ?? "")
        }
        kpi["readings"] = []
        kpis[0] = .object(kpi)
        o["kpis"] = .array(kpis)
        plan = .object(o)
        return (plan, readings)
    }

    /// Records the demo KPI readings dated on or before `today`.
    func recordReadings(_ readings: [(date: String, value: Double, note: String)], through today: String) throws {
        for r in readings where r.date <= today {
            let kpi = try board("kpis.show", ["kpi_id": "K-001"])
            if (kpi["readings"]?.arrayValue ?? []).contains(where: { $0["date"]?.stringValue == r.date }) { continue }
            _ = try board("kpis.record", ["kpi_id": "K-001", "date": .string(r.date), "value": .double(r.value), "note": .string(r.note)])
        }
    }

    func run() throws {
        let demo = "\(repositoryRoot)/deploy/demo"
        // 1 March 2018: the report, the plan, the families; the first actions start.
        try start(today: "2018-03-01")
        let report = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(demo)/lancashire-2017-report.json"))))
        _ = try client.call(ServiceName.findings, "findings.import", report, timeout: 30)
        guard boardCaughtUp() else { throw TestFailure("the board did not read the findings") }
        let (plan, readings) = try Self.boardPlan()
        _ = try board("plan.import", plan)
        try recordReadings(readings, through: "2018-03-01")
        if withComms {
            let csv = try String(contentsOfFile: "\(demo)/families.csv", encoding: .utf8)
            _ = try comms("families.import", ["csv": .string(csv)])
        }
        try progress("A-0002", "in_progress")
        try progress("A-0007", "in_progress")
        _ = try board("board.meetings.add", ["date": "2018-03-01", "attendee_ids": ["M-001", "M-003", "M-005", "M-006"], "title": "SEND Partnership Board"])

        // 20 April: the plan goes in (with the board's warnings); more actions start.
        try start(today: "2018-04-20")
        _ = try board("plan.submit", ["force": true])
        try progress("A-0005", "in_progress")
        try progress("A-0006", "in_progress")

        // 10 June: the board verifies its own establishment; exclusions slip; families are asked.
        try start(today: "2018-06-10")
        try recordReadings(readings, through: "2018-06-10")
        try progress("A-0001", "in_progress")
        try progress("A-0004", "in_progress")
        try progress("A-0007", "completed", note: "The board has met monthly since March with parent carer and young person representatives")
        try progress("A-0002", "delayed", note: Self.progressNote)
        let meeting = try board("board.meetings.add", ["date": "2018-06-10", "attendee_ids": ["M-001", "M-002", "M-003", "M-005", "M-007"]])
        let meetingID = meeting["meeting"]?["meeting_id"] ?? "MTG-002"
        _ = try board("board.decide", ["meeting_id": meetingID, "kind": "verify_action", "action_id": "A-0007"])
        _ = try board("board.decide", ["meeting_id": meetingID, "kind": "approve_plan"])
        if withComms { try questionnaire() }

        // 3 September: the questionnaire action is done; health services after 16 slip without a word.
        try start(today: Self.finalDay)
        try recordReadings(readings, through: Self.finalDay)
        try progress("A-0005", "completed", note: "Every family with an EHC plan was asked; the results are published")
        try progress("A-0004", "delayed")
        _ = try board("exceptions.add", ["action_id": "A-0002", "commentary": .string(Self.commentary)])
        if withComms { try youSaidWeDid() }
    }

    /// A questionnaire to every family with an EHC plan, sent, and answered by about two in three.
    func questionnaire() throws {
        let created = try comms("questionnaires.create", [
            "title": "Your experience of SEND services", "anonymous": true, "audience": "ehc_plan",
            "opens": "2018-06-10", "closes": "2018-07-31",
            "questions": [
                ["kind": "scale", "text": "How well were you listened to by SEND services this year?", "required": true],
                ["kind": "yes_no", "text": "Do you know who to contact about your child's plan?"],
                ["kind": "single_choice", "text": "How would you like to hear from us?", "options": ["Email", "Text message", "Letter"]],
                ["kind": "free_text", "text": "What should change first?"],
            ],
        ])
        let id = created["questionnaire_id"] ?? 1
        let sent = try comms("questionnaires.send", ["questionnaire_id": id])
        let dispatch = sent["dispatch_id"] ?? 1
        guard waitUntil(timeout: 60, interval: 0.1, {
            (try? comms("dispatches.show", ["dispatch_id": dispatch]))?["completed_at"]?.isNull == false
        }) else { throw TestFailure("the questionnaire was not delivered") }
        for (i, token) in tokens().enumerated() where i % 3 != 2 {
            var answers: [JSONValue] = [["question": 1, "value": .int(Int64(2 + i % 4))], ["question": 2, "value": i % 2 == 0 ? "yes" : "no"],
                                        ["question": 3, "value": .string(["Email", "Text message", "Letter"][i % 3])]]
            if i % 4 == 0 { answers.append(["question": 4, "value": .string(Self.freeText)]) }
            _ = try comms("questionnaires.respond", ["token": .string(token), "answers": .array(answers), "wants_updates": true])
        }
    }

    /// The response keys the messages carried, from the spool: an email's token (its link), a text
    /// message's code (its link), a letter's code (printed `Your code: ABCDE-FGHJK`).
    func tokens() -> [String] {
        var found: [String] = []
        let spool = "\(dir.data)/spool"
        for sub in ["email", "sms", "letters"] {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: "\(spool)/\(sub)")) ?? []).filter { !$0.hasPrefix(".") }.sorted()
            for name in names {
                guard var text = try? String(contentsOfFile: "\(spool)/\(sub)/\(name)", encoding: .utf8) else { continue }
                text = text.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=\n", with: "")
                if let r = text.range(of: #"respond/[0-9a-f]{32}"#, options: .regularExpression) {
                    found.append(String(text[r].dropFirst("respond/".count)))
                } else if let r = text.range(of: #"respond/[0-9A-Z]{10}"#, options: .regularExpression) {
                    found.append(String(text[r].dropFirst("respond/".count)))
                } else if let r = text.range(of: #"Your code: [0-9A-Z]{5}-[0-9A-Z]{5}"#, options: .regularExpression) {
                    found.append(String(text[r].dropFirst("Your code: ".count)))
                }
            }
        }
        return found
    }

    /// The draft comms made when A-0005 completed, written and published.
    func youSaidWeDid() throws {
        guard waitUntil(timeout: 30, interval: 0.05, {
            ((try? comms("updates.list", ["status": "draft"]))?["updates"]?.arrayValue ?? []).contains { $0["action_id"]?.stringValue == "A-0005" }
        }) else { throw TestFailure("comms drafted no update for A-0005") }
        let draft = (try comms("updates.list", ["status": "draft"]))["updates"]?.arrayValue?.first { $0["action_id"]?.stringValue == "A-0005" }
        let id = draft?["update_id"] ?? 1
        _ = try comms("updates.edit", [
            "update_id": id, "title": "You said you were not listened to: we asked every family",
            "body": "You told the inspectors that you were not listened to. In June we asked every family with an EHC plan about their experience, and two in three answered.\nWe have published the results, and the partnership board now reads them at every meeting.",
        ])
        _ = try comms("updates.publish", ["update_id": id])
    }
}
