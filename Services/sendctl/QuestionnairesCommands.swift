import ArgumentParser
import Foundation
import SendModel

/// `sendctl questionnaires …`.
struct QuestionnairesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "questionnaires",
        abstract: "Create questionnaires, send them to families, remind, record answers and read the results.",
        subcommands: [QuestionnairesCreate.self, QuestionnairesList.self, QuestionnairesShow.self, QuestionnairesSend.self,
                      QuestionnairesRemind.self, QuestionnairesRespond.self, QuestionnairesImportResponses.self, QuestionnairesResults.self]
    )
}

struct QuestionnairesCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a questionnaire from a JSON file or from options.",
        discussion: """
            --question takes KIND:TEXT, KIND being scale (1 to 5), yes_no, single_choice or free_text; a single_choice
            question lists its options after a second colon, separated by |. Add * to the kind for a required question:
              --question "scale*:How well were you listened to?"
              --question "single_choice:How do you prefer to hear from us?:Email|Text message|Letter"
            --file takes the command's JSON arguments: {"title", "anonymous", "audience", "opens", "closes", "message",
            "repeats", "questions": [{"kind", "text", "required", "options"}]}.
            --repeats names the questionnaire this one is a new round of: its results then show each question asked
            again (the same text) against the earlier rounds.
            """
    )

    @Option(help: ArgumentHelp("The questionnaire as JSON (see above).", valueName: "file"))
    var file: String?

    @Option(help: "The title families see.")
    var title: String?

    @Flag(help: "Answers keep no link to the family once the reply is counted.")
    var anonymous = false

    @Option(help: "Who is asked: ehc_plan, families with a child with an EHC plan (the default), or all.")
    var audience: QuestionnaireAudienceChoice?

    @Option(help: ArgumentHelp("First day it can be sent and answered (default today).", valueName: "YYYY-MM-DD"))
    var opens: String?

    @Option(help: ArgumentHelp("Last day answers are taken.", valueName: "YYYY-MM-DD"))
    var closes: String?

    @Option(help: "The introduction families read; ((name)) is the family's name.")
    var message: String?

    @Option(help: ArgumentHelp("The questionnaire this one repeats (its earlier round).", valueName: "id"))
    var repeats: Int64?

    @Option(help: ArgumentHelp("A question, KIND:TEXT[:OPTION|OPTION…]; repeat for each.", valueName: "question"))
    var question: [String] = []

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if file != nil && (title != nil || !question.isEmpty) { throw ValidationError("give --file, or --title and --question, not both") }
        if file == nil && (title == nil || closes == nil || question.isEmpty) {
            throw ValidationError("give --file, or --title, --closes and at least one --question")
        }
        for q in question { _ = try Self.parseQuestion(q) }
    }

    static func parseQuestion(_ text: String) throws -> JSONValue {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2 else { throw ValidationError("--question '\(text)': write KIND:TEXT (for example scale:How well …?)") }
        var kind = parts[0].trimmingCharacters(in: .whitespaces)
        let required = kind.hasSuffix("*")
        if required { kind.removeLast() }
        guard ["scale", "yes_no", "single_choice", "free_text"].contains(kind) else {
            throw ValidationError("--question '\(text)': the kind must be scale, yes_no, single_choice or free_text")
        }
        var o: [String: JSONValue] = ["kind": .string(kind), "text": .string(parts[1]), "required": .bool(required)]
        if kind == "single_choice" {
            guard parts.count == 3 else { throw ValidationError("--question '\(text)': a single_choice question lists its options: KIND:TEXT:A|B|C") }
            o["options"] = .array(parts[2].split(separator: "|").map { .string(String($0)) })
        } else if parts.count == 3 {
            o["text"] = .string(parts[1] + ":" + parts[2])
        }
        return .object(o)
    }

    func run() async throws {
        var args: JSONValue
        if let file {
            do {
                args = try JSONValue.parse(try readInputFile(file))
            } catch let error as ExitCode {
                throw error
            } catch {
                printError("sendctl: \(file) is not valid JSON: \(error)")
                throw ExitCode(65)
            }
        } else {
            var o: [String: JSONValue] = ["title": .string(title ?? ""), "anonymous": .bool(anonymous),
                                          "questions": .array(try question.map(Self.parseQuestion))]
            if let audience { o["audience"] = .string(audience.rawValue) }
            if let opens { o["opens"] = .string(opens) }
            if let closes { o["closes"] = .string(closes) }
            if let message { o["message"] = .string(message) }
            args = .object(o)
        }
        if let repeats, var o = args.objectValue {
            o["repeats"] = .int(repeats)
            args = .object(o)
        }
        let result = try await Connection(options: connection).call(ServiceName.comms, "questionnaires.create", args)
        if json { Output.json(result); return }
        print("questionnaire \(result["questionnaire_id"]?.cell ?? "?") created (\(result["state"]?.cell ?? "")); "
            + "send it with: sendctl questionnaires send \(result["questionnaire_id"]?.cell ?? "?")")
    }
}

struct QuestionnairesList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List questionnaires with how many were asked and answered.")

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let result = try await Connection(options: connection).call(ServiceName.comms, "questionnaires.list")
        if json { Output.json(result); return }
        Output.table(["id", "title", "anonymous", "audience", "opens", "closes", "state", "asked", "answered"],
                     (result["questionnaires"]?.arrayValue ?? []).map { q in
            [q["questionnaire_id"]?.cell ?? "", q["title"]?.cell ?? "", yesNo(q["anonymous"]), q["audience"]?.cell ?? "",
             q["opens"]?.cell ?? "", q["closes"]?.cell ?? "", q["state"]?.cell ?? "", q["recipients"]?.cell ?? "", q["answered"]?.cell ?? ""]
        })
    }
}

struct QuestionnairesShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a questionnaire: questions and dispatches.")

    @Argument(help: "The questionnaire id.")
    var id: Int64

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let q = try await Connection(options: connection).call(ServiceName.comms, "questionnaires.show", ["questionnaire_id": .int(id)])
        if json { Output.json(q); return }
        print("questionnaire \(q["questionnaire_id"]?.cell ?? "") \(q["title"]?.cell ?? "")")
        print("  \(q["anonymous"]?.boolValue == true ? "anonymous" : "named"), audience \(q["audience"]?.cell ?? ""), "
            + "open \(q["opens"]?.cell ?? "") to \(q["closes"]?.cell ?? "") (\(q["state"]?.cell ?? "")); "
            + "asked \(q["recipients"]?.cell ?? "0"), answered \(q["answered"]?.cell ?? "0")")
        for question in q["question_list"]?.arrayValue ?? [] {
            let options = question["options"]?.arrayValue.map { " [" + $0.map(\.cell).joined(separator: " | ") + "]" } ?? ""
            print("  \(question["question"]?.cell ?? ""). (\(question["kind"]?.cell ?? "")\(question["required"]?.boolValue == true ? ", required" : "")) "
                + "\(question["text"]?.cell ?? "")\(options)")
        }
        let dispatches = q["dispatches"]?.arrayValue ?? []
        if !dispatches.isEmpty {
            Output.table(["dispatch", "kind", "round", "queued", "pending", "created", "completed"], dispatches.map { d in
                [d["dispatch_id"]?.cell ?? "", d["kind"]?.cell ?? "", d["round"]?.cell ?? "", d["queued"]?.cell ?? "",
                 d["pending"]?.cell ?? "", d["created_at"]?.cell ?? "", d["completed_at"]?.cell ?? ""]
            })
        }
    }
}

/// Waits for a dispatch to finish, drawing a progress bar on a terminal, then prints its summary.
enum DispatchProgress {
    /// Dispatches larger than this are polled without the counts by status (a scan of every message).
    static let detailedUpTo: Int64 = 20_000

    static func follow(_ connection: ConnectionOptions, dispatch: Int64, wait: Bool) async throws -> JSONValue {
        let tty = isatty(STDOUT_FILENO) == 1
        let show = { (counts: Bool) in
            try await Connection(options: connection).call(ServiceName.comms, "dispatches.show", ["dispatch_id": .int(dispatch), "counts": .bool(counts)])
        }
        var last = try await show(true)
        let detailed = (last["queued"]?.intValue ?? 0) <= detailedUpTo
        while wait && last["completed_at"]?.isNull != false {
            if tty { draw(last) }
            try await Task.sleep(nanoseconds: detailed ? 250_000_000 : 1_000_000_000)
            last = try await show(detailed)
        }
        if !detailed { last = try await show(true) }
        if tty && wait {
            draw(last)
            print("")
        }
        return last
    }

    static func draw(_ d: JSONValue) {
        let total = d["messages"]?.intValue ?? d["queued"]?.intValue ?? 0
        let pending = d["pending"]?.intValue ?? 0
        let doneCount = max(0, total - pending)
        let width = 30
        let filled = total == 0 ? width : Int(Double(doneCount) / Double(total) * Double(width))
        let byStatus = d["by_status"]?.objectValue ?? [:]
        let delivered = byStatus["delivered"]?.intValue ?? 0
        let failed = ["permanent-failure", "temporary-failure", "technical-failure"].reduce(Int64(0)) { $0 + (byStatus[$1]?.intValue ?? 0) }
        let retrying = byStatus["temporary-failure"]?.intValue ?? 0
        let percent = total == 0 ? 100 : Int(Double(doneCount) * 100 / Double(total))
        var line = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
        line += "\(percent)%  \(doneCount)/\(total)"
        if d["by_status"] != nil {
            line += "  delivered \(delivered)  failed \(failed)"
            if retrying > 0 { line += " (\(retrying) temporary, retrying)" }
        }
        print("\r\(line)\u{1B}[K", terminator: "")
        fflush(nil)
    }

    /// The summary: messages by status (rows) and channel (columns).
    static func summary(_ d: JSONValue) {
        let byChannel = d["by_channel"]?.objectValue ?? [:]
        let channels = ["email", "sms", "letter"].filter { byChannel[$0] != nil } + byChannel.keys.sorted().filter { !["email", "sms", "letter"].contains($0) }
        var statuses = Set<String>()
        for c in byChannel.values { for s in c.objectValue?.keys ?? [:].keys { statuses.insert(s) } }
        let order = ["delivered", "queued", "sending", "temporary-failure", "permanent-failure", "technical-failure", "cancelled"]
        let rows = order.filter(statuses.contains) + statuses.subtracting(order).sorted()
        var table: [[String]] = rows.map { status in
            let counts = channels.map { byChannel[$0]?[status]?.intValue ?? 0 }
            return [status] + counts.map(String.init) + [String(counts.reduce(0, +))]
        }
        let totals = channels.map { c in (byChannel[c]?.objectValue ?? [:]).values.reduce(Int64(0)) { $0 + ($1.intValue ?? 0) } }
        table.append(["total"] + totals.map(String.init) + [String(totals.reduce(0, +))])
        Output.table(["status"] + channels + ["total"], table)
    }
}

struct QuestionnairesSend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send a questionnaire: one message per family in its audience, by each family's channel; then follow delivery.",
        discussion: """
            Sending again queues only families who have no message yet (none, if nothing changed). Without --no-wait
            it shows a progress bar until every message is delivered or has failed, then a summary by status and channel.
            """
    )

    @Argument(help: "The questionnaire id.")
    var id: Int64

    @Flag(help: "Queue and return; do not wait for delivery.")
    var noWait = false

    @Flag(help: "Print the results as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let result = try await Connection(options: connection).call(ServiceName.comms, "questionnaires.send", ["questionnaire_id": .int(id)],
                                                                    id: "questionnaires.send-\(id)-\(UInt64.random(in: 0...UInt64.max))",
                                                                    minimumTimeout: 120)
        let dispatch = result["dispatch_id"]?.intValue ?? 0
        if !json {
            let queued = result["queued"]?.intValue ?? 0
            let channels = (result["by_channel"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.cell)" }
            if queued > 0 {
                print("queued \(Plural.of(queued, "message"))\(channels.isEmpty ? "" : " (\(channels.joined(separator: ", ")))") in dispatch \(dispatch)")
            } else {
                let asked = result["already_queued"]?.intValue ?? 0
                print("nothing new to send: \(asked == 1 ? "the family asked already has its" : "the \(asked) families asked already have their") message (dispatch \(dispatch))")
            }
            let skipped = result["skipped"]
            let parts = [("opted out", skipped?["opted_out"]), ("no consent", skipped?["no_consent"]), ("no usable contact detail", skipped?["no_contact"])]
                .compactMap { name, v in (v?.intValue ?? 0) > 0 ? "\(v!.cell) \(name)" : nil }
            if !parts.isEmpty { print("not sent: " + parts.joined(separator: ", ")) }
        }
        let progress = try await DispatchProgress.follow(connection, dispatch: dispatch, wait: !noWait && !json)
        if json {
            Output.json(["send": result, "dispatch": progress])
        } else {
            DispatchProgress.summary(progress)
        }
    }
}

struct QuestionnairesRemind: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remind",
        abstract: "Remind the families who were sent the questionnaire and have not answered (each run is a new round)."
    )

    @Argument(help: "The questionnaire id.")
    var id: Int64

    @Flag(help: "Queue and return; do not wait for delivery.")
    var noWait = false

    @Flag(help: "Print the results as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let result = try await Connection(options: connection).call(ServiceName.comms, "questionnaires.remind", ["questionnaire_id": .int(id)])
        guard let dispatch = result["dispatch_id"]?.intValue else {
            if json { Output.json(result) } else { print(result["message"]?.cell ?? "nobody to remind") }
            return
        }
        if !json {
            let queued = result["queued"]?.intValue ?? 0
            let answered = result["answered"]?.intValue ?? 0
            print("reminder round \(result["round"]?.cell ?? "?"): \(Plural.of(queued, "family", "families")) "
                + "who \(queued == 1 ? "has" : "have") not answered "
                + "(\(answered) of \(result["recipients"]?.cell ?? "0") \(answered == 1 ? "has" : "have")); dispatch \(dispatch)")
        }
        let progress = try await DispatchProgress.follow(connection, dispatch: dispatch, wait: !noWait && !json)
        if json { Output.json(["remind": result, "dispatch": progress]) } else { DispatchProgress.summary(progress) }
    }
}

struct QuestionnairesRespond: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "respond",
        abstract: "Record a family's answers by the response token or code their message carried.",
        discussion: "Example: sendctl questionnaires respond 3f9c… --answer 1=4 --answer 2=yes --answer \"3=More speech therapy\""
    )

    @Argument(help: "The response token (the email link's 32 hex digits) or the response code (ABCDE-FGHJK, in letters and texts).")
    var token: String

    @Option(help: ArgumentHelp("An answer, QUESTION=VALUE; repeat for each.", valueName: "n=value"))
    var answer: [String] = []

    @Flag(help: "The family asks to hear what was done (\"you said, we did\" updates).")
    var wantsUpdates = false

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func answers() throws -> [JSONValue] {
        try answer.map { text in
            guard let eq = text.firstIndex(of: "="), let n = Int64(text[..<eq].trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--answer '\(text)': write QUESTION=VALUE, for example 1=4")
            }
            return ["question": .int(n), "value": .string(String(text[text.index(after: eq)...]))]
        }
    }

    func validate() throws { _ = try answers() }

    func run() async throws {
        var args: [String: JSONValue] = ["token": .string(token), "answers": .array(try answers())]
        if wantsUpdates { args["wants_updates"] = true }
        let result = try await Connection(options: connection).call(ServiceName.comms, "questionnaires.respond", .object(args))
        if json { Output.json(result); return }
        print("recorded \(Plural.of(result["answers"], "answer")) to questionnaire \(result["questionnaire_id"]?.cell ?? "")"
            + (result["anonymous"]?.boolValue == true ? " (anonymous: the answers keep no link to the family)" : ""))
    }
}

struct QuestionnairesImportResponses: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-responses",
        abstract: "Import answers collected on paper or by phone: a CSV with columns token (a token or code), q1, q2, …",
        discussion: "An empty cell is no answer. Bad rows are listed by line and left out; exit 65 when any was."
    )

    @Argument(help: "The questionnaire id.")
    var id: Int64

    @Argument(help: "The CSV file.")
    var file: String

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let bytes = try readInputFile(file)
        let chunks: CSVChunks
        do { chunks = try CSVChunks(bytes: bytes, rows: 50_000) } catch {
            printError("sendctl: \(file): \(error)")
            throw ExitCode(65)
        }
        var rows: Int64 = 0, recorded: Int64 = 0, rejectedRows: Int64 = 0
        var rejected: [JSONValue] = []
        let nonce = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        for chunk in chunks.chunks {
            let result = try await Connection(options: connection).call(ServiceName.comms, "questionnaires.import_responses", [
                "questionnaire_id": .int(id), "csv": .string(chunk.text), "first_row_line": .int(Int64(chunk.firstRowLine)),
            ], id: "questionnaires.import_responses-\(chunks.fileHash)-\(nonce)-\(chunk.number)", minimumTimeout: 60)
            rows += result["rows"]?.intValue ?? 0
            recorded += result["recorded"]?.intValue ?? 0
            rejectedRows += result["rejected_rows"]?.intValue ?? 0
            rejected += result["rejected"]?.arrayValue ?? []
        }
        if json {
            Output.json(["questionnaire_id": .int(id), "rows": .int(rows), "recorded": .int(recorded), "rejected_rows": .int(rejectedRows),
                         "rejected": .array(rejected)])
        } else {
            print("\(file): \(rows) rows, \(recorded) responses recorded, \(rejectedRows) rejected")
            if !rejected.isEmpty {
                Output.table(["line", "field", "problem"], rejected.map { [$0["line"]?.cell ?? "", $0["field"]?.cell ?? "", $0["message"]?.cell ?? ""] })
            }
        }
        if rejectedRows > 0 { throw ExitCode(65) }
    }
}

struct QuestionnairesResults: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results",
        abstract: "Response rate overall and by channel, each question's distribution, and the free-text answers."
    )

    @Argument(help: "The questionnaire id.")
    var id: Int64

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let r = try await Connection(options: connection).call(ServiceName.comms, "questionnaires.results", ["questionnaire_id": .int(id)])
        if json { Output.json(r); return }
        func percent(_ v: JSONValue?) -> String { v?.doubleValue.map { String(format: "%.1f%%", $0 * 100) } ?? "-" }
        print("questionnaire \(r["questionnaire_id"]?.cell ?? "") \(r["title"]?.cell ?? "") (\(r["anonymous"]?.boolValue == true ? "anonymous" : "named"), "
            + "\(r["state"]?.cell ?? ""))")
        print("answered \(r["answered"]?.cell ?? "0") of \(r["asked"]?.cell ?? "0"): \(percent(r["response_rate"]))")
        let byChannel = r["by_channel"]?.objectValue ?? [:]
        Output.table(["channel", "asked", "answered", "rate"], byChannel.keys.sorted().map { c in
            [c, byChannel[c]?["asked"]?.cell ?? "", byChannel[c]?["answered"]?.cell ?? "", percent(byChannel[c]?["rate"])]
        })
        for q in r["questions"]?.arrayValue ?? [] {
            print("")
            print("\(q["question"]?.cell ?? ""). \(q["text"]?.cell ?? "")  (\(q["kind"]?.cell ?? ""), \(q["answered"]?.cell ?? "0") answered"
                + (q["mean"].map { ", mean \($0.cell)" } ?? "") + ")")
            if let distribution = q["distribution"]?.objectValue {
                let keys: [String]
                switch q["kind"]?.stringValue {
                case "scale": keys = ["1", "2", "3", "4", "5"]
                case "yes_no": keys = ["yes", "no"]
                default: keys = q["options"]?.arrayValue?.map(\.cell) ?? distribution.keys.sorted()
                }
                let most = max(1, distribution.values.compactMap(\.intValue).max() ?? 1)
                for k in keys {
                    let n = distribution[k]?.intValue ?? 0
                    print("  \(k.padding(toLength: max(8, keys.map(\.count).max() ?? 8), withPad: " ", startingAt: 0))  "
                        + "\(String(n).padding(toLength: 6, withPad: " ", startingAt: 0)) \(String(repeating: "█", count: Int(n * 30 / most)))")
                }
            }
            for text in q["answers"]?.arrayValue ?? [] { print("  - \(text.cell)") }
            if let split = q["split"] { print("  " + Self.split(split, headline: q["headline"]?.cell ?? "")) }
        }
        if let c = r["comparison"], c["questions"] != nil {
            print("")
            print("against the earlier round (questionnaire \(c["earlier"]?["questionnaire_id"]?.cell ?? ""), \(c["earlier"]?["round"]?.cell ?? "")):")
            let compared = c["questions"]?.arrayValue ?? []
            if compared.isEmpty { print("  no question of this round was asked in the earlier one (the same text)") }
            for q in compared { print("  " + (q["summary"]?.cell ?? "")) }
        }
    }

    /// "by support, answering yes: EHC plan 40% (8 of 20); SEN support 25% (3 of 12)", or why not.
    static func split(_ s: JSONValue, headline: String) -> String {
        guard s["shown"]?.boolValue == true else { return s["note"]?.cell ?? "" }
        func figure(_ f: JSONValue?) -> String {
            guard let f, f["shown"]?.boolValue == true, let rate = f["rate"]?.doubleValue else { return f?["note"]?.cell ?? "" }
            let p: Double = (rate * 1000).rounded() / 10
            let percent: String = p == p.rounded() ? String(Int(p)) : String(p)
            let count: String = f["count"]?.cell ?? ""
            let answered: String = f["answered"]?.cell ?? ""
            return "\(percent)% (\(count) of \(answered))"
        }
        return "by support, \(headline): EHC plan \(figure(s["ehc_plan"])); SEN support \(figure(s["sen_support"]))"
    }
}
