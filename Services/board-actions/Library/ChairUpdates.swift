import GRDB
import SendModel

/// The chair's update after a meeting: plain text with headings and lists (`ChairText`), published
/// once per meeting and never changed after. The public page lists every one, newest first; comms
/// drafts each for the families who asked for updates (it follows `chair_update.published`, which
/// carries ids and the title, and reads the text with `board.meetings.updates`).
enum ChairUpdates {
    static let id = (prefix: "CU", width: 3)

    /// `board.meetings.publish_update {meeting_id, text, title?}`.
    static func publish(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let db = change.db
        let v = Validator(args)
        let meetingID = v.boardID("meeting_id", BoardID.meeting)
        let title = v.string("title", required: false, maxLength: 200)
        var text: String?
        if !v.has("text") {
            v.fail("text", "required: the chair's update, as plain text")
        } else if let raw = args["text"]?.stringValue {
            if let problem = ChairText.problem(raw) { v.fail("text", problem) }
            else if raw.count > ChairText.maxLength { v.fail("text", "must be at most \(ChairText.maxLength) characters, got \(raw.count)") }
            else { text = raw }
        } else {
            v.fail("text", "must be a string, got \(args["text"]?.typeName ?? "nothing")")
        }
        if let title, let tag = ChairText.markup(in: title[...]) { v.fail("title", "has HTML (\(tag)): the title is plain text") }
        try v.check()
        guard let meeting = try Row.fetchOne(db, sql: "SELECT * FROM meetings WHERE meeting_id = ?", arguments: [meetingID!]) else {
            throw ServiceError.invalid("meeting_id", "no meeting \(meetingID!): record it first (sendctl board meetings add)")
        }
        if let earlier = try String.fetchOne(db, sql: "SELECT update_id FROM chair_updates WHERE meeting_id = ?", arguments: [meetingID!]) {
            throw ServiceError.conflict("the chair's update after \(meetingID!) is published already (\(earlier)); a published update is not changed")
        }
        let date = LocalDate(iso: meeting["on_date"] as String) ?? change.today
        let n = try BoardID.next(db, table: "chair_updates")
        let updateID = BoardID.make(id, n)
        let heading = title ?? "The chair's update after the board meeting of \(longDate(date))"
        try db.execute(sql: """
            INSERT INTO chair_updates(n, update_id, meeting_id, title, text, published_on, at, actor_person, actor_role)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [n, updateID, meetingID!, heading, text!, change.today.iso, change.at, change.actor.person, change.actor.role.rawValue])
        try change.emit(ChairUpdatePublished(updateID: updateID, meetingID: meetingID!, title: heading))
        return ["update": json(try Row.fetchOne(db, sql: "\(select) WHERE u.n = ?", arguments: [n])!)]
    }

    static let select = "SELECT u.*, m.on_date AS meeting_date FROM chair_updates u JOIN meetings m ON m.meeting_id = u.meeting_id"

    static func json(_ row: Row) -> JSONValue {
        ["update_id": .string(row["update_id"]), "meeting_id": .string(row["meeting_id"]), "meeting_date": .string(row["meeting_date"]),
         "title": .string(row["title"]), "text": .string(row["text"]), "published_on": .string(row["published_on"])]
    }

    /// `board.meetings.updates {update_id?}`: every published chair's update, newest first (or the one asked for).
    static func list(_ db: Database, _ args: JSONValue) throws -> JSONValue {
        let v = Validator(args)
        let updateID = v.boardID("update_id", id, required: false)
        try v.check()
        if let updateID {
            guard let row = try Row.fetchOne(db, sql: "\(select) WHERE u.update_id = ?", arguments: [updateID]) else {
                throw ServiceError.notFound("chair's update \(updateID)")
            }
            return ["updates": [json(row)]]
        }
        let rows = try Row.fetchAll(db, sql: "\(select) ORDER BY m.on_date DESC, u.n DESC")
        return ["updates": .array(rows.map(json))]
    }

    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                         "November", "December"]
    static func longDate(_ d: LocalDate) -> String { "\(d.day) \(months[d.month - 1]) \(d.year)" }
}
