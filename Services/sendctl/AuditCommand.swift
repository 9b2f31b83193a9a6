import ArgumentParser
import Foundation
import SendModel
import SendRuntime

/// `sendctl audit`: who did what, from every stored event of the services, in time order.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "List who changed what: every stored event with the person (or service) that caused it, in time order.",
        discussion: """
            Reads every event findings, board, comms and supervisor have stored (events.since, page by page) and prints \
            one line each: when, SERVICE#SEQ, the event's type, who (\"P-3 (action_lead, Head of SEND)\", or \"board (stack)\" \
            for what a service did itself) and the id it is about. Ids only: an event never holds a name or an answer. \
            The posts come from the register (`people.list`, an operator's); for others a person reads as \"P-3 (action_lead)\". \
            The notifications service is left out unless named with --service: its events are the notifications it made \
            itself, all by the stack. Events stored before actors were recorded have none, and are counted but not listed.
            """
    )

    /// The services read by default, in this order for events at the same instant.
    static let services = [ServiceName.findings, ServiceName.board, ServiceName.comms, ServiceName.supervisor]
    static let known = services + [ServiceName.notifications]

    @Option(help: ArgumentHelp("Only what this person did (P-3), or what a service did itself (board).", valueName: "id"))
    var person: String?

    @Option(help: ArgumentHelp("Only events at or after the start of this day (UTC).", valueName: "YYYY-MM-DD"))
    var since: String?

    @Option(help: ArgumentHelp("Only this service's events: findings, board, comms, supervisor or notifications.", valueName: "service"))
    var service: String?

    @Flag(help: "Print the events kept, as stored, as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if let service, !AuditCommand.known.contains(service) {
            throw ValidationError("--service: unknown service '\(service)'; choose one of \(AuditCommand.known.joined(separator: ", "))")
        }
        if let since, LocalDate(iso: since) == nil {
            throw ValidationError("--since: '\(since)' is not a date (YYYY-MM-DD)")
        }
    }

    func run() async throws {
        let conn = Connection(options: connection)
        let from = since.flatMap(LocalDate.init(iso:)).map { Timestamp(millis: Int64($0.dayNumber) * 86_400_000) }
        let sources = service.map { [$0] } ?? AuditCommand.services
        var kept: [Event] = []
        var withoutActor = 0
        for source in sources {
            for event in try await AuditCommand.allEvents(conn, source) {
                if let from, event.at < from { continue }
                guard let actor = event.actor else { withoutActor += 1; continue }
                if let person, actor.person != person { continue }
                kept.append(event)
            }
        }
        // In time order; at the same instant, by service (in the order above), then seq.
        let order = Dictionary(uniqueKeysWithValues: AuditCommand.known.enumerated().map { ($1, $0) })
        kept.sort { a, b in
            if a.at != b.at { return a.at < b.at }
            if a.source != b.source { return (order[a.source] ?? 99) < (order[b.source] ?? 99) }
            return a.seq < b.seq
        }
        if json {
            Output.json(["events": .array(kept.map(\.json)), "count": .int(Int64(kept.count))])
            return
        }
        // The posts of the people, when this key may read the register.
        var people: [String: Person] = [:]
        var postsShown = true
        if case .success(let result) = await conn.result(ServiceName.supervisor, "people.list"),
           let list = try? PeopleList.people(result) {
            for p in list { people[p.personID] = p }
        } else {
            postsShown = false
        }
        if !kept.isEmpty {
            Output.table(["at", "event", "type", "by", "about"], kept.map { e in
                [e.at.description, "\(e.source)#\(e.seq)", e.type, AuditCommand.who(e.actor!, people), AuditCommand.subject(e.data)]
            })
        }
        var summary = Plural.of(Int64(kept.count), "event")
        if let person { summary += " by \(person)" }
        if let since { summary += " since \(since)" }
        summary += " (\(sources.joined(separator: ", ")))"
        if withoutActor > 0 { summary += "; \(Plural.of(Int64(withoutActor), "event")) stored before actors were recorded not shown" }
        print((kept.isEmpty ? "" : "\n") + summary)
        if !postsShown && !kept.isEmpty { print("(posts not shown: reading the register, people.list, is an operator's)") }
    }

    /// Every event `source` has stored, paging through `events.since`.
    static func allEvents(_ conn: Connection, _ source: String) async throws -> [Event] {
        var events: [Event] = []
        var after: Int64 = 0
        while true {
            let page = try await conn.call(source, "events.since", ["after": .int(after), "limit": 1000])
            let batch = try (page["events"]?.arrayValue ?? []).map { try Event(json: $0) }
            events += batch
            guard let last = batch.last?.seq, last < (page["last_seq"]?.intValue ?? 0) else { return events }
            after = last
        }
    }

    /// "P-3 (action_lead, Head of SEND)", "P-3 (action_lead)" when the post is not known, "board (stack)"
    /// for a service acting itself, "stack" for a request made with the stack's own key.
    static func who(_ actor: Actor, _ people: [String: Person]) -> String {
        if actor.role == .stack { return actor.person == Register.stackUser ? actor.person : "\(actor.person) (stack)" }
        if let post = people[actor.person]?.post { return "\(actor.person) (\(actor.role.rawValue), \(post))" }
        return "\(actor.person) (\(actor.role.rawValue))"
    }

    /// The data's fields that name what an event is about, most particular first: ids, never personal data.
    static let idFields = ["decision_id", "update_id", "dispatch_id", "message_id", "enquiry_id", "questionnaire_id", "person_id",
                           "finding_id", "action_id", "kpi_id", "meeting_id", "member_id", "plan_id", "inspection_id", "import_id",
                           "service"]

    /// The main id in an event's data, or "-".
    static func subject(_ data: JSONValue) -> String {
        for field in idFields {
            if let id = data[field]?.stringValue, !id.isEmpty { return id }
        }
        return "-"
    }
}
