import ArgumentParser
import SendModel

/// `sendctl board …`: the partnership board's members, meetings and decisions.
struct BoardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "board",
        abstract: "The partnership board: members, meetings and decisions.",
        discussion: "A decision is valid only at a meeting a parent carer or young person representative attended.",
        subcommands: [Member.self, Meeting.self, Decide.self, Decisions.self]
    )

    struct Member: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Board members, by post and role (names stay out of this service).",
            subcommands: [MemberAdd.self, MemberList.self], defaultSubcommand: MemberList.self, aliases: ["members"])
    }

    struct MemberAdd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a member.")
        @Argument(help: "The member's role.")
        var role: MemberRoleChoice
        @Option(help: "The post, e.g. \"Chair, parent carer forum\" (not a person's name).") var post: String
        @Option(help: "The organisation.") var organisation: String?
        @Option(help: ArgumentHelp("Joined on (default today).", valueName: "YYYY-MM-DD")) var joinedOn: String?
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var args: [String: JSONValue] = ["role": .string(role.rawValue), "post": .string(post)]
            BoardCLI.put(&args, "organisation", organisation)
            BoardCLI.put(&args, "joined_on", joinedOn)
            let result = try await Connection(options: connection).call(ServiceName.board, "board.members.add", .object(args))
            if json { return Output.json(result) }
            let m = result["member"] ?? .null
            print("added \(m["member_id"]?.cell ?? "?"): \(m["post"]?.cell ?? "") (\(m["role"]?.cell ?? ""))")
        }
    }

    struct MemberList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the members.")
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let result = try await Connection(options: connection).call(ServiceName.board, "board.members.list")
            if json { return Output.json(result) }
            Output.table(["member", "role", "post", "organisation", "joined"], (result["members"]?.arrayValue ?? []).map { m in
                [m["member_id"]?.cell ?? "", m["role"]?.cell ?? "", m["post"]?.cell ?? "", m["organisation"]?.cell ?? "",
                 m["joined_on"]?.cell ?? ""]
            })
        }
    }

    struct Meeting: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Board meetings and who attended.",
            subcommands: [MeetingAdd.self, MeetingList.self, MeetingShow.self], defaultSubcommand: MeetingList.self,
            aliases: ["meetings"])
    }

    struct MeetingAdd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Record a meeting that was held.")
        @Option(help: ArgumentHelp("The date it was held.", valueName: "YYYY-MM-DD")) var date: String
        @Option(name: .customLong("attendee"), help: ArgumentHelp("A member who attended (repeat).", valueName: "id"))
        var attendees: [String] = []
        @Option(help: "A title.") var title: String?
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var args: [String: JSONValue] = ["date": .string(date), "attendee_ids": .array(attendees.map { .string($0) })]
            BoardCLI.put(&args, "title", title)
            let result = try await Connection(options: connection).call(ServiceName.board, "board.meetings.add", .object(args))
            if json { return Output.json(result) }
            let m = result["meeting"] ?? .null
            let coProduced = m["co_produced"]?.boolValue ?? false
            let attendees = (m["attendees"]?.arrayValue ?? []).count
            print("recorded \(m["meeting_id"]?.cell ?? "?") on \(m["date"]?.cell ?? ""): \(attendees) attendee\(attendees == 1 ? "" : "s")"
                + (coProduced ? "" : "; no parent carer or young person representative attended, so it cannot make decisions"))
        }
    }

    struct MeetingList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the meetings.")
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let result = try await Connection(options: connection).call(ServiceName.board, "board.meetings.list")
            if json { return Output.json(result) }
            Output.table(["meeting", "date", "attendees", "co-produced", "decisions", "title"], (result["meetings"]?.arrayValue ?? []).map { m in
                [m["meeting_id"]?.cell ?? "", m["date"]?.cell ?? "", String((m["attendees"]?.arrayValue ?? []).count),
                 (m["co_produced"]?.boolValue ?? false) ? "yes" : "no", m["decisions"]?.cell ?? "", m["title"]?.cell ?? ""]
            })
        }
    }

    struct MeetingShow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a meeting, its attendees and decisions.")
        @Argument(help: "The meeting, for example MTG-002.") var meetingID: String
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let result = try await Connection(options: connection).call(ServiceName.board, "board.meetings.show", ["meeting_id": .string(meetingID)])
            if json { return Output.json(result) }
            let m = result["meeting"] ?? .null
            print("\(m["meeting_id"]?.cell ?? meetingID)  \(m["date"]?.cell ?? "")  \(m["title"]?.cell ?? "")")
            print("Attendees:")
            for a in m["attendees"]?.arrayValue ?? [] { print("  \(a["member_id"]?.cell ?? "")  \(a["role"]?.cell ?? "")  \(a["post"]?.cell ?? "")") }
            let decisions = result["decisions"]?.arrayValue ?? []
            if !decisions.isEmpty {
                print("Decisions:")
                for d in decisions { print("  \(d["decision_id"]?.cell ?? "")  \(d["kind"]?.cell ?? "")  \(d["summary"]?.cell ?? "")") }
            }
        }
    }

    struct Decide: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a decision of a meeting: agree an action, approve the plan, verify an action's completion.")
        @Argument(help: "The meeting.") var meetingID: String
        @Option(help: "What kind of decision.") var kind: DecisionKindChoice
        @Option(name: .customLong("action"), help: ArgumentHelp("The action (agree_action, verify_action).", valueName: "id"))
        var actionID: String?
        @Option(name: .customLong("inspection"), help: ArgumentHelp("The inspection whose plan is approved (default the latest).", valueName: "id"))
        var inspectionID: String?
        @Option(help: "What was decided (required for other).") var summary: String?
        @Option(help: ArgumentHelp("A change request the decision approves (change_requests; repeat for several).", valueName: "id"))
        var approve: [String] = []
        @Option(help: ArgumentHelp("A change request the decision refuses (change_requests; repeat for several).", valueName: "id"))
        var refuse: [String] = []
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var args: [String: JSONValue] = ["meeting_id": .string(meetingID), "kind": .string(kind.rawValue)]
            if !approve.isEmpty { args["approve"] = .array(approve.map { .string($0) }) }
            if !refuse.isEmpty { args["refuse"] = .array(refuse.map { .string($0) }) }
            BoardCLI.put(&args, "action_id", actionID)
            BoardCLI.put(&args, "inspection_id", inspectionID)
            BoardCLI.put(&args, "summary", summary)
            let result = try await Connection(options: connection).call(ServiceName.board, "board.decide", .object(args))
            if json { return Output.json(result) }
            let d = result["decision"] ?? .null
            print("recorded \(d["decision_id"]?.cell ?? "?") at \(d["meeting_id"]?.cell ?? meetingID): \(d["summary"]?.cell ?? "")")
        }
    }

    struct Decisions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List decisions.")
        @Option(name: .customLong("action"), help: ArgumentHelp("Only about this action.", valueName: "id")) var actionID: String?
        @Option(help: "Only of this kind.") var kind: DecisionKindChoice?
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var args: [String: JSONValue] = [:]
            BoardCLI.put(&args, "action_id", actionID)
            BoardCLI.put(&args, "kind", kind?.rawValue)
            let result = try await Connection(options: connection).call(ServiceName.board, "board.decisions.list", .object(args))
            if json { return Output.json(result) }
            Output.table(["decision", "date", "meeting", "kind", "action", "summary"], (result["decisions"]?.arrayValue ?? []).map { d in
                [d["decision_id"]?.cell ?? "", d["date"]?.cell ?? "", d["meeting_id"]?.cell ?? "", d["kind"]?.cell ?? "",
                 d["action_id"]?.cell ?? "", BoardCLI.cut(d["summary"]?.cell ?? "", 60)]
            })
        }
    }
}
