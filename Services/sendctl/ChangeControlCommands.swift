import ArgumentParser
import SendModel

/// `sendctl actions reschedule|change|suspend|resume|requests|history`: change control (issue 18).
/// Each change is a request the board approves or refuses (`sendctl board decide MEETING --kind
/// change_requests --approve CR-0001 --refuse CR-0002`).
extension ActionsCommand {
    /// Prints a pending request as a person reads it.
    static func printRequest(_ result: JSONValue) {
        let r = result["request"] ?? .null
        let milestone = r["milestone"].flatMap { $0.isNull ? nil : " \($0.cell)" } ?? ""
        print("requested \(r["request_id"]?.cell ?? "?"): \(r["kind"]?.cell ?? "") of \(r["action_id"]?.cell ?? "")\(milestone) "
            + "from \(r["from"]?.cell ?? "") to \(r["to"]?.cell ?? "") — pending a board decision "
            + "(sendctl board decide MEETING --kind change_requests --approve \(r["request_id"]?.cell ?? "?"))")
    }

    struct Reschedule: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask the board to move an action's due date (a change request a board decision approves or refuses).")
        @Argument(help: "The action, for example A-0007.") var actionID: String
        @Option(help: ArgumentHelp("The new due date.", valueName: "YYYY-MM-DD")) var due: String
        @Option(help: "Why it is needed.") var reason: String
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let result = try await Connection(options: connection).call(ServiceName.board, "actions.reschedule", [
                "action_id": .string(actionID), "due": .string(due), "reason": .string(reason)])
            if json { return Output.json(result) }
            ActionsCommand.printRequest(result)
        }
    }

    struct Change: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask the board to change an action's lead organisation or success criteria (one per request).")
        @Argument(help: "The action.") var actionID: String
        @Option(name: [.customLong("lead"), .customLong("lead-organisation")], help: "The new lead organisation.")
        var leadOrganisation: String?
        @Option(help: "The new success criteria.") var successCriteria: String?
        @Option(help: "Why it is needed.") var reason: String
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            if (leadOrganisation == nil) == (successCriteria == nil) {
                throw ValidationError("give exactly one of --lead or --success-criteria: each change is its own request")
            }
        }

        func run() async throws {
            var args: [String: JSONValue] = ["action_id": .string(actionID), "reason": .string(reason)]
            BoardCLI.put(&args, "lead_organisation", leadOrganisation)
            BoardCLI.put(&args, "success_criteria", successCriteria)
            let result = try await Connection(options: connection).call(ServiceName.board, "actions.change", .object(args))
            if json { return Output.json(result) }
            ActionsCommand.printRequest(result)
        }
    }

    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ask the board to suspend an open action.")
        @Argument(help: "The action.") var actionID: String
        @Option(help: "Why.") var reason: String
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let result = try await Connection(options: connection).call(ServiceName.board, "actions.suspend", [
                "action_id": .string(actionID), "reason": .string(reason)])
            if json { return Output.json(result) }
            ActionsCommand.printRequest(result)
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask the board to resume a suspended action (it returns to the status it had).")
        @Argument(help: "The action.") var actionID: String
        @Option(help: "Why.") var reason: String
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let result = try await Connection(options: connection).call(ServiceName.board, "actions.resume", [
                "action_id": .string(actionID), "reason": .string(reason)])
            if json { return Output.json(result) }
            ActionsCommand.printRequest(result)
        }
    }

    struct Requests: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List change requests: pending, approved or refused.")
        @Option(name: .customLong("action"), help: ArgumentHelp("Only this action's.", valueName: "id")) var actionID: String?
        @Option(help: "Only in this state.") var state: ChangeRequestStateChoice?
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var args: [String: JSONValue] = [:]
            BoardCLI.put(&args, "action_id", actionID)
            BoardCLI.put(&args, "state", state?.rawValue)
            let result = try await Connection(options: connection).call(ServiceName.board, "actions.requests", .object(args))
            if json { return Output.json(result) }
            let items = result["requests"]?.arrayValue ?? []
            print("\(items.count) change request\(items.count == 1 ? "" : "s").")
            if items.isEmpty { return }
            Output.table(["request", "action", "kind", "from", "to", "state", "decision", "reason"], items.map { r in
                [r["request_id"]?.cell ?? "", r["action_id"]?.cell ?? "", r["kind"]?.cell ?? "", BoardCLI.cut(r["from"]?.cell ?? "", 30),
                 BoardCLI.cut(r["to"]?.cell ?? "", 30), r["state"]?.cell ?? "", r["decision_id"]?.cell ?? "",
                 BoardCLI.cut(r["reason"]?.cell ?? "", 50)]
            })
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every change of an action: what, from, to, why, and which decision.")
        @Argument(help: "The action.") var actionID: String
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let result = try await Connection(options: connection).call(ServiceName.board, "actions.history", ["action_id": .string(actionID)])
            if json { return Output.json(result) }
            let due = result["due"]?.cell ?? "", baseline = result["baseline_due"]?.cell ?? ""
            print("\(result["action_id"]?.cell ?? actionID)  \(result["title"]?.cell ?? "")")
            print("  status \(result["status"]?.cell ?? "")  RAG \(result["rag"]?.cell ?? "-")  due \(due)"
                + (due == baseline ? " (the baseline)" : " (baseline \(baseline))"))
            Output.table(["on", "what", "from", "to", "state", "decision", "request", "why"], (result["changes"]?.arrayValue ?? []).map { c in
                [c["on"]?.cell ?? "", c["what"]?.cell ?? "", BoardCLI.cut(c["from"]?.cell ?? "-", 30), BoardCLI.cut(c["to"]?.cell ?? "-", 30),
                 c["state"]?.cell ?? "", c["decision_id"]?.cell ?? "", c["request_id"]?.cell ?? "", BoardCLI.cut(c["why"]?.cell ?? "", 60)]
            })
        }
    }
}
