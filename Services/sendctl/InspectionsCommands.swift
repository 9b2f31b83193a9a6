import ArgumentParser
import Foundation
import SendModel

/// `sendctl inspections add|list|show`: the inspections the findings service holds.
struct InspectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspections",
        abstract: "Record and read inspections and their statutory deadlines.",
        subcommands: [InspectionsAdd.self, InspectionsList.self, InspectionsShow.self]
    )
}

struct InspectionsAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Record an inspection; the service computes its deadlines.",
        discussion: """
            Outcomes: 2016 framework wsoa_required or no_wsoa_required; 2023 framework positive, inconsistent
            or systemic_failings. Recording the same inspection again changes nothing.
            To record a whole report with its findings, use `sendctl findings import FILE`.
            """
    )

    @Option(name: .customLong("id"), help: ArgumentHelp("Inspection id (default INS-<area>-<year of the visit>).", valueName: "id"))
    var inspectionID: String?

    @Option(help: ArgumentHelp("The local area, e.g. Lancashire.", valueName: "name"))
    var localArea: String

    @Option(help: ArgumentHelp("The inspection framework.", valueName: "year"))
    var framework: FrameworkChoice

    @Option(help: ArgumentHelp("First day of the visit.", valueName: "YYYY-MM-DD"))
    var visitStart: String

    @Option(help: ArgumentHelp("Last day of the visit.", valueName: "YYYY-MM-DD"))
    var visitEnd: String

    @Option(help: ArgumentHelp("Publication date of the report.", valueName: "YYYY-MM-DD"))
    var published: String

    @Option(help: ArgumentHelp("The outcome (see below).", valueName: "outcome"))
    var outcome: OutcomeChoice

    @Option(name: .customLong("inspectorate"), help: ArgumentHelp("Ofsted or CQC; repeat for both (the default).", valueName: "name"))
    var inspectorates: [InspectorateChoice] = []

    @Option(help: ArgumentHelp("Notes about the record (no personal data).", valueName: "text"))
    var notes: String?

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        var args: [String: JSONValue] = [
            "local_area": .string(localArea), "framework": .string(framework.rawValue), "visit_start": .string(visitStart),
            "visit_end": .string(visitEnd), "published": .string(published), "outcome": .string(outcome.rawValue),
        ]
        if let inspectionID { args["inspection_id"] = .string(inspectionID) }
        if !inspectorates.isEmpty { args["inspectorates"] = .array(inspectorates.map { .string($0.rawValue) }) }
        if let notes { args["notes"] = .string(notes) }
        let result = try await Connection(options: connection).call(ServiceName.findings, "inspections.add", .object(args))
        if json { Output.json(result); return }
        let i = result["inspection"] ?? .null
        let id = i["inspection_id"]?.cell ?? "?"
        if result["unchanged"]?.boolValue == true {
            print("Nothing new: \(id) is already recorded with these details.")
        } else {
            print("Recorded \(id): \(i["local_area"]?.cell ?? "") (\(i["framework"]?.cell ?? "") framework), "
                + "published \(i["published"]?.cell ?? ""), outcome \(i["outcome"]?.cell ?? "").")
        }
        let lines = FindingsFormat.deadlineLines(i["deadlines"])
        if !lines.isEmpty { Output.table(["deadline", "date"], lines) }
    }
}

struct InspectionsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the recorded inspections.")

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let result = try await Connection(options: connection).call(ServiceName.findings, "inspections.list")
        if json { Output.json(result); return }
        let items = result["inspections"]?.arrayValue ?? []
        if items.isEmpty { print("No inspections recorded. Import a report with `sendctl findings import FILE`."); return }
        Output.table(["inspection", "local area", "framework", "published", "outcome", "next due", "findings"], items.map { i in
            [i["inspection_id"]?.cell ?? "", i["local_area"]?.cell ?? "", i["framework"]?.cell ?? "", i["published"]?.cell ?? "",
             i["outcome"]?.cell ?? "", FindingsFormat.nextDue(i["deadlines"]), i["findings_count"]?.cell ?? "0"]
        })
    }
}

struct InspectionsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show an inspection: deadlines, findings by kind, judgements and plans.")

    @Argument(help: "The inspection id, e.g. INS-lancashire-2017.")
    var inspectionID: String

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let result = try await Connection(options: connection).call(ServiceName.findings, "inspections.show",
                                                                     ["inspection_id": .string(inspectionID)])
        if json { Output.json(result); return }
        let i = result["inspection"] ?? .null
        print("\(i["inspection_id"]?.cell ?? "")  \(i["local_area"]?.cell ?? "")")
        let inspectorates = (i["inspectorates"]?.arrayValue ?? []).map(\.cell).joined(separator: " and ")
        print("  \(i["framework"]?.cell ?? "") framework, by \(inspectorates); visit \(i["visit_start"]?.cell ?? "") to \(i["visit_end"]?.cell ?? "")")
        print("  published \(i["published"]?.cell ?? ""), outcome \(i["outcome"]?.cell ?? "")")
        print("  findings: \(FindingsFormat.counts(i["counts"]))")
        if let j = i["judgements"], (j["sufficient"]?.intValue ?? 0) + (j["not_sufficient"]?.intValue ?? 0) > 0 {
            print("  judged: \(j["sufficient"]?.cell ?? "0") sufficient, \(j["not_sufficient"]?.cell ?? "0") not sufficient, "
                + "\(j["awaiting"]?.cell ?? "0") awaiting a judgement")
        }
        if let notes = i["notes"]?.stringValue { print("  notes: \(notes)") }
        let lines = FindingsFormat.deadlineLines(i["deadlines"], left: i["working_days_left"])
        if !lines.isEmpty {
            print("")
            Output.table(["deadline", "date", "as of \(i["today"]?.cell ?? "today")"], lines)
        }
        let plans = i["plans"]?.arrayValue ?? []
        if !plans.isEmpty {
            print("")
            Output.table(["plan", "kind", "opened", "review expected", "findings"], plans.map { p in
                [p["plan_id"]?.cell ?? "", (p["plan_kind"]?.cell ?? "").replacingOccurrences(of: "_", with: " "),
                 p["opened"]?.cell ?? "", p["review_expected"]?.cell ?? "-", String(p["findings"]?.arrayValue?.count ?? 0)]
            })
        }
    }
}
