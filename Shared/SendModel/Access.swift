/// Who may do what (docs/PROTOCOL.md, "Keys, people and roles"): the roles of the people of a
/// local area's partnership, and for every command of every service the roles that may call it.
/// Each service enforces its own rows; the table is the single source, tested against the
/// services' command lists and the README's table.
public enum Role: String, Sendable, Codable, CaseIterable, Hashable {
    /// The stack itself, its restarts and the register of people.
    case `operator`
    case boardChair = "board_chair"
    case boardMember = "board_member"
    /// Progress and status of the actions their organisation leads, and nothing else.
    case actionLead = "action_lead"
    /// The only role that can read or change families.
    case commsOfficer = "comms_officer"
    case parentCarerForum = "parent_carer_forum"
    /// DfE and NHS England advisers: reads, never personal data.
    case adviser
    /// family-portal's key: the families' door, and nothing else.
    case portal
    /// The stack's own processes (followers, the supervisor's health checks): whoever holds the
    /// stack's secret key already holds its data directory, so it may call every command.
    case stack

    /// The roles an operator may give a person (`people.add`).
    public static let people: [Role] = [.operator, .boardChair, .boardMember, .actionLead, .commsOfficer, .parentCarerForum, .adviser, .portal]

    /// "board chair", as people read it.
    public var words: String { rawValue.replacingOccurrences(of: "_", with: " ") }
}

/// Who made a change: a person of the register (by id, never a name) and their role, or a
/// service of the stack (a follower, a timer) as `{"person": "<service>", "role": "stack"}`.
public struct Actor: Sendable, Codable, Hashable {
    public var person: String
    public var role: Role
    /// The lead organisation an action lead speaks for (not on the wire: looked up in the register).
    public var organisation: String?
    /// The person's post, for the register's readers (not on the wire).
    public var post: String?

    public init(person: String, role: Role, organisation: String? = nil, post: String? = nil) {
        self.person = person
        self.role = role
        self.organisation = organisation
        self.post = post
    }

    /// The stack's key, or a service acting on its own.
    public static func stack(_ who: String = "stack") -> Actor { Actor(person: who, role: .stack) }

    enum CodingKeys: String, CodingKey { case person, role }

    public var json: JSONValue { ["person": .string(person), "role": .string(role.rawValue)] }

    public init?(json: JSONValue?) {
        guard let person = json?["person"]?.stringValue, let role = json?["role"]?.stringValue.flatMap(Role.init(rawValue:)) else { return nil }
        self.init(person: person, role: role)
    }
}

/// The command table: for every command of every service, the roles that may call it. The
/// `stack` role may call every command and is not listed. A command with no row is refused to
/// everyone but the stack (and a test fails).
public enum Access {
    /// Every person's role but the portal's: reads with no personal data.
    public static let everyone: Set<Role> = [.operator, .boardChair, .boardMember, .actionLead, .commsOfficer, .parentCarerForum, .adviser]
    static let chair: Set<Role> = [.boardChair]
    static let comms: Set<Role> = [.commsOfficer]
    static let ops: Set<Role> = [.operator]
    /// The reads the public progress page is made of (family-portal's `/progress`): public data.
    static let publicData: Set<Role> = everyone.union([.portal])

    /// Commands every service answers.
    public static let builtIn: [String: Set<Role>] = [
        "health": everyone.union([.portal]),
        "events.since": everyone,
        // A follower re-pointed at its source's replaced log (docs/PROTOCOL.md, "Following a service").
        "follower.accept": ops,
        // A copy of the whole database (docs/PROTOCOL.md, "Backup and restore"): the operator's, and the stack's.
        "backup": ops,
    ]

    public static let table: [String: [String: Set<Role>]] = [
        ServiceName.findings: [
            "inspections.add": chair, "inspections.list": everyone, "inspections.show": publicData,
            "findings.import": chair, "findings.add": chair, "findings.list": publicData, "findings.show": everyone,
            "findings.judge": chair, "revisit.record": chair,
        ],
        ServiceName.board: [
            "actions.create": chair, "actions.import": chair,
            // An action lead: the status of the actions their organisation leads, nothing else of them.
            "actions.update": [.boardChair, .actionLead],
            "actions.progress": [.boardChair, .actionLead],
            "exceptions.add": [.boardChair, .actionLead],
            "actions.list": publicData, "actions.show": everyone, "actions.history": publicData,
            "actions.coverage": everyone, "actions.overdue": everyone, "exceptions.list": publicData,
            // Change control (issue 18): an action lead may ask to reschedule or change its organisation's actions.
            "actions.reschedule": [.boardChair, .actionLead], "actions.change": [.boardChair, .actionLead],
            "actions.suspend": chair, "actions.resume": chair, "actions.requests": everyone,
            "actions.rag_history": everyone,
            // Milestones (issue 18): added by whoever changes the plan; met by the action's lead or the chair.
            "actions.milestones.add": chair, "actions.milestones.met": [.boardChair, .actionLead],
            "actions.milestones.list": publicData,
            // Like actions.reschedule: a request, which a board decision approves or refuses.
            "actions.milestones.reschedule": [.boardChair, .actionLead],
            "kpis.add": chair, "kpis.record": chair, "kpis.list": publicData, "kpis.show": publicData,
            "board.members.add": chair, "board.members.list": everyone,
            "board.meetings.add": chair, "board.meetings.list": everyone, "board.meetings.show": everyone,
            "board.decide": [.boardChair, .boardMember], "board.decisions.list": everyone,
            "plan.status": publicData, "plan.submit": chair, "plan.import": chair,
            // The chair's updates and the themes: the chair's to publish and name, everyone's to read (the public page).
            "board.meetings.publish_update": chair, "board.meetings.updates": publicData,
            "board.themes.name": chair, "board.themes.list": publicData,
        ],
        ServiceName.comms: [
            "families.import": comms, "families.list": comms, "families.show": comms, "families.opt_out": comms,
            // Data rights: a subject access request is answered by whoever may see the family; an
            // erasure, which cannot be undone, by a comms officer or an operator (who keeps the stack's data).
            "families.export": comms, "families.erase": [.commsOfficer, .operator],
            "questionnaires.create": comms, "questionnaires.list": publicData, "questionnaires.show": everyone,
            "questionnaires.send": comms, "questionnaires.remind": comms, "questionnaires.respond": comms,
            "questionnaires.import_responses": comms,
            // Rates and distributions for every reader (the public page and the board pack); the
            // free-text answers, the families' own words, only for a comms officer (comms leaves them out for others).
            "questionnaires.results": publicData,
            "dispatches.show": comms,
            "updates.list": publicData, "updates.show": everyone, "updates.edit": [.commsOfficer, .parentCarerForum],
            "updates.publish": comms,
            "enquiries.add": comms, "enquiries.list": comms, "enquiries.answer": comms,
            PortalCommand.questionnaire: [.portal], PortalCommand.respond: [.portal], PortalCommand.stopStatus: [.portal],
            PortalCommand.optOut: [.portal], PortalCommand.optIn: [.portal], PortalCommand.enquiryAdd: [.portal],
            PortalCommand.enquiry: [.portal],
        ],
        ServiceName.notifications: [
            "notifications.list": everyone, "notifications.rules": everyone,
        ],
        ServiceName.supervisor: [
            "status": everyone, "restart": ops, "stop": ops,
            "people.add": ops, "people.revoke": ops, "people.list": ops,
        ],
    ]

    /// The roles that may call `command` on `service`; nil when the table has no row for it.
    public static func roles(_ service: String, _ command: String) -> Set<Role>? {
        builtIn[command] ?? table[service]?[command]
    }

    /// Nil when `actor` may call the command, else the `forbidden` error naming the roles it needs.
    public static func check(_ service: String, _ command: String, _ actor: Actor) -> ServiceError? {
        if actor.role == .stack { return nil }
        guard let allowed = roles(service, command) else {
            return ServiceError(.forbidden, "\(command) is for the stack's own key only; your key (\(actor.person)) has the role \(actor.role.rawValue)")
        }
        if allowed.contains(actor.role) { return nil }
        return ServiceError(.forbidden, "\(command) needs the role \(list(allowed)); your key (\(actor.person)) has the role \(actor.role.rawValue)")
    }

    /// "board_chair or board_member", in the order of `Role.allCases`.
    public static func list(_ roles: Set<Role>) -> String {
        let names = Role.allCases.filter(roles.contains).map(\.rawValue)
        if names.count <= 1 { return names.first ?? "none" }
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}
