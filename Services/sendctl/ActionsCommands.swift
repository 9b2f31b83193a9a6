import ArgumentParser
import SendModel

/// `sendctl actions …`: the board's actions — create, change, report progress, and see where they stand.
struct ActionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "actions",
        abstract: "The written statement of action: actions, progress, RAG, coverage, exceptions, overdue.",
        subcommands: [Create.self, Update.self, ProgressCommand.self, List.self, Show.self, CoverageCommand.self,
                      ExceptionsCommand.self, Overdue.self, ActionsImportCommand.self,
                      Reschedule.self, Change.self, Suspend.self, Resume.self, Requests.self, History.self,
                      MilestonesCommand.self]
    )

    /// The editable fields, shared by create and update.
    struct Fields: ParsableArguments {
        @Option(help: "A short title.") var title: String?
        @Option(help: "What will be done.") var description: String?
        @Option(name: .customLong("finding"), help: ArgumentHelp("A finding the action addresses (repeat for several).", valueName: "id"))
        var findings: [String] = []
        @Option(name: [.customLong("lead"), .customLong("lead-organisation")], help: "The lead organisation (agency).")
        var leadOrganisation: String?
        @Option(help: "The sponsoring director's post (not a name).") var sponsoringDirector: String?
        @Option(help: "The action lead's post (not a name).") var actionLead: String?
        @Option(help: ArgumentHelp("Start date.", valueName: "YYYY-MM-DD")) var start: String?
        @Option(help: ArgumentHelp("Due date.", valueName: "YYYY-MM-DD")) var due: String?
        @Option(help: "How success is measured.") var successCriteria: String?
        @Option(name: .customLong("kpi"), help: ArgumentHelp("The KPI the action moves.", valueName: "id")) var kpi: String?

        var args: [String: JSONValue] {
            var o: [String: JSONValue] = [:]
            BoardCLI.put(&o, "title", title)
            BoardCLI.put(&o, "description", description)
            if !findings.isEmpty { o["finding_ids"] = .array(findings.map { .string($0) }) }
            BoardCLI.put(&o, "lead_organisation", leadOrganisation)
            BoardCLI.put(&o, "sponsoring_director", sponsoringDirector)
            BoardCLI.put(&o, "action_lead", actionLead)
            BoardCLI.put(&o, "start", start)
            BoardCLI.put(&o, "due", due)
            BoardCLI.put(&o, "success_criteria", successCriteria)
            BoardCLI.put(&o, "kpi_id", kpi)
            return o
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an action addressing one or more findings.",
            discussion: "Required: --title, --finding, --lead (or --lead-organisation), --sponsoring-director, --action-lead, --start, --due, --success-criteria.",
            aliases: ["add"])
        @OptionGroup var fields: Fields
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let result = try await Connection(options: connection).call(ServiceName.board, "actions.create", .object(fields.args))
            if json { return Output.json(result) }
            let a = result["action"] ?? .null
            print("created \(a["action_id"]?.cell ?? "?"): \(a["title"]?.cell ?? "")  status \(a["status"]?.cell ?? "")  "
                + "due \(a["due"]?.cell ?? "")  \(a["rag"]?.cell ?? "")")
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change an open action's details, or its status.",
            discussion: """
                Statuses: not_started → in_progress ⇄ delayed → completed; cancelled (with --reason) from any open state.
                An action becomes verified only by a board decision (sendctl board decide --kind verify_action).
                The due date, lead organisation and success criteria change only through a change request
                (sendctl actions reschedule / change); suspended only through sendctl actions suspend / resume.
                --finding replaces the list of findings; --no-kpi removes the KPI.
                """)
        @Argument(help: "The action, for example A-0007.") var actionID: String
        @OptionGroup var fields: Fields
        @Flag(help: "Remove the KPI the action moves.") var noKpi = false
        @Option(help: "New status.") var status: ActionStatusChoice?
        @Option(help: "Why (required to cancel).") var reason: String?
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var args = fields.args
            args["action_id"] = .string(actionID)
            BoardCLI.put(&args, "status", status?.rawValue)
            BoardCLI.put(&args, "reason", reason)
            if noKpi { args["kpi_id"] = .null }
            let result = try await Connection(options: connection).call(ServiceName.board, "actions.update", .object(args))
            if json { return Output.json(result) }
            let a = result["action"] ?? .null
            var parts: [String] = []
            if let changed = result["changed"]?.arrayValue, !changed.isEmpty { parts.append("changed " + changed.map(\.cell).joined(separator: ", ")) }
            if let s = result["status_change"] { parts.append("status \(s["from"]?.cell ?? "") → \(s["to"]?.cell ?? "")") }
            let rating = a["rag"].map { $0.isNull ? "" : "\($0.cell): " } ?? ""
            print("\(a["action_id"]?.cell ?? actionID): " + parts.joined(separator: "; ") + "  (\(rating)\(a["rag_reason"]?.cell ?? ""))")
        }
    }

    struct ProgressCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "progress",
                                                        abstract: "Add a progress update (append-only), optionally changing the status.")
        @Argument(help: "The action.") var actionID: String
        @Option(help: "What happened.") var note: String
        @Option(help: "A link to the evidence.") var evidence: String?
        @Option(name: [.customLong("role"), .customLong("author-role")], help: "The author's role or post (not a name).")
        var authorRole: String
        @Option(help: "New status, if it changed.") var status: ActionStatusChoice?
        @Option(help: "Why the status changed (defaults to the note).") var reason: String?
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var args: [String: JSONValue] = ["action_id": .string(actionID), "note": .string(note), "author_role": .string(authorRole)]
            BoardCLI.put(&args, "evidence", evidence)
            BoardCLI.put(&args, "status", status?.rawValue)
            BoardCLI.put(&args, "reason", reason)
            let result = try await Connection(options: connection).call(ServiceName.board, "actions.progress", .object(args))
            if json { return Output.json(result) }
            let u = result["update"] ?? .null
            var line = "recorded \(u["update_id"]?.cell ?? "?") on \(u["action_id"]?.cell ?? actionID)"
            if let s = u["status_change"] { line += ": status \(s["from"]?.cell ?? "") → \(s["to"]?.cell ?? "")" }
            print(line)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List actions, filtered.")
        @Option(help: "Only this status, or open (not started, in progress or delayed).") var status: ActionStatusFilter?
        @Option(help: "Only this RAG rating.") var rag: RAGChoice?
        @Option(name: [.customLong("lead"), .customLong("lead-organisation")], help: "Only this lead organisation.")
        var leadOrganisation: String?
        @Option(help: ArgumentHelp("Only actions addressing this finding.", valueName: "id")) var finding: String?
        @Option(help: ArgumentHelp("Only actions moving this KPI.", valueName: "id")) var kpi: String?
        @Flag(help: "Only overdue actions.") var overdue = false
        @Option(help: "At most this many (default: all).") var limit: Int?
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var args: [String: JSONValue] = [:]
            BoardCLI.put(&args, "status", status?.rawValue)
            BoardCLI.put(&args, "rag", rag?.rawValue)
            BoardCLI.put(&args, "lead_organisation", leadOrganisation)
            BoardCLI.put(&args, "finding_id", finding)
            BoardCLI.put(&args, "kpi_id", kpi)
            if overdue { args["overdue"] = true }
            let (actions, total) = try await BoardCLI.allActions(Connection(options: connection), args, limit: limit)
            if json { return Output.json(["actions": .array(actions), "total": .int(total)]) }
            BoardCLI.actionTable(actions)
            print("\(actions.count) of \(total) action\(total == 1 ? "" : "s")")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an action with its findings, history and updates.")
        @Argument(help: "The action.") var actionID: String
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let result = try await Connection(options: connection).call(ServiceName.board, "actions.show", ["action_id": .string(actionID)])
            if json { return Output.json(result) }
            let a = result["action"] ?? .null
            print("\(a["action_id"]?.cell ?? actionID)  \(a["title"]?.cell ?? "")")
            for (label, key) in [("status", "status"), ("RAG", "rag"), ("why", "rag_reason"), ("lead organisation", "lead_organisation"),
                                 ("sponsoring director", "sponsoring_director"), ("action lead", "action_lead"), ("start", "start"),
                                 ("due", "due"), ("baseline due", "baseline_due"), ("success criteria", "success_criteria"), ("KPI", "kpi_id"),
                                 ("description", "description"), ("cancelled because", "cancel_reason"),
                                 ("agreed by", "agreed_decision"), ("verified by", "verified_decision")] {
                if let v = a[key], !v.isNull, v.cell != "" { print("  \(label.padding(toLength: 20, withPad: " ", startingAt: 0)) \(v.cell)") }
            }
            print("Findings:")
            for f in result["findings"]?.arrayValue ?? [] {
                print("  \(f["finding_id"]?.cell ?? "")  \(f["kind"]?.cell ?? "")  \(f["summary"]?.cell ?? "")")
            }
            print("Status history:")
            for h in result["status_history"]?.arrayValue ?? [] {
                let reason = h["reason"].map { $0.isNull ? "" : "  (\($0.cell))" } ?? ""
                let by = h["by"].flatMap { $0.isNull ? nil : "  by \($0["person"]?.cell ?? "") \($0["role"]?.cell ?? "")" } ?? ""
                print("  \(h["on"]?.cell ?? "")  \(h["from"]?.cell ?? "-") → \(h["to"]?.cell ?? "")\(by)\(reason)")
            }
            let milestones = result["milestones"]?.arrayValue ?? []
            if !milestones.isEmpty {
                print("Milestones:")
                for m in milestones { print("  \(m["milestone"]?.cell ?? "")  \(m["title"]?.cell ?? ""): \(m["words"]?.cell ?? "")") }
            }
            let updates = result["updates"]?.arrayValue ?? []
            if !updates.isEmpty {
                print("Progress updates:")
                for u in updates {
                    print("  \(u["update_id"]?.cell ?? "")  \(u["on"]?.cell ?? "")  \(u["author_role"]?.cell ?? ""): \(u["note"]?.cell ?? "")"
                        + (u["evidence"].map { $0.isNull ? "" : "  [\($0.cell)]" } ?? ""))
                }
            }
            let exceptions = result["exceptions"]?.arrayValue ?? []
            if !exceptions.isEmpty {
                print("Exceptions commentary:")
                for e in exceptions { print("  \(e["on"]?.cell ?? "")  \(e["author_role"]?.cell ?? ""): \(e["commentary"]?.cell ?? "")") }
            }
        }
    }

    struct CoverageCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "coverage",
            abstract: "List the weaknesses (significant weaknesses, fundamental failings, priority areas) with no open or completed action.")
        @Option(help: ArgumentHelp("Only this inspection's findings.", valueName: "id")) var inspection: String?
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var args: [String: JSONValue] = [:]
            BoardCLI.put(&args, "inspection_id", inspection)
            let result = try await Connection(options: connection).call(ServiceName.board, "actions.coverage", .object(args))
            if json { return Output.json(result) }
            let gaps = result["gaps"]?.arrayValue ?? []
            print("\(result["covered"]?.cell ?? "0") of \(result["required"]?.cell ?? "0") weaknesses have an open or completed action.")
            if gaps.isEmpty { return }
            Output.table(["finding", "kind", "theme", "summary", "cancelled actions"], gaps.map { g in
                [g["finding_id"]?.cell ?? "", g["kind"]?.cell ?? "", BoardCLI.cut(g["theme"]?.cell ?? "", 30),
                 BoardCLI.cut(g["summary"]?.cell ?? "", 60),
                 (g["cancelled_actions"]?.arrayValue ?? []).map(\.cell).joined(separator: " ")]
            })
        }
    }

    struct ExceptionsCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "exceptions",
            abstract: "Red actions and their exceptions commentary: list the ones missing it, or add one.",
            subcommands: [ExceptionsList.self, ExceptionsAdd.self],
            defaultSubcommand: ExceptionsList.self)
    }

    struct ExceptionsList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Red actions with no exceptions commentary since the last board meeting.")
        @Flag(help: "Every red action, with its commentary.") var all = false
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let result = try await Connection(options: connection).call(ServiceName.board, "exceptions.list", ["all": .bool(all)])
            if json { return Output.json(result) }
            let since = result["since_meeting"].map { $0.isNull ? "" : " since the board meeting of \($0.cell)" } ?? ""
            print("\(result["missing"]?.cell ?? "0") of \(result["red"]?.cell ?? "0") red actions need an exceptions commentary\(since).")
            let items = result["actions"]?.arrayValue ?? []
            if items.isEmpty { return }
            Output.table(["action", "commentary", "lead organisation", "action lead", "why red", "title"], items.map { a in
                [a["action_id"]?.cell ?? "", a["commentary_state"]?.cell ?? "", a["lead_organisation"]?.cell ?? "",
                 a["action_lead"]?.cell ?? "", BoardCLI.cut(a["rag_reason"]?.cell ?? "", 40), BoardCLI.cut(a["title"]?.cell ?? "", 50)]
            })
        }
    }

    struct ExceptionsAdd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add",
                                                        abstract: "Record the action lead's exceptions commentary on an off-track action.")
        @Argument(help: "The action.") var actionID: String
        @Option(help: "Why it is off track and what is being done.") var commentary: String
        @Option(name: [.customLong("role"), .customLong("author-role")], help: "The author's post (default: the action lead).")
        var authorRole: String?
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var args: [String: JSONValue] = ["action_id": .string(actionID), "commentary": .string(commentary)]
            BoardCLI.put(&args, "author_role", authorRole)
            let result = try await Connection(options: connection).call(ServiceName.board, "exceptions.add", .object(args))
            if json { return Output.json(result) }
            print("recorded the exceptions commentary on \(result["action_id"]?.cell ?? actionID) (\(result["rag"]?.cell ?? "-"): \(result["rag_reason"]?.cell ?? ""))")
        }
    }

    struct Overdue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open actions past their due date, most overdue first.")
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let result = try await Connection(options: connection).call(ServiceName.board, "actions.overdue")
            if json { return Output.json(result) }
            let items = result["actions"]?.arrayValue ?? []
            print("\(items.count) overdue action\(items.count == 1 ? "" : "s") on \(result["today"]?.cell ?? "").")
            if items.isEmpty { return }
            Output.table(["action", "due", "days", "status", "lead organisation", "title"], items.map { a in
                [a["action_id"]?.cell ?? "", a["due"]?.cell ?? "", a["days_overdue"]?.cell ?? "", a["status"]?.cell ?? "",
                 a["lead_organisation"]?.cell ?? "", BoardCLI.cut(a["title"]?.cell ?? "", 50)]
            })
        }
    }
}

/// Helpers of the board's sendctl commands.
enum BoardCLI {
    static func put(_ o: inout [String: JSONValue], _ key: String, _ value: String?) {
        if let value { o[key] = .string(value) }
    }

    /// Cuts text to a column width, marking the cut.
    static func cut(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }

    /// Every page of `actions.list` (or the first `limit`).
    static func allActions(_ connection: Connection, _ args: [String: JSONValue], limit: Int?) async throws -> ([JSONValue], Int64) {
        var actions: [JSONValue] = []
        var total: Int64 = 0
        var request = args
        while true {
            if let limit { request["limit"] = .int(Int64(max(1, min(limit - actions.count, 10_000)))) }
            let page = try await connection.call(ServiceName.board, "actions.list", .object(request))
            actions += page["actions"]?.arrayValue ?? []
            total = page["total"]?.intValue ?? Int64(actions.count)
            guard let next = page["next_after"], !next.isNull, limit.map({ actions.count < $0 }) ?? true else { break }
            request["after"] = next
        }
        return (actions, total)
    }

    static func actionTable(_ actions: [JSONValue]) {
        Output.table(["action", "status", "RAG", "due", "baseline", "lead organisation", "findings", "title"], actions.map { a in
            [a["action_id"]?.cell ?? "", a["status"]?.cell ?? "", a["rag"]?.cell ?? "", a["due"]?.cell ?? "",
             a["rescheduled"]?.boolValue == true ? a["baseline_due"]?.cell ?? "" : "",
             cut(a["lead_organisation"]?.cell ?? "", 30), (a["finding_ids"]?.arrayValue ?? []).map(\.cell).joined(separator: " "),
             cut(a["title"]?.cell ?? "", 60)]
        })
    }
}
