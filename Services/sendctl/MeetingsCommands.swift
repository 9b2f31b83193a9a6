import ArgumentParser
import SendModel

/// `sendctl meetings …`: the board's meetings (as `sendctl board meetings`) and the chair's update after each.
struct MeetingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meetings",
        abstract: "Board meetings, and the chair's update after each.",
        discussion: """
            The chair's update is plain text: a line starting "# " is a heading, "- " (or "1. ") a list item, other lines \
            are paragraphs. HTML is refused. It goes on the public progress page at once, and comms drafts it for the \
            families who asked for updates: a comms officer sends it with `sendctl updates publish N`.
            """,
        subcommands: [BoardCommand.MeetingList.self, BoardCommand.MeetingShow.self, BoardCommand.MeetingAdd.self,
                      PublishUpdate.self, Updates.self],
        defaultSubcommand: BoardCommand.MeetingList.self)

    struct PublishUpdate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "publish-update", abstract: "Publish the chair's update after a meeting (once per meeting).")
        @Argument(help: "The meeting, for example MTG-002.") var meetingID: String
        @Option(help: ArgumentHelp("The update: plain text with headings (#) and lists (-).", valueName: "update.md")) var file: String
        @Option(help: "A title (default: the chair's update after the board meeting of <date>).") var title: String?
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            guard let text = String(validating: try readInputFile(file), as: UTF8.self) else {
                throw ValidationError("\(file) is not UTF-8 text: save it as plain text (UTF-8) and try again")
            }
            var args: [String: JSONValue] = ["meeting_id": .string(meetingID), "text": .string(text)]
            BoardCLI.put(&args, "title", title)
            let result = try await Connection(options: connection).call(ServiceName.board, "board.meetings.publish_update", .object(args))
            if json { return Output.json(result) }
            let u = result["update"] ?? .null
            print("published \(u["update_id"]?.cell ?? "?") after \(u["meeting_id"]?.cell ?? meetingID): \(u["title"]?.cell ?? "")")
            print("It is on the public progress page now; comms drafts it for the families who asked for updates "
                + "(a comms officer sends it: sendctl updates list, then sendctl updates publish N).")
        }
    }

    struct Updates: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "updates", abstract: "List the chair's updates, newest first.")
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let result = try await Connection(options: connection).call(ServiceName.board, "board.meetings.updates")
            if json { return Output.json(result) }
            Output.table(["update", "meeting", "meeting date", "published", "title"], (result["updates"]?.arrayValue ?? []).map { u in
                [u["update_id"]?.cell ?? "", u["meeting_id"]?.cell ?? "", u["meeting_date"]?.cell ?? "", u["published_on"]?.cell ?? "",
                 u["title"]?.cell ?? ""]
            })
        }
    }
}

/// `sendctl themes …`: the board's plain-English names for the areas of weakness.
struct ThemesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "themes",
        abstract: "Themes: the areas of weakness in plain English, each with its findings and actions (the public page is set out by theme).",
        subcommands: [List.self, Name.self], defaultSubcommand: List.self)

    struct Name: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "name",
            abstract: "Name a theme for findings and actions, or (with --theme) rename one and add to it.")
        @Argument(help: "The name families read, for example \"Getting help early\".") var name: String?
        @Option(name: .customLong("theme"), help: ArgumentHelp("An existing theme to rename or add to.", valueName: "id")) var themeID: String?
        @Option(help: "What the theme is about, in plain English.") var description: String?
        @Option(name: .customLong("finding"), help: ArgumentHelp("A finding it answers (repeat).", valueName: "id")) var findings: [String] = []
        @Option(name: .customLong("action"), help: ArgumentHelp("An action it holds (repeat).", valueName: "id")) var actions: [String] = []
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            if name == nil && themeID == nil { throw ValidationError("give the theme's name, or --theme T-01 to add to one") }
        }

        func run() async throws {
            var args: [String: JSONValue] = [:]
            BoardCLI.put(&args, "name", name)
            BoardCLI.put(&args, "theme_id", themeID)
            BoardCLI.put(&args, "description", description)
            if !findings.isEmpty { args["finding_ids"] = .array(findings.map { .string($0) }) }
            if !actions.isEmpty { args["action_ids"] = .array(actions.map { .string($0) }) }
            let result = try await Connection(options: connection).call(ServiceName.board, "board.themes.name", .object(args))
            if json { return Output.json(result) }
            let t = result["theme"] ?? .null
            let f = t["finding_ids"]?.arrayValue?.count ?? 0, a = t["actions"]?.arrayValue?.count ?? 0
            print("\(t["theme_id"]?.cell ?? "?") \"\(t["name"]?.cell ?? "")\": \(f) finding\(f == 1 ? "" : "s"), \(a) action\(a == 1 ? "" : "s")")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the themes with their findings and actions.")
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let result = try await Connection(options: connection).call(ServiceName.board, "board.themes.list")
            if json { return Output.json(result) }
            Output.table(["theme", "name", "findings", "actions"], (result["themes"]?.arrayValue ?? []).map { t in
                [t["theme_id"]?.cell ?? "", t["name"]?.cell ?? "",
                 (t["finding_ids"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: " "),
                 (t["actions"]?.arrayValue ?? []).compactMap { $0["action_id"]?.stringValue }.joined(separator: " ")]
            })
        }
    }
}
