import ArgumentParser
import SendModel

/// `sendctl actions milestones [list|add|met]`: an action's dated milestones (issue 18).
extension ActionsCommand {
    struct MilestonesCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "milestones",
            abstract: "An action's dated milestones: list them, add one, mark one met.",
            discussion: """
                A missed milestone (past its due date and not met) makes an open action red, like its own due date.
                Once added, a milestone's due date moves only by a change request (reschedule) a board decision approves.
                """,
            subcommands: [ListMilestones.self, AddMilestone.self, MetMilestone.self, RescheduleMilestone.self],
            defaultSubcommand: ListMilestones.self)
    }

    struct ListMilestones: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List an action's milestones, by due date.")
        @Argument(help: "The action, for example A-0007.") var actionID: String
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let result = try await Connection(options: connection).call(ServiceName.board, "actions.milestones.list",
                                                                        ["action_id": .string(actionID)])
            if json { return Output.json(result) }
            let items = result["milestones"]?.arrayValue ?? []
            print("\(result["action_id"]?.cell ?? actionID)  \(result["title"]?.cell ?? ""): "
                + "\(items.count) milestone\(items.count == 1 ? "" : "s").")
            if items.isEmpty { return }
            Output.table(["milestone", "title", "due", "state"], items.map { m in
                [m["milestone"]?.cell ?? "", BoardCLI.cut(m["title"]?.cell ?? "", 50), m["due"]?.cell ?? "", m["words"]?.cell ?? ""]
            })
        }
    }

    /// Prints a milestone as a person reads it, with the action's RAG after the change.
    static func printMilestone(_ verb: String, _ result: JSONValue) {
        let m = result["milestone"] ?? .null, a = result["action"] ?? .null
        print("\(verb) \(m["milestone"]?.cell ?? "?") of \(a["action_id"]?.cell ?? ""): \(m["title"]?.cell ?? "") — \(m["words"]?.cell ?? "")")
        print("  \(a["action_id"]?.cell ?? "") is \(a["rag"]?.cell ?? "not rated") (\(a["rag_reason"]?.cell ?? ""))")
    }

    struct AddMilestone: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a dated milestone to an open action (its date is fixed once added).")
        @Argument(help: "The action.") var actionID: String
        @Option(help: "What is done by then.") var title: String
        @Option(help: ArgumentHelp("When it is due: between the action's start and due dates.", valueName: "YYYY-MM-DD")) var due: String
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let result = try await Connection(options: connection).call(ServiceName.board, "actions.milestones.add", [
                "action_id": .string(actionID), "title": .string(title), "due": .string(due)])
            if json { return Output.json(result) }
            ActionsCommand.printMilestone("added", result)
        }
    }

    struct MetMilestone: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "met", abstract: "Record that a milestone was met (by the action's lead or the board chair).")
        @Argument(help: "The action.") var actionID: String
        @Argument(help: "The milestone, as listed: M1, M2, …") var milestone: String
        @Option(help: ArgumentHelp("The day it was met (default today; not after today).", valueName: "YYYY-MM-DD")) var on: String?
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var args: [String: JSONValue] = ["action_id": .string(actionID), "milestone": .string(milestone)]
            BoardCLI.put(&args, "on", on)
            let result = try await Connection(options: connection).call(ServiceName.board, "actions.milestones.met", .object(args))
            if json { return Output.json(result) }
            ActionsCommand.printMilestone("met", result)
        }
    }
}

extension ActionsCommand {
    struct RescheduleMilestone: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reschedule",
            abstract: "Ask the board to move a milestone's due date (a change request a board decision approves or refuses).")
        @Argument(help: "The action.") var actionID: String
        @Argument(help: "The milestone, as listed: M1, M2, …") var milestone: String
        @Option(help: ArgumentHelp("The new due date.", valueName: "YYYY-MM-DD")) var due: String
        @Option(help: "Why it is needed.") var reason: String
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let result = try await Connection(options: connection).call(ServiceName.board, "actions.milestones.reschedule", [
                "action_id": .string(actionID), "milestone": .string(milestone), "due": .string(due), "reason": .string(reason)])
            if json { return Output.json(result) }
            ActionsCommand.printRequest(result)
        }
    }
}
