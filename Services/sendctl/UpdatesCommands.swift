import ArgumentParser
import Foundation
import SendModel

/// `sendctl updates …`: "you said, we did".
struct UpdatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "updates",
        abstract: "\"You said, we did\" updates: drafted when a board action completes or is cancelled; edit, then publish.",
        subcommands: [UpdatesList.self, UpdatesShow.self, UpdatesEdit.self, UpdatesPublish.self]
    )
}

struct UpdatesList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List updates, drafts first to edit.")

    @Option(help: "Only drafts, or only published updates.")
    var status: UpdateStatusFilter?

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        var args: [String: JSONValue] = [:]
        if let status { args["status"] = .string(status.rawValue) }
        let result = try await Connection(options: connection).call(ServiceName.comms, "updates.list", .object(args))
        if json { Output.json(result); return }
        Output.table(["id", "action", "outcome", "status", "notes left", "created", "published", "title"],
                     (result["updates"]?.arrayValue ?? []).map { u in
            [u["update_id"]?.cell ?? "", u["action_id"]?.stringValue ?? u["chair_update_id"]?.stringValue ?? "", u["outcome"]?.cell ?? "", u["status"]?.cell ?? "",
             u["notes_left"]?.cell ?? "", u["created_at"]?.cell ?? "", u["published_at"]?.cell ?? "", u["title"]?.cell ?? ""]
        })
    }
}

struct UpdatesShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show an update's text and the notes still to replace.")

    @Argument(help: "The update id.")
    var id: Int64

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let u = try await Connection(options: connection).call(ServiceName.comms, "updates.show", ["update_id": .int(id)])
        if json { Output.json(u); return }
        let about = u["chair_update_id"]?.stringValue.map { "the chair's update \($0)" } ?? "action \(u["action_id"]?.cell ?? "")"
        print("update \(u["update_id"]?.cell ?? "") for \(about) (\(u["outcome"]?.cell ?? ""), \(u["status"]?.cell ?? ""))")
        print("title: \(u["title"]?.cell ?? "")")
        print("")
        print(u["body"]?.cell ?? "")
        let notes = u["notes"]?.arrayValue ?? []
        if !notes.isEmpty {
            print("")
            print("to replace before publishing:")
            for n in notes { print("  \(n.cell)") }
        }
    }
}

struct UpdatesEdit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "edit", abstract: "Change a draft's title or text.")

    @Argument(help: "The update id.")
    var id: Int64

    @Option(help: "The new title.")
    var title: String?

    @Option(help: "The new text.")
    var body: String?

    @Option(help: ArgumentHelp("Read the new text from a file.", valueName: "file"))
    var bodyFile: String?

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if body != nil && bodyFile != nil { throw ValidationError("give --body or --body-file, not both") }
        if title == nil && body == nil && bodyFile == nil { throw ValidationError("give --title, --body or --body-file") }
    }

    func run() async throws {
        var args: [String: JSONValue] = ["update_id": .int(id)]
        if let title { args["title"] = .string(title) }
        if let body { args["body"] = .string(body) }
        if let bodyFile { args["body"] = .string(String(decoding: try readInputFile(bodyFile), as: UTF8.self)) }
        let u = try await Connection(options: connection).call(ServiceName.comms, "updates.edit", .object(args))
        if json { Output.json(u); return }
        let left = u["notes_left"]?.intValue ?? 0
        print("update \(id) saved; " + (left == 0 ? "ready to publish (sendctl updates publish \(id))" : "\(Plural.of(Int64(left), "note")) left to replace"))
    }
}

struct UpdatesPublish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish an update: send it to every family who asked for updates (refused while a [[note]] is left)."
    )

    @Argument(help: "The update id.")
    var id: Int64

    @Flag(help: "Queue and return; do not wait for delivery.")
    var noWait = false

    @Flag(help: "Print the results as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let result = try await Connection(options: connection).call(ServiceName.comms, "updates.publish", ["update_id": .int(id)])
        let dispatch = result["dispatch_id"]?.intValue ?? 0
        if !json { print("update \(id) published: \(Plural.of(result["queued"], "family", "families")) who asked for updates; dispatch \(dispatch)") }
        let progress = try await DispatchProgress.follow(connection, dispatch: dispatch, wait: !noWait && !json)
        if json { Output.json(["publish": result, "dispatch": progress]) } else { DispatchProgress.summary(progress) }
    }
}
