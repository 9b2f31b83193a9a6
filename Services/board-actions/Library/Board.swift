import GRDB
import SendModel

/// The partnership board: members (by post and role, not by name), meetings with attendees,
/// and decisions, valid only when a parent carer or young person representative attended.
enum Board {
    typealias Role = MemberRole
    typealias DecisionKind = SendModel.DecisionKind

    // MARK: Members

    /// `board.members.add`: a seat on the board, described by post (for example "Chair, parent carer
    /// forum"), never by a person's name: names live only in the comms service.
    static func addMember(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let v = Validator(args)
        let role = v.oneOf("role", Role.self)
        let post = v.string("post", maxLength: 200)
        let organisation = v.string("organisation", required: false, maxLength: 200)
        let joined = v.date("joined_on", required: false)
        try v.check()
        return ["member": try insertMember(change, role: role!, post: post!, organisation: organisation ?? "", joined: joined)]
    }

    static func insertMember(_ change: BoardChange, role: Role, post: String, organisation: String, joined: LocalDate?) throws -> JSONValue {
        let n = try BoardID.next(change.db, table: "members")
        let id = BoardID.make(BoardID.member, n)
        try change.db.execute(sql: """
            INSERT INTO members(n, member_id, role, post, organisation, joined_on, at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [n, id, role.rawValue, post, organisation, (joined ?? change.today).iso, change.at])
        try change.emit(MemberRecorded(memberID: id, role: role))
        return memberJSON(try Row.fetchOne(change.db, sql: "SELECT * FROM members WHERE n = ?", arguments: [n])!)
    }

    static func memberJSON(_ row: Row) -> JSONValue {
        ["member_id": .string(row["member_id"]), "role": .string(row["role"]), "post": .string(row["post"]),
         "organisation": .string(row["organisation"]), "joined_on": .string(row["joined_on"])]
    }

    static func listMembers(_ db: Database) throws -> JSONValue {
        ["members": .array(try Row.fetchAll(db, sql: "SELECT * FROM members ORDER BY n").map(memberJSON))]
    }

    // MARK: Meetings

    /// `board.meetings.add`: a meeting held, with the members who attended.
    static func addMeeting(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let db = change.db
        let v = Validator(args)
        let date = v.date("date")
        let title = v.string("title", required: false, maxLength: 200)
        let attendees = v.stringArray("attendee_ids", minCount: 1, maxLength: 64)?.map { BoardID.canonical(BoardID.member, $0) }
        if let date, date > change.today {
            v.fail("date", "\(date.iso) is after today (\(change.today.iso)): record a meeting once it has been held")
        }
        var unique: [String] = []
        for (i, member) in (attendees ?? []).enumerated() {
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM members WHERE member_id = ?", arguments: [member]) == nil {
                v.failAt("\(v.fieldPath("attendee_ids"))[\(i)]", "no board member \(member): add the member first (board.members.add)")
            } else if !unique.contains(member) {
                unique.append(member)
            }
        }
        try v.check()
        let n = try BoardID.next(db, table: "meetings")
        let id = BoardID.make(BoardID.meeting, n)
        try db.execute(sql: "INSERT INTO meetings(n, meeting_id, on_date, title, at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [n, id, date!.iso, title ?? "SEND Partnership Board", change.at])
        for member in unique {
            try db.execute(sql: "INSERT INTO meeting_attendees(meeting_id, member_id) VALUES (?, ?)", arguments: [id, member])
        }
        let coProduced = try isCoProduced(db, id)
        try change.emit(MeetingRecorded(meetingID: id, date: date!, attendees: unique.count, coProduced: coProduced))
        return ["meeting": try meetingJSON(db, id)]
    }

    static func isCoProduced(_ db: Database, _ meetingID: String) throws -> Bool {
        let roles = try String.fetchAll(db, sql: """
            SELECT m.role FROM meeting_attendees x JOIN members m ON m.member_id = x.member_id WHERE x.meeting_id = ?
            """, arguments: [meetingID])
        return roles.contains { Role(rawValue: $0)?.coProduces ?? false }
    }

    static func meetingJSON(_ db: Database, _ id: String) throws -> JSONValue {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM meetings WHERE meeting_id = ?", arguments: [id]) else {
            throw ServiceError.notFound("meeting \(id)")
        }
        let attendees = try Row.fetchAll(db, sql: """
            SELECT m.* FROM meeting_attendees x JOIN members m ON m.member_id = x.member_id WHERE x.meeting_id = ? ORDER BY m.n
            """, arguments: [id]).map(memberJSON)
        let decisions = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM decisions WHERE meeting_id = ?", arguments: [id]) ?? 0
        return ["meeting_id": .string(id), "date": .string(row["on_date"]), "title": .string(row["title"]),
                "attendees": .array(attendees), "co_produced": .bool(try isCoProduced(db, id)), "decisions": .int(decisions)]
    }

    static func listMeetings(_ db: Database) throws -> JSONValue {
        let ids = try String.fetchAll(db, sql: "SELECT meeting_id FROM meetings ORDER BY on_date, n")
        return ["meetings": .array(try ids.map { try meetingJSON(db, $0) })]
    }

    /// `board.meetings.show`: the meeting, who attended, and what it decided.
    static func showMeeting(_ db: Database, _ args: JSONValue) throws -> JSONValue {
        let v = Validator(args)
        let id = v.boardID("meeting_id", BoardID.meeting)
        try v.check()
        let meeting = try meetingJSON(db, id!)
        let decisions = try Row.fetchAll(db, sql: "SELECT * FROM decisions WHERE meeting_id = ? ORDER BY n", arguments: [id!])
            .map(decisionJSON)
        return ["meeting": meeting, "decisions": .array(decisions)]
    }

    // MARK: Decisions

    /// `board.decide`: a decision of a meeting. Refused unless a parent carer or young person
    /// representative attended: co-production is the point of the board.
    static func decide(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let db = change.db
        let v = Validator(args)
        let meetingID = v.boardID("meeting_id", BoardID.meeting)
        let kind = v.oneOf("kind", DecisionKind.self)
        let summary = v.string("summary", required: kind == .other, maxLength: 2000)
        let actionID = v.boardID("action_id", BoardID.action, required: kind == .agreeAction || kind == .verifyAction)
        let inspectionID = v.string("inspection_id", required: false, maxLength: 64)
        let approve = v.stringArray("approve", required: false, maxLength: 64)?.map { BoardID.canonical(BoardID.changeRequest, $0) } ?? []
        let refuse = v.stringArray("refuse", required: false, maxLength: 64)?.map { BoardID.canonical(BoardID.changeRequest, $0) } ?? []
        if kind == .changeRequests && approve.isEmpty && refuse.isEmpty && v.errors.isEmpty {
            v.fail("approve", "a change_requests decision names at least one change request to approve or refuse")
        } else if let kind, kind != .changeRequests, !approve.isEmpty || !refuse.isEmpty {
            v.fail(approve.isEmpty ? "refuse" : "approve", "only a decision of kind change_requests approves or refuses change requests")
        }
        try v.check()
        guard let meeting = try Row.fetchOne(db, sql: "SELECT * FROM meetings WHERE meeting_id = ?", arguments: [meetingID!]) else {
            throw ServiceError.notFound("meeting \(meetingID!)")
        }
        guard try isCoProduced(db, meetingID!) else {
            throw ServiceError.conflict("a decision is valid only if a parent carer or young person representative attended; "
                + "no one in either role attended meeting \(meetingID!), so it cannot decide")
        }
        let n = try BoardID.next(db, table: "decisions")
        let decisionID = BoardID.make(BoardID.decision, n)
        var action: ActionRecord?
        if let actionID {
            guard let found = try ActionRecord.fetch(db, actionID) else {
                throw ServiceError.invalid("action_id", "no action \(actionID)")
            }
            action = found
        }
        var planInspection: String?
        var decidedActionID = actionID
        switch kind! {
        case .changeRequests:
            let actions = try ChangeRequests.decide(change, decisionID: decisionID, meetingID: meetingID!,
                                                    meetingDate: meeting["on_date"], approve: approve, refuse: refuse)
            decidedActionID = actions.count == 1 ? actions[0] : nil
        case .agreeAction:
            if action!.status == .cancelled { throw ServiceError.conflict("\(action!.id) is cancelled: it cannot be agreed") }
            if let earlier = action!.agreedDecision { throw ServiceError.conflict("\(action!.id) was already agreed by \(earlier)") }
            try db.execute(sql: "UPDATE actions SET agreed_decision = ?, updated_at = ? WHERE action_id = ?",
                           arguments: [decisionID, change.at, action!.id])
        case .verifyAction:
            var a = action!
            guard a.status == .completed else {
                throw ServiceError.conflict("\(a.id) is \(a.status.rawValue): the board verifies an action once it is completed")
            }
            try Actions.changeStatus(change, &a, to: .verified, reason: summary ?? "verified by the board at \(meetingID!)",
                                     decisionID: decisionID)
        case .approvePlan:
            guard let inspection = try FindingsReadModel.inspection(db, inspectionID) else {
                if let inspectionID { throw ServiceError.invalid("inspection_id", "no inspection \(inspectionID) is known to the board") }
                throw ServiceError.conflict("no inspection is known to the board yet: the plan answers an inspection's findings")
            }
            planInspection = inspection["inspection_id"]
        case .other:
            break
        }
        let defaultSummary: String = switch kind! {
        case .agreeAction: "agreed action \(actionID!)"
        case .verifyAction: "verified the completion of action \(actionID!)"
        case .approvePlan: "approved the plan for inspection \(planInspection ?? "")"
        case .changeRequests: ([approve.isEmpty ? nil : "approved " + approve.joined(separator: ", "),
                                refuse.isEmpty ? nil : "refused " + refuse.joined(separator: ", ")] as [String?])
            .compactMap { $0 }.joined(separator: "; ")
        case .other: ""
        }
        func ids(_ list: [String]) -> String? { list.isEmpty ? nil : JSONValue.array(list.map { .string($0) }).jsonString }
        try db.execute(sql: """
            INSERT INTO decisions(n, decision_id, meeting_id, kind, action_id, inspection_id, summary, on_date, at, approved, refused)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [n, decisionID, meetingID!, kind!.rawValue, decidedActionID, planInspection, summary ?? defaultSummary,
                             meeting["on_date"] as String, change.at, ids(approve), ids(refuse)])
        try change.emit(DecisionRecorded(decisionID: decisionID, meetingID: meetingID!, kind: kind!, actionID: decidedActionID,
                                         inspectionID: planInspection))
        return ["decision": decisionJSON(try Row.fetchOne(db, sql: "SELECT * FROM decisions WHERE n = ?", arguments: [n])!)]
    }

    static func decisionJSON(_ row: Row) -> JSONValue {
        ["decision_id": .string(row["decision_id"]), "meeting_id": .string(row["meeting_id"]), "kind": .string(row["kind"]),
         "action_id": JSONValue(row["action_id"] as String?), "inspection_id": JSONValue(row["inspection_id"] as String?),
         "summary": .string(row["summary"]), "date": .string(row["on_date"]),
         "approved": storedJSON(row["approved"]).arrayValue.map(JSONValue.array) ?? [],
         "refused": storedJSON(row["refused"]).arrayValue.map(JSONValue.array) ?? []]
    }

    /// `board.decisions.list`, optionally of one action or one kind.
    static func listDecisions(_ db: Database, _ args: JSONValue) throws -> JSONValue {
        let v = Validator(args)
        let actionID = v.boardID("action_id", BoardID.action, required: false)
        let kind = v.oneOf("kind", DecisionKind.self, required: false)
        try v.check()
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let actionID { conditions.append("action_id = ?"); arguments += [actionID] }
        if let kind { conditions.append("kind = ?"); arguments += [kind.rawValue] }
        let filter = conditions.isEmpty ? "1" : conditions.joined(separator: " AND ")
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM decisions WHERE \(filter) ORDER BY n", arguments: arguments)
        return ["decisions": .array(rows.map(decisionJSON))]
    }
}

extension MemberRole {
    /// The roles whose presence makes a meeting co-produced, and its decisions valid.
    var coProduces: Bool { self == .parentCarerRepresentative || self == .youngPersonRepresentative }
}
