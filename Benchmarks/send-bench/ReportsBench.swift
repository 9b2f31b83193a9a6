import ArgumentParser
import Foundation
import SendModel
import SendReports
import SendRuntime
import ZeroMQ

/// `send-bench --only reports`: the board pack and the public page for a large plan.
///
/// 1. Rendering: both reports (HTML and CSV) from a `ReportData` of 10,000 actions and 100,000
///    status changes, in-process — the part `sendctl report` adds to fetching (target ≤ 2 s for both).
/// 2. Fetching: the same `ReportFetcher` that `sendctl report` runs, against a real `board-actions`
///    loaded by `send-bench board`'s loader (10,000 actions, 100,000 progress updates) and a real
///    `findings-intake` holding the matching inspection; comms is not running (the report says so).
enum ReportsBench {
    struct Figures {
        var sampleSeconds = 0.0
        var boardPack: [Double] = []
        var publicPage: [Double] = []
        var writeSeconds = 0.0
        var bytes = 0
        var files = 0
        var loadSeconds: Double?
        var fetch: [Double] = []
        var fetchedActions = 0
        var fetchedChanges = 0
        var fetchRender: [Double] = []
    }

    static func run(actions: Int, changes: Int, updates: Int, fetch: Bool, into figures: inout [String: JSONValue]) throws {
        var f = Figures()
        var t0 = nowMicros()
        let data = ReportData.sample(actions: actions, changes: changes)
        f.sampleSeconds = (nowMicros() - t0) / 1e6
        var pack: RenderedReport? = nil
        var page: RenderedReport? = nil
        for _ in 0..<5 {
            t0 = nowMicros()
            pack = BoardPack.render(data)
            f.boardPack.append((nowMicros() - t0) / 1e6)
            t0 = nowMicros()
            page = PublicPage.render(data)
            f.publicPage.append((nowMicros() - t0) / 1e6)
        }
        let work = try BenchDirectory()
        defer { work.remove() }
        t0 = nowMicros()
        try pack!.write(to: "\(work.path)/reports")
        try page!.write(to: "\(work.path)/reports")
        f.writeSeconds = (nowMicros() - t0) / 1e6
        f.files = pack!.files.count + page!.files.count
        f.bytes = (pack!.files + page!.files).reduce(0) { $0 + $1.contents.utf8.count }
        let both = zip(f.boardPack, f.publicPage).map { $0 + $1 }
        print(String(format: "reports: %d actions, %d status changes: board pack %.3f s, public page %.3f s, both %.3f s "
            + "(median of 5; worst %.3f s; target ≤ 2 s); writing %d files (%.1f MB) %.3f s",
                     actions, changes, median(f.boardPack), median(f.publicPage), median(both), both.max() ?? 0, f.files,
                     Double(f.bytes) / 1e6, f.writeSeconds))
        figures["reports_actions"] = .int(Int64(actions))
        figures["reports_changes"] = .int(Int64(changes))
        figures["reports_board_pack_s"] = .double(round3(median(f.boardPack)))
        figures["reports_public_s"] = .double(round3(median(f.publicPage)))
        figures["reports_both_s"] = .double(round3(median(both)))
        figures["reports_write_s"] = .double(round3(f.writeSeconds))
        figures["reports_mb"] = .double((Double(f.bytes) / 1e5).rounded() / 10)

        guard fetch else { return }
        try fetchFromLoadedBoard(actions: actions, updates: updates, f: &f, work: work)
        let fetchMedian = median(f.fetch)
        print(String(format: "reports from a loaded board (%d actions, %d progress updates; %d status changes read): fetch %.2f s, "
            + "fetch + render both %.2f s (median of 3)", f.fetchedActions, updates, f.fetchedChanges, fetchMedian, median(f.fetchRender)))
        figures["reports_fetch_s"] = .double(round3(fetchMedian))
        figures["reports_fetch_render_s"] = .double(round3(median(f.fetchRender)))
        if let load = f.loadSeconds { figures["reports_board_load_s"] = .double((load * 10).rounded() / 10) }
    }

    /// Loads a board with `send-bench board`'s loader, starts findings with the matching inspection,
    /// and times `ReportFetcher.fetch` (and fetch + render) as `sendctl report` runs them.
    static func fetchFromLoadedBoard(actions: Int, updates: Int, f: inout Figures, work: BenchDirectory) throws {
        let bench = try BoardBenchmark.parse(["--actions", String(actions), "--updates", String(updates)])
        let boardDirectories = RuntimeDirectories(run: "\(work.path)/brun", data: "\(work.path)/bdata")
        f.loadSeconds = try bench.loadPlan(boardDirectories)
        let board = try ServiceChild("board-actions", service: ServiceName.board, directories: boardDirectories, environment: ["SEND_TODAY": BoardBenchmark.today])
        defer { board.stop() }

        // The findings service, in its own directories, with the inspection the board's read model was seeded with.
        let findingsDirectories = RuntimeDirectories(run: "\(work.path)/frun", data: "\(work.path)/fdata")
        try findingsDirectories.prepare()
        let findings = try ServiceChild("findings-intake", service: ServiceName.findings, directories: findingsDirectories, environment: ["SEND_TODAY": BoardBenchmark.today])
        defer { findings.stop() }
        let context = try ZeroMQ.Context()
        let findingsClient = try ServiceClient(context: context, service: ServiceName.findings, directories: findingsDirectories)
        defer { findingsClient.close() }
        let kinds = ["area_of_significant_weakness", "fundamental_failing", "area_of_significant_weakness", "area_for_improvement"]
        let report: JSONValue = [
            "inspection": ["inspection_id": "INS-0001", "local_area": "Bench", "framework": "2016", "visit_start": "2025-09-15",
                           "visit_end": "2025-09-19", "published": "2025-11-03", "outcome": "wsoa_required"],
            "findings": .array((1...bench.findings).map { i in
                ["finding_id": .string(String(format: "F-%04d", i)), "kind": .string(kinds[i % kinds.count]),
                 "theme": .string("Theme \(i % 17)"), "summary": .string("Weakness number \(i)"), "bodies": ["local_authority"]]
            }),
        ]
        _ = try findingsClient.call("findings.import", report, timeout: 60, attempts: 1)

        let boardClient = try ServiceClient(context: context, service: ServiceName.board, directories: boardDirectories)
        defer { boardClient.close() }
        let clients = BenchClients(findings: findingsClient, board: boardClient)
        for _ in 0..<3 {
            var t0 = nowMicros()
            let data = try ReportFetcher(call: clients.call).fetch()
            let fetched = (nowMicros() - t0) / 1e6
            f.fetch.append(fetched)
            t0 = nowMicros()
            _ = BoardPack.render(data)
            _ = PublicPage.render(data)
            f.fetchRender.append(fetched + (nowMicros() - t0) / 1e6)
            f.fetchedActions = data.actions.count
            f.fetchedChanges = data.statusChanges.count
        }
    }

    /// The fetcher's `call`, on this thread: findings and board by their clients, comms not running.
    /// `@unchecked Sendable`: used from this one thread only.
    final class BenchClients: @unchecked Sendable {
        let findings: ServiceClient
        let board: ServiceClient
        init(findings: ServiceClient, board: ServiceClient) {
            self.findings = findings
            self.board = board
        }

        func call(_ service: String, _ command: String, _ args: JSONValue) throws -> JSONValue {
            switch service {
            case ServiceName.findings: try findings.call(command, args, timeout: 60, attempts: 1)
            case ServiceName.board: try board.call(command, args, timeout: 60, attempts: 1)
            default: throw ServiceError(.unavailable, "\(service) is not running in this benchmark")
            }
        }
    }


    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.isEmpty ? 0 : s[s.count / 2]
    }

    static func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}
