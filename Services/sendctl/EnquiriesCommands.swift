import ArgumentParser
import Foundation
import SendModel

/// `sendctl enquiries …`: enquiries from parents, answered within 5 working days.
struct EnquiriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enquiries",
        abstract: "Record parents' enquiries (acknowledged with the date they will be answered by), list and answer them.",
        discussion: "The text of an enquiry is personal data: `sendctl families show REF` shows it; these commands do not.",
        subcommands: [EnquiriesAdd.self, EnquiriesList.self, EnquiriesAnswer.self]
    )
}

struct EnquiriesAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Record an enquiry; the family is sent an acknowledgement with the answer-by date (5 working days)."
    )

    @Option(name: .customLong("family"), help: ArgumentHelp("The family's reference.", valueName: "ref"))
    var family: String

    @Option(help: "What the family asked.")
    var text: String?

    @Option(help: ArgumentHelp("Read what the family asked from a file.", valueName: "file"))
    var textFile: String?

    @Option(help: ArgumentHelp("When it arrived (default today).", valueName: "YYYY-MM-DD"))
    var receivedOn: String?

    @Option(help: "How it arrived (default email).")
    var via: EnquiryChannelChoice?

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if (text == nil) == (textFile == nil) { throw ValidationError("give the enquiry with --text or --text-file") }
    }

    func run() async throws {
        var args: [String: JSONValue] = ["family_ref": .string(family)]
        if let text { args["text"] = .string(text) }
        if let textFile { args["text"] = .string(String(decoding: try readInputFile(textFile), as: UTF8.self)) }
        if let receivedOn { args["received_on"] = .string(receivedOn) }
        if let via { args["via"] = .string(via.rawValue) }
        let r = try await Connection(options: connection).call(ServiceName.comms, "enquiries.add", .object(args))
        if json { Output.json(r); return }
        print("enquiry \(r["enquiry_id"]?.cell ?? "") received \(r["received_on"]?.cell ?? ""); to be answered by \(r["answer_by"]?.cell ?? "")")
        if let ack = r["acknowledgement"], !ack.isNull {
            print("acknowledgement \(ack["reference"]?.cell ?? "") queued by \(ack["channel"]?.cell ?? "")")
        } else {
            print("no acknowledgement sent: the family cannot be contacted (no consent, opted out, or no usable contact detail)")
        }
    }
}

struct EnquiriesList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List enquiries by answer-by date (no text).")

    @Option(help: "Only these (default all).")
    var status: EnquiryStatusFilter?

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        var args: [String: JSONValue] = [:]
        if let status { args["status"] = .string(status.rawValue) }
        let r = try await Connection(options: connection).call(ServiceName.comms, "enquiries.list", .object(args))
        if json { Output.json(r); return }
        Output.table(["id", "family", "via", "received", "answer by", "status", "days left", "escalated"],
                     (r["enquiries"]?.arrayValue ?? []).map { e in
            let left: String
            if e["status"]?.stringValue == "answered" { left = "answered \(e["answered_on"]?.cell ?? "")" }
            else if e["overdue"]?.boolValue == true { left = "OVERDUE" }
            else { left = e["working_days_left"]?.cell ?? "" }
            return [e["enquiry_id"]?.cell ?? "", e["family_ref"]?.cell ?? "", e["received_via"]?.cell ?? "", e["received_on"]?.cell ?? "",
                    e["answer_by"]?.cell ?? "", e["status"]?.cell ?? "", left, yesNo(e["escalated"])]
        })
    }
}

struct EnquiriesAnswer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "answer", abstract: "Answer an enquiry; the answer is sent to the family.")

    @Argument(help: ArgumentHelp("The enquiry: its reference as the family has it (E-7) or its id (7).", valueName: "enquiry"))
    var enquiry: String

    /// The id in `E-7` or `7`.
    var id: Int64 {
        let digits = enquiry.uppercased().hasPrefix("E-") ? String(enquiry.dropFirst(2)) : enquiry
        return Int64(digits) ?? 0
    }

    @Option(help: "The answer.")
    var text: String?

    @Option(help: ArgumentHelp("Read the answer from a file.", valueName: "file"))
    var textFile: String?

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if id <= 0 { throw ValidationError("'\(enquiry)' is not an enquiry: give its reference (E-7) or its id (7)") }
        if (text == nil) == (textFile == nil) { throw ValidationError("give the answer with --text or --text-file") }
    }

    func run() async throws {
        var args: [String: JSONValue] = ["enquiry_id": .int(id)]
        if let text { args["text"] = .string(text) }
        if let textFile { args["text"] = .string(String(decoding: try readInputFile(textFile), as: UTF8.self)) }
        let r = try await Connection(options: connection).call(ServiceName.comms, "enquiries.answer", .object(args))
        if json { Output.json(r); return }
        print("enquiry \(id) answered \(r["answered_on"]?.cell ?? "")\(r["late"]?.boolValue == true ? " (after its answer-by date)" : "")"
            + ((r["message"].flatMap { $0.isNull ? nil : $0 }).map { "; answer \($0["reference"]?.cell ?? "") queued by \($0["channel"]?.cell ?? "")" }
                ?? "; no message sent: the family cannot be contacted"))
    }
}
