import ArgumentParser
import Foundation
import SendModel

/// `sendctl plan …`: the written statement of action as a whole.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "The written statement of action: its status, submitting it, importing a prepared plan.",
        subcommands: [Status.self, Submit.self, Import.self]
    )

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The plan at a glance: due date, coverage, actions by status and RAG.")
        @Option(name: .customLong("inspection"), help: ArgumentHelp("The inspection (default the latest).", valueName: "id"))
        var inspectionID: String?
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var args: [String: JSONValue] = [:]
            BoardCLI.put(&args, "inspection_id", inspectionID)
            let r = try await Connection(options: connection).call(ServiceName.board, "plan.status", .object(args))
            if json { return Output.json(r) }
            if let i = r["inspection"], !i.isNull {
                print("Plan for inspection \(i["inspection_id"]?.cell ?? "") (\(i["local_area"]?.cell ?? ""), \(i["framework"]?.cell ?? "") framework), "
                    + "published \(i["published"]?.cell ?? "-")")
            } else {
                print("No inspection is known to the board yet.")
            }
            if let due = r["due"], !due.isNull {
                let left = r["days_left"]?.intValue ?? 0
                print("  due \(due.cell) (" + (left >= 0 ? "\(left) days left" : "passed \(-left) days ago") + ")")
            }
            let submissions = r["submissions"]?.arrayValue ?? []
            if let last = submissions.last {
                print("  submitted \(last["submitted_on"]?.cell ?? "") (version \(last["version"]?.cell ?? "")"
                    + ((last["forced"]?.boolValue ?? false) ? ", forced despite warnings" : "") + ")")
            } else {
                print("  not submitted")
            }
            if let a = r["approved"], !a.isNull { print("  approved by the board: \(a["decision_id"]?.cell ?? "") on \(a["date"]?.cell ?? "")") }
            let c = r["coverage"] ?? .null
            print("  coverage: \(c["covered"]?.cell ?? "0") of \(c["required"]?.cell ?? "0") weaknesses have an action")
            let a = r["actions"] ?? .null
            let s = a["by_status"] ?? .null
            let g = a["by_rag"] ?? .null
            print("  actions: \(a["total"]?.cell ?? "0") — " + ActionStatus.allCases
                .map { "\($0.rawValue) \(s[$0.rawValue]?.cell ?? "0")" }.joined(separator: ", "))
            print("  RAG: " + RAG.allCases.map { "\($0.rawValue) \(g[$0.rawValue]?.cell ?? "0")" }.joined(separator: ", ") + "; "
                + "overdue \(a["overdue"]?.cell ?? "0"); exceptions commentary missing \(r["exceptions_missing"]?.cell ?? "0")")
            for w in r["warnings"]?.arrayValue ?? [] { print("  warning: \(w["message"]?.cell ?? "")") }
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the plan as submitted.",
            discussion: "Refused with the reasons when a weakness has no action or the statutory due date has passed; --force records it anyway.")
        @Option(name: .customLong("inspection"), help: ArgumentHelp("The inspection (default the latest).", valueName: "id"))
        var inspectionID: String?
        @Flag(help: "Submit despite the warnings.") var force = false
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var args: [String: JSONValue] = ["force": .bool(force)]
            BoardCLI.put(&args, "inspection_id", inspectionID)
            let r = try await Connection(options: connection).call(ServiceName.board, "plan.submit", .object(args))
            if json { return Output.json(r) }
            let s = r["submission"] ?? .null
            print("submitted the plan for \(s["inspection_id"]?.cell ?? "") on \(s["submitted_on"]?.cell ?? ""): version \(s["version"]?.cell ?? ""), "
                + Plural.of(s["actions"], "action"))
            for w in r["warnings"]?.arrayValue ?? [] { print("  warning: \(w["message"]?.cell ?? "")") }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a prepared plan (members, KPIs, actions) from a JSON file: all or nothing.",
            discussion: "The format is in docs/PROTOCOL.md (plan.import). Importing the same import_id again changes nothing.")
        @Argument(help: "The plan file.") var file: String
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read \(file)")
            }
            let plan: JSONValue
            do { plan = try JSONValue.parse(Array(data)) } catch {
                throw ValidationError("\(file) is not valid JSON: \(error)")
            }
            let r = try await Connection(options: connection).call(ServiceName.board, "plan.import", plan)
            if json { return Output.json(r) }
            print(r["message"]?.cell ?? "")
            if r["imported"]?.boolValue == true, let actions = r["created"]?["actions"]?.arrayValue, !actions.isEmpty {
                print("  actions: " + actions.map(\.cell).joined(separator: " "))
            }
        }
    }
}
