import Foundation
import SendModel
import Testing
import TestSupport

/// The acceptance of the reports: the demo data in real findings, board and comms processes, the
/// real `sendctl report`, the pages checked by a structural HTML checker and opened in a real
/// headless Chromium, and every figure compared with the CSV files and the services' own answers.
@Suite("Reports from the demo data", .serialized)
struct ReportProcessTests {
    @Test("the board pack and the public page: produced, valid, render without console errors, no personal data or commentary in public, figures as the services say")
    func demoReports() throws {
        let demo = try DemoScenario()
        defer { demo.stop() }
        try demo.run()
        let out = "\(demo.dir.path)/reports"

        // Both reports are produced by sendctl.
        let pack = try sendctl(["report", "board-pack", "--out", out], demo.dir)
        #expect(pack.status == 0, "board-pack: \(pack.stderr)")
        #expect(pack.stdout.contains("\(out)/board-pack.html"))
        let publicRun = try sendctl(["report", "public", "--out", out], demo.dir)
        #expect(publicRun.status == 0, "public: \(publicRun.stderr)")
        let packPath = "\(out)/board-pack.html", publicPath = "\(out)/progress.html"
        let files = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(files.contains("board-pack.html") && files.contains("progress.html"))
        #expect(files.filter { $0.hasPrefix("board-pack-") && $0.hasSuffix(".csv") }.count >= 8)
        #expect(files.filter { $0.hasPrefix("progress-") && $0.hasSuffix(".csv") }.count >= 5)

        // Structure: balanced, one h1, headings in order, every chart with a text alternative, nothing loaded from elsewhere.
        let packPage = try PageCheck(packPath)
        let publicPage = try PageCheck(publicPath)
        #expect(packPage.errors == [])
        #expect(publicPage.errors == [])
        #expect(packPage.charts.count >= 5 && publicPage.charts.count >= 4)
        for chart in packPage.charts + publicPage.charts {
            let id = chart["id"]?.stringValue ?? "?"
            let title = chart["title"]?.stringValue ?? ""
            #expect(title.count > 0, "chart \(id) has no title")
        }
        // Each chart's visible caption says what it shows.
        #expect(publicPage.text.contains("How far our 8 actions have got"))

        try browser(pages: [packPath, publicPath], screenshots: "\(demo.dir.path)/screenshots", reports: out)
        try publicHasNoPersonalDataOrCommentary(out: out, page: publicPage)
        #expect(!packPage.text.contains(DemoScenario.freeText), "free-text answers stay in comms")
        #expect(packPage.text.contains(DemoScenario.commentary), "the board pack shows the exceptions commentary")
        try figures(demo, out: out, pack: packPage, publicPage: publicPage)
        demo.stop()
        demo.dir.remove()
    }

    @Test("without comms the reports are still made, and say there is no questionnaire yet; without the board sendctl exits 69")
    func withoutComms() throws {
        let demo = try DemoScenario(withComms: false)
        defer { demo.stop() }
        try demo.start(today: "2018-03-01")
        let report = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(repositoryRoot)/deploy/demo/lancashire-2017-report.json"))))
        _ = try demo.client.call(ServiceName.findings, "findings.import", report, timeout: 30)
        #expect(demo.boardCaughtUp())
        let (plan, readings) = try DemoScenario.boardPlan()
        _ = try demo.board("plan.import", plan)
        try demo.recordReadings(readings, through: "2018-03-01")
        let out = "\(demo.dir.path)/reports"
        let pack = try sendctl(["report", "board-pack", "--out", out], demo.dir)
        #expect(pack.status == 0, "\(pack.stderr)")
        #expect(pack.stdout.contains("comms service is not running"))
        let publicRun = try sendctl(["report", "public", "--out", out], demo.dir)
        #expect(publicRun.status == 0, "\(publicRun.stderr)")
        for page in ["board-pack.html", "progress.html"] {
            let check = try PageCheck("\(out)/\(page)")
            #expect(check.errors == [])
            #expect(check.text.contains("No questionnaire yet"), "\(page)")
        }
        // deploy/reports: both into <data>/reports/<date>/, latest pointing at it, old days pruned with --keep.
        let script = "\(repositoryRoot)/deploy/reports"
        let env = ["SEND_BIN_DIR": Binaries.directory, "SEND_TODAY": "2018-03-01"]
        try FileManager.default.createDirectory(atPath: "\(demo.dir.data)/reports/2018-02-01", withIntermediateDirectories: true)
        let scheduled = try run(script, demo.dir.flags + ["--keep", "1"], environment: env)
        #expect(scheduled.status == 0, "\(scheduled.stderr)")
        let day = "\(demo.dir.data)/reports/2018-03-01"
        for name in ["board-pack.html", "progress.html", "board-pack-actions.csv", "progress-actions.csv"] {
            #expect(FileManager.default.fileExists(atPath: "\(day)/\(name)"), "\(name)")
        }
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "\(demo.dir.data)/reports/latest") == "2018-03-01")
        #expect(!FileManager.default.fileExists(atPath: "\(demo.dir.data)/reports/2018-02-01"))
        #expect(scheduled.stdout.contains("removed the reports of 2018-02-01"))

        demo.services[1].stop()
        let failed = try run(script, demo.dir.flags, environment: env)
        #expect(failed.status == 69)
        #expect(failed.stderr.contains("board is not running"))
        #expect(FileManager.default.fileExists(atPath: "\(day)/board-pack.html"), "a failed run leaves the day's reports as they were")
        let left = try FileManager.default.contentsOfDirectory(atPath: "\(demo.dir.data)/reports").filter { $0.hasPrefix(".") }
        #expect(left == [], "no temporary directory is left behind")
        let refused = try sendctl(["report", "board-pack", "--out", "\(demo.dir.path)/other"], demo.dir)
        #expect(refused.status == 69)
        #expect(refused.stderr.contains("board is not running"))
        #expect(!FileManager.default.fileExists(atPath: "\(demo.dir.path)/other/board-pack.html"))
        demo.stop()
        demo.dir.remove()
    }

    // MARK: The browser

    func browser(pages: [String], screenshots: String, reports: String) throws {
        guard let chromium = chromiumPath else {
            Issue.record("Chromium is not installed: apt-get install -y chromium (deploy/test installs it)")
            return
        }
        try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
        let result = try python("browser_check.py", ["--chromium", chromium, "--screenshot-dir", screenshots] + pages)
        #expect(result["error"] == nil, "\(result["error"]?.stringValue ?? "")")
        for page in result["pages"]?.arrayValue ?? [] {
            let name = page["file"]?.stringValue ?? ""
            #expect(page["errors"] == [], "\(name): console errors \(page["errors"]?.jsonString ?? "")")
            #expect(page["requests"] == [], "\(name): loads \(page["requests"]?.jsonString ?? "")")
            for width in ["desktop_1280", "zoom_200_percent", "phone_375"] {
                #expect(page["overflow"]?[width]?["overflows"] == false, "\(name) is wider than the window at \(width): \(page["overflow"]?[width]?.jsonString ?? "")")
            }
            let shots = (page["screenshots"]?.arrayValue ?? []).compactMap(\.stringValue)
            #expect(shots.count == 2)
            for shot in shots {
                let size = (try? FileManager.default.attributesOfItem(atPath: shot)[.size] as? Int) ?? 0
                #expect(size > 10_000, "\(shot) is \(size) bytes")
            }
        }
        #expect(result["pages"]?.arrayValue?.count == pages.count)
        // Keep the screenshots and the reports where SEND_SCREENSHOTS_DIR says (deploy/test sets it).
        if let keep = ProcessInfo.processInfo.environment["SEND_SCREENSHOTS_DIR"], !keep.isEmpty {
            try FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            for (from, names) in [(screenshots, try FileManager.default.contentsOfDirectory(atPath: screenshots)),
                                  (reports, try FileManager.default.contentsOfDirectory(atPath: reports))] {
                for name in names {
                    try? FileManager.default.removeItem(atPath: "\(keep)/\(name)")
                    try FileManager.default.copyItem(atPath: "\(from)/\(name)", toPath: "\(keep)/\(name)")
                }
            }
        }
    }

    // MARK: Privacy

    func publicHasNoPersonalDataOrCommentary(out: String, page: PageCheck) throws {
        let families = try csvRecords("\(repositoryRoot)/deploy/demo/families.csv")
        #expect(families.count > 20)
        var personal: [String] = []
        for f in families {
            for key in ["name", "email", "address"] { if let v = f[key], !v.isEmpty { personal.append(v) } }
            if let address = f["address"], let firstLine = address.split(separator: ",").first { personal.append(String(firstLine)) }
            if let mobile = f["mobile"], !mobile.isEmpty {
                let digits = mobile.filter(\.isNumber)
                personal += [mobile, digits, "+44" + digits.dropFirst()]
            }
            for key in ["family_ref", "child_ref"] { if let v = f[key], !v.isEmpty { personal.append(v) } }
        }
        let internalText = [DemoScenario.commentary, DemoScenario.progressNote, DemoScenario.freeText,
                        "Head of Inclusion Service", "Designated Clinical Officer", "Chief Operating Officer"]
        let names = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasPrefix("progress") }
        #expect(names.contains("progress.html"))
        for name in names {
            let text = try String(contentsOfFile: "\(out)/\(name)", encoding: .utf8)
            for value in personal where text.localizedCaseInsensitiveContains(value) {
                Issue.record("\(name) holds a family's personal data: \(value)")
            }
            for value in internalText where text.contains(value) {
                Issue.record("\(name) holds internal text: \(value)")
            }
        }
        // The page still says what families need to know.
        #expect(page.text.contains("What the inspectors found"))
        #expect(page.text.contains("You said, we did"))
        #expect(page.text.contains("You said you were not listened to: we asked every family"))
        #expect(page.headings.first?.level == 1)
    }

    // MARK: Figures

    func figures(_ demo: DemoScenario, out: String, pack: PageCheck, publicPage: PageCheck) throws {
        let plan = try demo.board("plan.status")
        var actions: [JSONValue] = []
        var after: JSONValue? = nil
        repeat {
            var args: [String: JSONValue] = ["limit": 100]
            if let after { args["after"] = after }
            let page = try demo.board("actions.list", .object(args))
            actions += page["actions"]?.arrayValue ?? []
            after = page["next_after"]
        } while after != nil && after != .null
        #expect(actions.count == 8)

        // Actions per weakness by RAG: chart = CSV = actions.list per finding.
        var chart: [String: [String: Int]] = [:]
        for m in pack.marks("chart-weaknesses") { chart[m.label, default: [:]][m.series] = Int(m.value) }
        var csv: [String: [String: Int]] = [:]
        for r in try csvRecords("\(out)/board-pack-weaknesses.csv") {
            var counts: [String: Int] = [:]
            for s in ["red", "amber", "green", "not_rated"] where Int(r[s] ?? "0")! > 0 { counts[s] = Int(r[s]!)! }
            if !counts.isEmpty { csv[r["finding_id"]!] = counts }
        }
        var service: [String: [String: Int]] = [:]
        for a in actions {
            for f in a["finding_ids"]?.arrayValue ?? [] {
                service[f.stringValue!, default: [:]][a["rag"]?.stringValue ?? "not_rated", default: 0] += 1
            }
        }
        #expect(!chart.isEmpty)
        #expect(chart == csv)
        #expect(csv == service)
        let gaps = (plan["coverage"]?["gaps"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(!gaps.isEmpty, "the demo plan leaves weaknesses without an action")
        for gap in gaps {
            #expect(try csvRecords("\(out)/board-pack-weaknesses.csv").first { $0["finding_id"] == gap }?["actions"] == "0")
        }

        // The summary = plan.status.
        let summary = Dictionary(uniqueKeysWithValues: try csvRecords("\(out)/board-pack-summary.csv").map { ($0["measure"]!, $0["value"]!) })
        for rag in ["red", "amber", "green", "not_rated"] {
            #expect(summary[rag] == plan["actions"]?["by_rag"]?[rag]?.intValue.map { String($0) }, "\(rag)")
        }
        #expect(summary["overdue"] == plan["actions"]?["overdue"]?.intValue.map { String($0) })
        #expect(summary["plan_due"] == plan["due"]?.stringValue)
        #expect(summary["plan_submitted"] == "2018-04-20")

        // Status over time: the chart = the CSV; today's column = plan.status; history as lived.
        let statusRows = try csvRecords("\(out)/board-pack-status-over-time.csv")
        var statusChart: [String: [String: Int]] = [:]
        for m in pack.marks("chart-status") { statusChart[m.label, default: [:]][m.series] = Int(m.value) }
        var statusCSV: [String: [String: Int]] = [:]
        for r in statusRows {
            for (k, v) in r where k != "period_end" && k != "total" && v != "0" { statusCSV[r["period_end"]!, default: [:]][k] = Int(v) }
        }
        #expect(statusChart == statusCSV)
        let todayColumn = statusCSV[DemoScenario.finalDay] ?? [:]
        for (status, n) in plan["actions"]?["by_status"]?.objectValue ?? [:] {
            #expect((todayColumn[status] ?? 0) == Int(n.intValue ?? -1), "\(status)")
        }
        #expect(statusRows.first?["period_end"] == "2018-03-31")
        #expect(statusRows.first?["in_progress"] == "2", "two actions started in March")
        #expect(statusRows.first { $0["period_end"] == "2018-06-30" }?["verified"] == "1")

        // The board's status history, page by page: 8 creations and the 11 changes the scenario made.
        var history: [JSONValue] = []
        var cursor: JSONValue? = nil
        repeat {
            var args: [String: JSONValue] = ["limit": 5]
            if let cursor { args["after"] = cursor }
            let page = try demo.board("actions.history", .object(args))
            history += page["changes"]?.arrayValue ?? []
            cursor = page["next_after"]
        } while cursor != nil
        #expect(history.count == 19)
        #expect(history.map { $0["n"]?.intValue ?? 0 } == history.map { $0["n"]?.intValue ?? 0 }.sorted())
        #expect(history.filter { $0["from"] == .null }.count == 8)
        #expect(history.last.map { [$0["action_id"], $0["from"], $0["to"], $0["on"]] } == ["A-0004", "in_progress", "delayed", "2018-09-03"])

        // KPIs: chart = CSV = kpis.show.
        let kpi = try demo.board("kpis.show", ["kpi_id": "K-001"])
        let readings = (kpi["readings"]?.arrayValue ?? []).map { ($0["date"]!.stringValue!, $0["value"]!.doubleValue!) }
        #expect(readings.count == 3)
        let kpiMarks = pack.marks("chart-kpi-K-001")
        #expect(kpiMarks.filter { $0.series == "reading" }.map { ($0.label, Double($0.value)!) }.elementsEqual(readings, by: ==))
        #expect(try csvRecords("\(out)/board-pack-kpi-K-001.csv").map { ($0["date"]!, Double($0["value"]!)!) }.elementsEqual(readings, by: ==))
        #expect(kpiMarks.first { $0.series == "baseline" }.map { Double($0.value) } == kpi["kpi"]?["baseline"]?.doubleValue)
        #expect(kpiMarks.first { $0.series == "target" }.map { Double($0.value) } == kpi["kpi"]?["target"]?.doubleValue)
        #expect(publicPage.marks("chart-measure-K-001").filter { $0.series == "reading" }.map { ($0.label, Double($0.value)!) }.elementsEqual(readings, by: ==))

        // Red actions: the CSV = exceptions.list; the commentary or "missing".
        let exceptions = try demo.board("exceptions.list", ["all": true])
        let red = try csvRecords("\(out)/board-pack-red-actions.csv")
        #expect(red.map { $0["action_id"]! } == (exceptions["actions"]?.arrayValue ?? []).map { $0["action_id"]!.stringValue! })
        #expect(red.count == Int(plan["actions"]?["by_rag"]?["red"]?.intValue ?? -1))
        #expect(red.first { $0["action_id"] == "A-0002" }?["commentary"] == DemoScenario.commentary)
        #expect(red.first { $0["action_id"] == "A-0002" }?["commentary_state"] == "current")
        #expect(red.first { $0["action_id"] == "A-0004" }?["commentary_state"] == "missing")
        let redTable = (pack.json["tables"]?.arrayValue ?? []).first { $0["caption"]?.stringValue == "Red actions" }
        let a4 = redTable?["rows"]?.arrayValue?.first { $0.arrayValue?.first?.stringValue?.hasPrefix("A-0004") == true }
        #expect(a4?.arrayValue?[4].stringValue == "Missing")

        // Questionnaire: the response-rate chart and the answers = CSV = questionnaires.results.
        let results = try demo.comms("questionnaires.results", ["questionnaire_id": 1])
        let asked = Int(results["asked"]?.intValue ?? 0), answered = Int(results["answered"]?.intValue ?? 0)
        #expect(asked > 20 && answered > 10)
        let overall = pack.marks("chart-q1-response").first { $0.label == "overall" }
        #expect(abs((Double(overall?.value ?? "") ?? -1) - (results["response_rate"]?.doubleValue ?? 0) * 100) < 0.06)
        let rateRow = try csvRecords("\(out)/board-pack-questionnaires.csv").first { $0["group"] == "overall" }
        #expect(rateRow?["asked"] == String(asked) && rateRow?["answered"] == String(answered))
        for (channel, c) in results["by_channel"]?.objectValue ?? [:] {
            let row = try csvRecords("\(out)/board-pack-questionnaires.csv").first { $0["group"] == channel }
            #expect(row?["asked"] == c["asked"]?.intValue.map { String($0) }, "\(channel)")
        }
        for q in results["questions"]?.arrayValue ?? [] where q["kind"]?.stringValue != "free_text" {
            let n = q["question"]!.intValue!
            let marks = pack.marks("chart-q1-question-\(n)")
            for (answer, count) in q["distribution"]?.objectValue ?? [:] {
                #expect(marks.first { $0.label == "\(n):\(answer)" }?.value == String(count.intValue!), "question \(n) \(answer)")
                #expect(publicPage.marks("chart-q1-question-\(n)").first { $0.label == "\(n):\(answer)" }?.value == String(count.intValue!))
            }
            let csvCounts = try csvRecords("\(out)/board-pack-questionnaire-1-answers.csv").filter { $0["question"] == String(n) }
            #expect(csvCounts.map { Int($0["count"]!)! }.reduce(0, +) == Int(q["answered"]!.intValue!))
        }

        // The public progress chart = its CSV = the actions' statuses and due dates.
        let progress = Dictionary(uniqueKeysWithValues: publicPage.marks("chart-progress").map { ($0.label, Int($0.value)!) })
        let progressCSV = Dictionary(uniqueKeysWithValues: try csvRecords("\(out)/progress-progress.csv").map { ($0["progress"]!, Int($0["actions"]!)!) })
        let open = actions.filter { $0["status"]?.stringValue != "cancelled" }
        let done = open.filter { ["completed", "verified"].contains($0["status"]!.stringValue!) }.count
        let behind = open.filter { $0["status"]?.stringValue == "delayed" || ($0["overdue"]?.boolValue ?? false) && $0["status"]?.stringValue != "delayed" }.count
        #expect(progress["done"] == done && progressCSV["Done"] == done)
        #expect(progress["behind"] == behind && progressCSV["Behind schedule"] == behind)
        #expect(progress.values.reduce(0, +) == open.count)

        // Dates: the chart = the CSV = the inspection's deadlines and the plan's submission.
        let inspection = try demo.client.call(ServiceName.findings, "inspections.show", ["inspection_id": "INS-lancashire-2017"])
        let dates = try csvRecords("\(out)/board-pack-dates.csv")
        #expect(dates.first { $0["kind"] == "plan_due" }?["date"] == inspection["inspection"]?["deadlines"]?["wsoa_due"]?.stringValue)
        #expect(dates.first { $0["kind"] == "revisit_window" }?["end"] == inspection["inspection"]?["deadlines"]?["revisit_window_end"]?.stringValue)
        #expect(dates.first { $0["kind"] == "submitted" }?["date"] == "2018-04-20")
        let dateMarks = pack.marks("chart-dates")
        #expect(dateMarks.first { $0.series == "plan_due" }?.value == inspection["inspection"]?["deadlines"]?["wsoa_due"]?.stringValue)
        #expect(dateMarks.first { $0.series == "published" }?.value == "2018-01-16")
    }
}
