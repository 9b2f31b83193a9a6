import ArgumentParser
import BoardService
import Foundation
import SendModel
import SendRuntime
import ZeroMQ

/// `send-bench board`: the board's read commands on a large plan, answered by a real `board-actions` process.
///
/// The findings read model is seeded through the service's own follow handler (the findings service
/// is not needed); the actions and their progress updates are created through the protocol, as
/// `sendctl` would. The service is then restarted with its production settings and each read is timed.
struct BoardBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "board",
        abstract: "Time actions.list by filter, actions.coverage and plan.status on a large plan (target ≤ 50 ms each).")

    @Option(help: "Actions in the plan.") var actions = 10_000
    @Option(help: "Progress updates, spread over the actions.") var updates = 100_000
    @Option(help: "Weakness findings the actions address (a few are left without an action).") var findings = 200
    @Option(help: "Timed requests per query.") var iterations = 50
    @Option(help: "Client threads while loading.") var clients = 8

    static let today = "2026-03-02"
    static let leads = ["Lancashire County Council", "Morecambe Bay CCG", "Blackpool CCG", "Lancashire schools forum",
                        "Lancashire Care NHS Foundation Trust"]

    func run() throws {
        BenchIdentity.actAsStack()
        let work = try BenchDirectory()
        defer { work.remove() }
        let directories = work.directories
        let loadSeconds = try loadPlan(directories)

        // 3. Restart with the production settings and time each read.
        let service = try ServiceChild("board-actions", service: ServiceName.board, directories: directories, environment: ["SEND_TODAY": Self.today])
        defer { service.stop() }
        let context = try ZeroMQ.Context()
        let client = try ServiceClient(context: context, service: ServiceName.board, directories: directories)
        defer { client.close() }
        let queries: [(name: String, command: String, args: JSONValue)] = [
            ("list status=delayed", "actions.list", ["status": "delayed"]),
            ("list rag=red", "actions.list", ["rag": "red"]),
            ("list lead organisation", "actions.list", ["lead_organisation": .string(Self.leads[1])]),
            ("list finding", "actions.list", ["finding_id": "F-0042"]),
            ("list overdue", "actions.list", ["overdue": true]),
            ("list open, 100 a page", "actions.list", ["status": "open", "limit": 100]),
            ("coverage", "actions.coverage", [:]),
            ("plan status", "plan.status", [:]),
        ]
        var figures: [String: JSONValue] = ["actions": .int(Int64(actions)), "updates": .int(Int64(updates)),
                                            "load_s": .double((loadSeconds * 10).rounded() / 10)]
        var worst = 0.0
        for q in queries {
            var samples: [Double] = []
            var result: JSONValue = .null
            for _ in 0..<iterations {
                let t0 = nowMicros()
                result = try client.call(q.command, q.args, timeout: 10, attempts: 1)
                samples.append((nowMicros() - t0) / 1000)
            }
            let p = Percentiles(samples)
            let maximum = samples.max() ?? 0
            worst = max(worst, p.p99)
            let size = result["total"].map { "\($0.jsonString) matching, \(result["actions"]?.arrayValue?.count ?? 0) returned" }
                ?? result["gaps"].map { "\($0.arrayValue?.count ?? 0) gaps" } ?? "\(result["actions"]?["total"]?.jsonString ?? "?") actions"
            print(q.name.padding(toLength: 24, withPad: " ", startingAt: 0)
                + String(format: "p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  ", p.p50, p.p99, maximum) + "(\(size))")
            let key = q.name.replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "=", with: "_")
                .replacingOccurrences(of: ",", with: "")
            figures["\(key)_p50_ms"] = .double((p.p50 * 100).rounded() / 100)
            figures["\(key)_p99_ms"] = .double((p.p99 * 100).rounded() / 100)
        }
        print(String(format: "worst p99 %.2f ms (target ≤ 50 ms)", worst))
        print(JSONValue.object(figures).jsonString)
    }

    /// Seeds the findings read model, then loads the actions and progress updates through a
    /// `board-actions` process (stopped again); returns the seconds the load took. `send-bench
    /// reports` reuses it to fetch a report from a loaded board.
    func loadPlan(_ directories: RuntimeDirectories) throws -> Double {
        try directories.prepare()
        let gaps = max(1, findings / 20)

        // 1. The findings read model, through the follow handler, before the service starts.
        let pool = try ServiceDatabase.open(path: directories.databasePath(ServiceName.board),
                                            migrations: try BoardService.definition().migrations)
        try pool.write { db in
            let change = BoardChange(db: db, today: LocalDate(iso: Self.today)!, now: Timestamp.now(), emit: { _, _ in })
            var seq: Int64 = 1
            try FindingsReadModel.apply(change, Event(source: ServiceName.findings, seq: seq, type: EventType.inspectionRecorded,
                                                      at: Timestamp.now(), data: [
                "inspection_id": "INS-0001", "local_area": "Bench", "framework": "2016", "outcome": "wsoa_required",
                "published": "2025-11-03", "deadlines": ["wsoa_due": "2026-02-16"],
            ]))
            let kinds = ["area_of_significant_weakness", "fundamental_failing", "priority_area", "area_for_improvement"]
            for i in 1...findings {
                seq += 1
                try FindingsReadModel.apply(change, Event(source: ServiceName.findings, seq: seq, type: EventType.findingRecorded,
                                                          at: Timestamp.now(), data: [
                    "finding_id": .string(String(format: "F-%04d", i)), "inspection_id": "INS-0001",
                    "kind": .string(kinds[i % kinds.count]), "theme": .string("Theme \(i % 17)"),
                    "summary": .string("Weakness number \(i)"), "bodies": ["local_authority"],
                ]))
            }
        }
        try pool.close()

        // 2. Load the plan through the protocol (synchronous=NORMAL while loading only).
        let service = try ServiceChild("board-actions", service: ServiceName.board, directories: directories, environment: ["SEND_TODAY": Self.today, "SEND_SYNCHRONOUS": "NORMAL"])
        let loadStart = nowMicros()
        try load(directories, coveredFindings: findings - gaps)
        let loadSeconds = (nowMicros() - loadStart) / 1e6
        print(String(format: "loaded %d actions and %d progress updates in %.1f s", actions, updates, loadSeconds))
        service.stop()
        return loadSeconds
    }


    /// Loads the plan as a user moving last year's tracker in would: one JSON file of the actions, each
    /// with its dated progress updates, imported with `sendctl actions import` (in requests of at most
    /// 8 MiB, checked as a whole first). The first update of an action moves it on; a few become delayed
    /// or completed.
    func load(_ directories: RuntimeDirectories, coveredFindings: Int) throws {
        let today = LocalDate(iso: Self.today)!
        var perAction = [[JSONValue]](repeating: [], count: actions)
        for i in 0..<updates {
            let index = i % actions
            let actionNumber = 1 + index
            let round = i / actions
            let start = today.adding(days: -200 + (actionNumber * 7) % 300)
            var u: [String: JSONValue] = [
                "on": .string(min(today, start.adding(days: round)).iso), "note": .string("Update \(i)"),
                "author_role": "Action lead", "evidence": "https://example.org/evidence",
            ]
            if round == 0 && actionNumber % 4 != 0 { u["status"] = "in_progress" }
            if round == 1 && actionNumber % 8 == 1 { u["status"] = "delayed" }
            if round == 1 && actionNumber % 8 == 2 { u["status"] = "completed" }
            perAction[index].append(.object(u))
        }
        var items: [JSONValue] = []
        items.reserveCapacity(actions)
        for n in 1...actions {
            let start = today.adding(days: -200 + (n * 7) % 300)
            let due = start.adding(days: 30 + (n * 13) % 240)
            let f1 = String(format: "F-%04d", 1 + n % coveredFindings)
            let f2 = String(format: "F-%04d", 1 + (n * 31) % coveredFindings)
            items.append([
                "title": .string("Action \(n)"), "description": "Benchmark action",
                "finding_ids": f1 == f2 ? [.string(f1)] : [.string(f1), .string(f2)],
                "lead_organisation": .string(Self.leads[n % Self.leads.count]),
                "sponsoring_director": "Director of Children's Services", "action_lead": "Head of Service",
                "start": .string(start.iso), "due": .string(due.iso), "success_criteria": "Measured by the KPI",
                "updates": .array(perAction[n - 1]),
            ])
        }
        let file = "\(directories.data)/tracker.json"
        let text = JSONValue.object(["import_id": "bench-tracker", "actions": .array(items)]).jsonString
        guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8)) else { throw StartupError("cannot write \(file)") }

        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        let sendctl = Process()
        sendctl.executableURL = URL(fileURLWithPath: "\(bin)/sendctl")
        sendctl.arguments = ["actions", "import", file, "--json", "--run-dir", directories.run, "--data-dir", directories.data]
        var environment = ProcessInfo.processInfo.environment
        environment["SEND_TODAY"] = Self.today
        sendctl.environment = environment
        let output = Pipe()
        sendctl.standardOutput = output
        try sendctl.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        sendctl.waitUntilExit()
        let result = try? JSONValue.parse(Array(printed))
        guard sendctl.terminationStatus == 0, result?["actions"]?.intValue == Int64(actions), result?["updates"]?.intValue == Int64(updates) else {
            throw StartupError("sendctl actions import did not take the plan (\(text.utf8.count) bytes): "
                + String(decoding: printed, as: UTF8.self).prefix(500))
        }
        print(String(format: "tracker file %.1f MB, ", Double(text.utf8.count) / 1e6) + "imported in \(result?["requests"]?.intValue ?? 0) requests")
    }
}
