import ArgumentParser
import Foundation
import SendModel
import SendRuntime

/// `sendctl families …`: the only sendctl commands that show personal data.
struct FamiliesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "families",
        abstract: "Import, list and show families (personal data: names and contact details), record opt-outs, and answer data rights: export and erase.",
        subcommands: [FamiliesImport.self, FamiliesList.self, FamiliesShow.self, FamiliesOptOut.self, FamiliesExport.self, FamiliesErase.self]
    )
}

struct FamiliesImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import families from a CSV file (one row per child); bad rows are listed by line, good rows imported.",
        discussion: """
            Columns (header first, any order): family_ref, child_ref, ehc_plan (yes/no) and consent (yes/no) are
            required; name, email, mobile (UK, 07… or +44 7…), address, preferred_channel (email, sms or letter) and
            updates (yes/no: wants "you said, we did" updates) are optional. A family with several children has a
            row per child; a re-import updates what changed and creates nothing twice; nothing is deleted.
            The file goes in chunks of --chunk-rows rows, each one request, two in flight (a retry of a chunk is answered from the
            service's stored reply). Exit 65 when any row was rejected (the others are imported).
            """
    )

    @Argument(help: "The CSV file.")
    var file: String

    @Option(help: "Rows per request.")
    var chunkRows = 100_000

    @Flag(help: "Print the combined result as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard (1...200_000).contains(chunkRows) else { throw ValidationError("--chunk-rows must be 1 to 200000") }
    }

    func run() async throws {
        let bytes = try readInputFile(file)
        let chunks: CSVChunks
        do {
            chunks = try CSVChunks(bytes: bytes, rows: chunkRows)
        } catch {
            printError("sendctl: \(file): \(error)")
            throw ExitCode(65)
        }
        let nonce = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let total = chunks.chunks.count
        let sumKeys = ["rows", "imported", "rejected_rows", "families_created", "families_updated", "children_created", "children_updated"]
        var sums = [String: Int64]()
        var rejected: [JSONValue] = []
        var allListed = true
        let tty = isatty(STDERR_FILENO) == 1
        // Two chunks in flight on one connection: the next is encoded and sent while the service imports
        // this one, so the service never waits for sendctl between chunks. One connection keeps them in
        // order, and the service applies them one after the other.
        let directories = connection.directories.directories
        let timeout = max(connection.timeout, 120)
        let options = connection
        let outcome: Result<[JSONValue], any Error> = await runOnThread {
            Result {
                let client = try Connection.client(ServiceName.comms, directories: directories, identity: options.identity)
                defer { client.close() }
                var results: [JSONValue] = []
                var waiting: Request?
                func collect(_ request: Request) throws {
                    switch try client.send(request, timeout: timeout, attempts: 2).outcome {
                    case .success(let result): results.append(result)
                    case .failure(let error): throw error
                    }
                }
                for chunk in chunks.chunks {
                    if tty && total > 1 { FileHandle.standardError.write(Data("\rimporting: chunk \(chunk.number)/\(total)".utf8)) }
                    let args: JSONValue = ["csv": .string(chunk.text), "first_row_line": .int(Int64(chunk.firstRowLine)),
                                           "import_id": .string(chunks.fileHash), "chunk": .int(Int64(chunk.number)), "chunks": .int(Int64(total))]
                    // Stable for this run's retries; a new run re-applies the file (see docs/PROTOCOL.md, families.import).
                    let request = Request(id: "families.import-\(chunks.fileHash)-\(nonce)-\(chunk.number)of\(total)",
                                          command: "families.import", args: args)
                    try client.post(request)
                    if let waiting { try collect(waiting) }
                    waiting = request
                }
                if let waiting { try collect(waiting) }
                return results
            }
        }
        switch outcome {
        case .success(let results):
            for result in results {
                for key in sumKeys { sums[key, default: 0] += result[key]?.intValue ?? 0 }
                rejected += result["rejected"]?.arrayValue ?? []
                if result["rejected_listed_all"]?.boolValue == false { allListed = false }
            }
        case .failure(let error):
            throw Connection.exit(for: FlagNames.rewrite(error, command: "families.import"))
        }
        if tty && total > 1 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if json {
            var o: [String: JSONValue] = sums.mapValues { .int($0) }
            o["rejected"] = .array(rejected)
            o["import_id"] = .string(chunks.fileHash)
            o["chunks"] = .int(Int64(total))
            Output.json(.object(o))
        } else {
            print("\(file): \(sums["rows"] ?? 0) rows, \(sums["imported"] ?? 0) imported, \(sums["rejected_rows"] ?? 0) rejected")
            print("families: \(sums["families_created"] ?? 0) created, \(sums["families_updated"] ?? 0) updated; "
                + "children: \(sums["children_created"] ?? 0) created, \(sums["children_updated"] ?? 0) updated")
            if !rejected.isEmpty {
                print("rejected:")
                Output.table(["line", "field", "problem"], rejected.map { [$0["line"]?.cell ?? "", $0["field"]?.cell ?? "", $0["message"]?.cell ?? ""] })
                if !allListed { print("(not every problem is listed: the service lists the first 1000 of each chunk)") }
            }
        }
        if (sums["rejected_rows"] ?? 0) > 0 { throw ExitCode(65) }
    }
}

struct FamiliesList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List families with their contact details.")

    @Option(name: .customLong("ehc-plan"), help: ArgumentHelp("yes: only families with a child with an EHC plan; no: only those without.", valueName: "yes|no"))
    var ehcPlan: String?

    @Flag(help: "Only families who opted out.")
    var optedOut = false

    @Flag(help: "Only families with a contact detail flagged after a permanent failure.")
    var flagged = false

    @Option(help: "At most this many.")
    var limit = 50

    @Option(help: ArgumentHelp("Start after this family reference (paging).", valueName: "ref"))
    var after: String?

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if let ehcPlan, !["yes", "no"].contains(ehcPlan) { throw ValidationError("--ehc-plan takes yes or no") }
    }

    func run() async throws {
        var args: [String: JSONValue] = ["limit": .int(Int64(limit))]
        if let ehcPlan { args["ehc_plan"] = .bool(ehcPlan == "yes") }
        if optedOut { args["opted_out"] = true }
        if flagged { args["flagged"] = true }
        if let after { args["after"] = .string(after) }
        let result = try await Connection(options: connection).call(ServiceName.comms, "families.list", .object(args))
        if json { Output.json(result); return }
        let families = result["families"]?.arrayValue ?? []
        Output.table(["family", "name", "email", "mobile", "prefers", "ehc", "consent", "opted out", "flagged"], families.map { f in
            [f["family_ref"]?.cell ?? "", f["name"]?.cell ?? "", f["email"]?.cell ?? "", f["mobile"]?.cell ?? "",
             f["preferred_channel"]?.cell ?? "", yesNo(f["ehc_plan"]), yesNo(f["consent"]), yesNo(f["opted_out"]),
             (f["flagged"]?.arrayValue ?? []).map(\.cell).joined(separator: ",")]
        })
        print("\(families.count) of \(result["total"]?.cell ?? "?") families"
            + (result["next_after"].map { "; more with --after \($0.cell)" } ?? ""))
    }
}

func yesNo(_ v: JSONValue?) -> String { v?.boolValue == true ? "yes" : v?.boolValue == false ? "no" : "-" }

struct FamiliesShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show",
        abstract: "Show a family: contact details, children, messages, questionnaires and enquiries (with their text).")

    @Argument(help: "The family reference.")
    var familyRef: String

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let result = try await Connection(options: connection).call(ServiceName.comms, "families.show", ["family_ref": .string(familyRef)])
        if json { Output.json(result); return }
        guard let f = result["family"] else { return }
        print("family \(f["family_ref"]?.cell ?? "")  \(f["name"]?.cell ?? "")")
        print("  email \(f["email"]?.cell ?? "-")  mobile \(f["mobile"]?.cell ?? "-")  prefers \(f["preferred_channel"]?.cell ?? "-")")
        print("  address \(f["address"]?.cell ?? "-")")
        print("  consent \(yesNo(f["consent"]))  updates \(yesNo(f["wants_updates"]))  opted out \(f["opted_out_at"]?.cell ?? "no")"
            + "  flagged \((f["flagged"]?.arrayValue ?? []).map(\.cell).joined(separator: ",").nonEmpty ?? "none")")
        let children = f["children_list"]?.arrayValue ?? []
        print("  children: " + children.map { "\($0["child_ref"]?.cell ?? "")\($0["ehc_plan"]?.boolValue == true ? " (EHC plan)" : "")" }
            .joined(separator: ", "))
        if let messages = f["messages"]?.arrayValue, !messages.isEmpty {
            print("messages:")
            Output.table(["reference", "kind", "channel", "status", "attempts", "at", "failure"], messages.map { m in
                [m["reference"]?.cell ?? "", m["kind"]?.cell ?? "", m["channel"]?.cell ?? "", m["status"]?.cell ?? "",
                 m["attempts"]?.cell ?? "", m["status_at"]?.cell ?? m["created_at"]?.cell ?? "", m["failure"]?.cell ?? ""]
            })
        }
        if let qs = f["questionnaires"]?.arrayValue, !qs.isEmpty {
            print("questionnaires: " + qs.map { "\($0["questionnaire_id"]?.cell ?? "") \($0["answered"]?.boolValue == true ? "answered" : "not answered")" }
                .joined(separator: "; "))
        }
        for e in f["enquiries"]?.arrayValue ?? [] {
            print("enquiry \(e["enquiry_id"]?.cell ?? "") (\(e["received_via"]?.cell ?? ""), \(e["received_on"]?.cell ?? ""), "
                + "answer by \(e["answer_by"]?.cell ?? ""), \(e["status"]?.cell ?? ""))")
            print("  \(e["text"]?.cell ?? "")")
            if let answer = e["answer"]?.stringValue { print("  answered \(e["answered_on"]?.cell ?? ""): \(answer)") }
        }
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

struct FamiliesOptOut: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "opt-out",
        abstract: "Record that a family wants no more messages; anything not yet sent to them is cancelled.")

    @Argument(help: "The family reference.")
    var familyRef: String

    @Option(help: "Why, in the family's words (kept with the family's record).")
    var reason: String?

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        var args: [String: JSONValue] = ["family_ref": .string(familyRef)]
        if let reason { args["reason"] = .string(reason) }
        let result = try await Connection(options: connection).call(ServiceName.comms, "families.opt_out", .object(args))
        if json { Output.json(result); return }
        if result["already"]?.boolValue == true {
            print("family \(familyRef) had already opted out on \(result["opted_out_at"]?.cell ?? "")")
        } else {
            print("family \(familyRef) opted out; " + ((result["cancelled_messages"]?.intValue ?? 0) == 1
                ? "1 message not yet sent was cancelled" : "\(Plural.of(result["cancelled_messages"], "message")) not yet sent were cancelled"))
        }
    }
}
