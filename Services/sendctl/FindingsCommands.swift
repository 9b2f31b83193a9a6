import ArgumentParser
import Foundation
import SendModel

/// `sendctl findings import|add|list|show|judge`: a report's findings and the judgements at the revisit.
struct FindingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "findings",
        abstract: "Import a report, record, list and show findings, record judgements at a revisit.",
        subcommands: [FindingsImport.self, FindingsAdd.self, FindingsList.self, FindingsShow.self, FindingsJudge.self]
    )
}

struct FindingsImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Record a whole report (inspection and findings) from a JSON file, all or nothing.",
        discussion: """
            The file format is in docs/PROTOCOL.md (findings.import); deploy/demo/lancashire-2017-report.json is an example.
            A bad file is refused with the JSON path of every bad field and nothing is recorded (exit 65).
            Importing the same report again records nothing and says so.
            """
    )

    @Argument(help: ArgumentHelp("The report file.", valueName: "file"))
    var file: String

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let report = try FindingsFormat.readObject(file)
        let result = try await Connection(options: connection).call(ServiceName.findings, "findings.import", report)
        if json { Output.json(result); return }
        let id = result["inspection_id"]?.cell ?? "?"
        let ids = result["findings"]?.arrayValue ?? []
        if result["unchanged"]?.boolValue == true {
            print("Nothing new: \(id) and its \(ids.count) finding\(ids.count == 1 ? "" : "s") are already recorded.")
        } else {
            print("Recorded \(id): \(Plural.of(result["recorded"], "finding")) (\(FindingsFormat.counts(result["counts"]))).")
        }
        let lines = FindingsFormat.deadlineLines(result["deadlines"])
        if !lines.isEmpty { Output.table(["deadline", "date"], lines) }
    }
}

struct FindingsAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Record one finding of a recorded inspection.",
        discussion: """
            Kinds: strength, area_for_improvement, area_of_significant_weakness, fundamental_failing (2016),
            priority_area (2023). Bodies: local_authority, health_commissioners, health_providers, schools, colleges, other.
            """
    )

    @Option(name: .customLong("inspection"), help: ArgumentHelp("The inspection id.", valueName: "id"))
    var inspectionID: String

    @Option(name: .customLong("id"), help: ArgumentHelp("Finding id (default <inspection>-Fnn, the next number).", valueName: "id"))
    var findingID: String?

    @Option(help: ArgumentHelp("The kind of finding.", valueName: "kind"))
    var kind: FindingKindChoice

    @Option(help: ArgumentHelp("A short theme, e.g. exclusions.", valueName: "text"))
    var theme: String

    @Option(help: ArgumentHelp("One line, in the report's words.", valueName: "text"))
    var summary: String

    @Option(name: .customLong("evidence"), help: ArgumentHelp("A quotation from the report; repeat for more.", valueName: "text"))
    var evidence: [String] = []

    @Option(name: .customLong("body"), help: ArgumentHelp("A body responsible; repeat for more.", valueName: "body"))
    var bodies: [BodyChoice] = []

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if bodies.isEmpty { throw ValidationError("name at least one --body (local_authority, health_commissioners, health_providers, schools, colleges, other)") }
    }

    func run() async throws {
        var args: [String: JSONValue] = [
            "inspection_id": .string(inspectionID), "kind": .string(kind.rawValue), "theme": .string(theme), "summary": .string(summary),
            "bodies": .array(bodies.map { .string($0.rawValue) }), "evidence": .array(evidence.map { .string($0) }),
        ]
        if let findingID { args["finding_id"] = .string(findingID) }
        let result = try await Connection(options: connection).call(ServiceName.findings, "findings.add", .object(args))
        if json { Output.json(result); return }
        let f = result["finding"] ?? .null
        let what = "\(f["finding_id"]?.cell ?? "?"): \(FindingsFormat.kindLabel(f["kind"]?.stringValue)), \(f["theme"]?.cell ?? "")"
        print(result["unchanged"]?.boolValue == true ? "Nothing new: \(what) is already recorded." : "Recorded \(what).")
    }
}

struct FindingsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List findings, optionally filtered.")

    @Option(name: .customLong("inspection"), help: ArgumentHelp("Only this inspection's.", valueName: "id"))
    var inspectionID: String?

    @Option(help: ArgumentHelp("Only this kind.", valueName: "kind"))
    var kind: FindingKindChoice?

    @Option(help: ArgumentHelp("Only this theme.", valueName: "text"))
    var theme: String?

    @Option(name: .customLong("plan"), help: ArgumentHelp("Only those carried into this plan.", valueName: "id"))
    var planID: String?

    @Option(help: ArgumentHelp("Only findings judged so, or not yet judged.", valueName: "judgement"))
    var judgement: JudgementFilter?

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        var args: [String: JSONValue] = [:]
        if let inspectionID { args["inspection_id"] = .string(inspectionID) }
        if let kind { args["kind"] = .string(kind.rawValue) }
        if let theme { args["theme"] = .string(theme) }
        if let planID { args["plan_id"] = .string(planID) }
        if let judgement { args["judgement"] = .string(judgement.rawValue) }
        let result = try await Connection(options: connection).call(ServiceName.findings, "findings.list", .object(args))
        if json { Output.json(result); return }
        let items = result["findings"]?.arrayValue ?? []
        if items.isEmpty { print("No findings match."); return }
        Output.table(["finding", "kind", "theme", "judgement", "summary"], items.map { f in
            [f["finding_id"]?.cell ?? "", FindingsFormat.kindLabel(f["kind"]?.stringValue), f["theme"]?.cell ?? "",
             FindingsFormat.judgement(f), FindingsFormat.cut(f["summary"]?.cell ?? "", 90)]
        })
        print("\(items.count) finding\(items.count == 1 ? "" : "s")")
    }
}

struct FindingsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a finding: its wording, evidence, judgement and where it was carried.")

    @Argument(help: "The finding id, e.g. INS-lancashire-2017-F04.")
    var findingID: String

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let result = try await Connection(options: connection).call(ServiceName.findings, "findings.show", ["finding_id": .string(findingID)])
        if json { Output.json(result); return }
        let f = result["finding"] ?? .null
        print("\(f["finding_id"]?.cell ?? "")  \(FindingsFormat.kindLabel(f["kind"]?.stringValue))  (\(f["inspection_id"]?.cell ?? ""))")
        print("  theme: \(f["theme"]?.cell ?? "")")
        print("  summary: \(f["summary"]?.cell ?? "")")
        print("  bodies: \((f["bodies"]?.arrayValue ?? []).map(\.cell).joined(separator: ", "))")
        for quote in f["evidence"]?.arrayValue ?? [] { print("  evidence: \"\(quote.cell)\"") }
        if let plan = f["plan"], !plan.isNull {
            print("  in plan: \(plan["plan_id"]?.cell ?? "") (\((plan["plan_kind"]?.cell ?? "").replacingOccurrences(of: "_", with: " ")))")
        }
        if let j = f["judgement"], !j.isNull {
            print("  judged: \(FindingsFormat.judgement(f))\(j["note"]?.stringValue.map { ": \($0)" } ?? "")")
        }
        if let to = f["carried_to"]?.stringValue { print("  carried into: \(to)") }
        if let from = f["carried_from"]?.stringValue { print("  carried from: \(from)") }
        let lineage = (f["lineage"]?.arrayValue ?? []).map(\.cell)
        if lineage.count > 1 { print("  lineage: \(lineage.joined(separator: " → "))") }
    }
}

/// The judgement flags: `--sufficient` or `--not-sufficient`.
enum JudgementFlag: String, EnumerableFlag {
    case sufficient
    case notSufficient

    var wire: String { self == .sufficient ? "sufficient" : "not_sufficient" }
}

struct FindingsJudge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge",
        abstract: "Record the inspectors' judgement of a weakness at a revisit.",
        discussion: """
            A weakness judged not sufficient is carried into a new plan (an accelerated progress plan under the 2016
            framework, a priority action plan under 2023) as a new finding that links back to it.
            With --file, records every judgement of one revisit letter at once, all or nothing:
              {"inspection_id": "...", "date": "YYYY-MM-DD", "judgements": [{"finding_id": "...", "judgement": "sufficient", "note": "..."}]}
            """
    )

    @Argument(help: "The finding id (omit with --file).")
    var findingID: String?

    @Flag(help: "The judgement.")
    var judgement: JudgementFlag?

    @Option(help: ArgumentHelp("The date of the judgement (the revisit letter).", valueName: "YYYY-MM-DD"))
    var date: String?

    @Option(help: ArgumentHelp("The inspectors' words, or a note (no personal data).", valueName: "text"))
    var note: String?

    @Option(help: ArgumentHelp("A revisit file with every judgement (see below).", valueName: "file"))
    var file: String?

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if file != nil {
            guard findingID == nil, judgement == nil, date == nil, note == nil else {
                throw ValidationError("--file holds every judgement; give no finding id, judgement, --date or --note with it")
            }
        } else {
            guard findingID != nil else { throw ValidationError("name the finding to judge, or give --file") }
            guard judgement != nil else { throw ValidationError("give --sufficient or --not-sufficient") }
            guard date != nil else { throw ValidationError("give --date, the date of the judgement") }
        }
    }

    func run() async throws {
        let connection = Connection(options: connection)
        if let file {
            let result = try await connection.call(ServiceName.findings, "revisit.record", try FindingsFormat.readObject(file))
            if json { Output.json(result); return }
            print("Revisit of \(result["inspection_id"]?.cell ?? "?") on \(result["date"]?.cell ?? "?"): "
                + "\(result["sufficient"]?.cell ?? "0") sufficient, \(result["not_sufficient"]?.cell ?? "0") not sufficient"
                + ((result["unchanged"]?.intValue ?? 0) > 0 ? " (\(result["unchanged"]?.cell ?? "0") already recorded)" : "") + ".")
            let carried = result["carried_over"]?.arrayValue ?? []
            if !carried.isEmpty {
                Output.table(["weakness", "carried as", "plan"], carried.map {
                    [$0["finding_id"]?.cell ?? "", $0["new_finding_id"]?.cell ?? "", $0["plan_id"]?.cell ?? ""]
                })
            }
            return
        }
        var args: [String: JSONValue] = ["finding_id": .string(findingID ?? ""), "judgement": .string(judgement?.wire ?? ""),
                                         "date": .string(date ?? "")]
        if let note { args["note"] = .string(note) }
        let result = try await connection.call(ServiceName.findings, "findings.judge", .object(args))
        if json { Output.json(result); return }
        let j = result["judgement"] ?? .null
        let what = "\(result["finding_id"]?.cell ?? "?") judged \((j["judgement"]?.cell ?? "").replacingOccurrences(of: "_", with: " ")) on \(j["date"]?.cell ?? "")"
        print(result["unchanged"]?.boolValue == true ? "Nothing new: \(what) is already recorded." : "Recorded: \(what).")
        if let c = result["carried_over"], !c.isNull {
            print("Carried into \(c["plan_id"]?.cell ?? "") (\((c["plan_kind"]?.cell ?? "").replacingOccurrences(of: "_", with: " "))) "
                + "as \(c["new_finding_id"]?.cell ?? "").")
        }
    }
}
