import Foundation
import GRDB
import SendModel
import SendRuntime
import Testing
import TestSupport
@testable import BoardService

/// An action lead's scope and the actor in the status history, run in-process against a real
/// database exactly as the service's writer runs them (the wire is `ActionLeadProcessTests`).
@Suite struct ActionLeadRulesTests {
    /// An action lead for the Council, as the register gives it (with the spaces an operator typed).
    static let lead = Actor(person: "P-4", role: .actionLead, organisation: " Council ", post: "Head of SEND")
    static let chair = Actor(person: "P-2", role: .boardChair, post: "Chair of the partnership board")

    /// A board with a Council action (A-0001, its lead typed in another case) and an NHS one (A-0002), both made by the chair.
    func board() throws -> BoardDatabase {
        let db = try BoardDatabase()
        try db.seedArticle()
        db.actor = Self.chair
        try db.run(Actions.create, actionArgs(lead: "COUNCIL"))
        try db.run(Actions.create, actionArgs(["F-0005"], title: "Commission health services after 16", lead: "NHS Lancashire"))
        return db
    }

    /// Everything a refused request must leave as it was: the history, both actions in full, the events.
    func snapshot(_ db: BoardDatabase) throws -> [JSONValue] {
        try db.read { d in
            [try StatusHistory.list(d, [:]),
             try ActionQueries.show(d, ["action_id": "A-0001"], today: db.today),
             try ActionQueries.show(d, ["action_id": "A-0002"], today: db.today)]
        } + [.int(Int64(db.events.count))]
    }

    func history(_ db: BoardDatabase) throws -> [String] {
        try db.read { try StatusHistory.list($0, [:]) }["changes"]?.arrayValue?.map { c in
            let by = c["by"].flatMap { $0.isNull ? nil : "\($0["person"]?.stringValue ?? "?") \($0["role"]?.stringValue ?? "?")" }
            return "\(c["action_id"]?.stringValue ?? "") \(c["to"]?.stringValue ?? "") by \(by ?? "nobody recorded")"
        } ?? []
    }

    @Test("an action lead sets the status of, reports on and comments on their organisation's action, and the history says it was them")
    func leadActsOnTheirOwn() throws {
        let db = try board()
        defer { db.close() }
        db.actor = Self.lead
        let updated = try db.run(Actions.update, ["action_id": "A-0001", "status": "in_progress"])
        #expect(updated["status_change"] == ["from": "not_started", "to": "in_progress"])
        try db.run(Progress.add, ["action_id": "A-0001", "note": "No clinical lead yet", "author_role": "Head of SEND", "status": "delayed"])
        let comment = try db.run(Progress.addException, ["action_id": "A-0001", "commentary": "Recruiting a clinical lead"])
        #expect(comment["rag"] == "red")
        #expect(try history(db) == ["A-0001 not_started by P-2 board_chair", "A-0002 not_started by P-2 board_chair",
                                    "A-0001 in_progress by P-4 action_lead", "A-0001 delayed by P-4 action_lead"])
        let shown = try db.read { try ActionQueries.show($0, ["action_id": "A-0001"], today: db.today) }
        #expect(shown["status_history"]?.arrayValue?.last?["by"] == ["person": "P-4", "role": "action_lead"])
    }

    @Test("an action lead is refused another organisation's action and every field but the status, in words that say why; nothing changes")
    func leadIsRefusedTheRest() throws {
        let db = try board()
        defer { db.close() }
        db.actor = Self.lead
        let before = try snapshot(db)
        let notTheirs = "A-0002 is led by NHS Lancashire; your key (P-4) is an action lead for Council"
        let refused: [(String, () throws -> JSONValue)] = [
            ("actions.update", { try db.run(Actions.update, ["action_id": "A-0002", "status": "in_progress"]) }),
            ("actions.progress", { try db.run(Progress.add, ["action_id": "a-2", "note": "Started", "author_role": "Head of SEND",
                                                             "status": "in_progress"]) }),
            ("exceptions.add", { try db.run(Progress.addException, ["action_id": "A-0002", "commentary": "Not ours"]) }),
        ]
        for (command, run) in refused {
            let error = serviceError { try run() }
            #expect(error?.code == .forbidden, "\(command)")
            #expect(error?.message == notTheirs, "\(command)")
        }
        let due = serviceError { try db.run(Actions.update, ["action_id": "A-0001", "due": "2026-12-31"]) }
        #expect(due?.code == .forbidden)
        #expect(due?.message == "due: only the board chair may change it; your key (P-4) is an action lead, who may change only the status")
        // With the status as well: nothing of it is done either.
        let several = serviceError { try db.run(Actions.update, ["action_id": "A-0001", "status": "in_progress", "due": "2026-12-31",
                                                                 "title": "A shorter pathway"]) }
        #expect(several?.code == .forbidden)
        #expect(several?.message.hasPrefix("title and due: only the board chair may change them;") == true, "\(several?.message ?? "")")
        #expect(try snapshot(db) == before)

        // The chair may change either action's details; the due date, only by a change request (issue 18).
        db.actor = Self.chair
        try db.run(Actions.update, ["action_id": "A-0002", "description": "Both pathways"])
        try db.run(ChangeRequests.reschedule, ["action_id": "A-0002", "due": "2026-12-31", "reason": "Re-planned"])
        try db.run(Actions.update, ["action_id": "A-0001", "title": "A shorter pathway", "status": "in_progress"])
    }

    @Test("an action lead the register gives no organisation is refused, and told what to ask for")
    func leadWithoutOrganisation() throws {
        let db = try board()
        defer { db.close() }
        db.actor = Actor(person: "P-9", role: .actionLead)
        let error = serviceError { try db.run(Actions.update, ["action_id": "A-0001", "status": "in_progress"]) }
        #expect(error?.code == .forbidden)
        #expect(error?.message.contains("your key (P-9) is an action lead with no organisation in the register") == true)
    }

    @Test("an import records its caller on every status change; a board made before keys keeps its history, by nobody recorded")
    func importsAndTheHistoryBeforeKeys() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        try dir.directories.prepare()
        // A board database as it was before keys: one action, created and started.
        var migrator = DatabaseMigrator()
        BoardSchema.register(&migrator)
        do {
            let old = try DatabaseQueue(path: dir.directories.databasePath(ServiceName.board))
            try migrator.migrate(old, upTo: "board-v2")
            try old.write { db in
                try db.execute(sql: """
                    INSERT INTO actions(n, action_id, title, description, lead_organisation, sponsoring_director, action_lead, start_date,
                        due_date, success_criteria, status, status_since, created_at, updated_at)
                    VALUES (1, 'A-0001', 'Old action', '', 'Council', 'Director', 'Head of SEND', '2026-01-05', '2026-06-30', 'Done',
                        'in_progress', '2026-02-01', 'then', 'then');
                    INSERT INTO action_status_history(action_id, from_status, to_status, on_date, at)
                    VALUES ('A-0001', NULL, 'not_started', '2026-01-05', 'then'), ('A-0001', 'not_started', 'in_progress', '2026-02-01', 'then');
                    """)
            }
            try old.close()
        }
        let db = try BoardDatabase(directory: dir)
        defer { try? db.pool.close() }
        try db.seedArticle()
        db.actor = Self.chair
        try db.run(Actions.update, ["action_id": "A-0001", "status": "delayed", "reason": "Vacancy"])
        var args = actionArgs(lead: "Council")
        if case .object(var o) = args {
            o["updates"] = [["on": "2026-02-01", "note": "Started", "author_role": "Head of SEND", "status": "in_progress"]]
            args = .object(o)
        }
        try db.run(ActionsImport.run, ["actions": [args]])
        #expect(try history(db) == ["A-0001 not_started by nobody recorded", "A-0001 in_progress by nobody recorded",
                                    "A-0001 delayed by P-2 board_chair",
                                    "A-0002 not_started by P-2 board_chair", "A-0002 in_progress by P-2 board_chair"])
        #expect(try db.read { try StatusHistory.list($0, ["limit": 1]) }["changes"]?[0]?["by"] == .null)
    }

    @Test("exceptions.list gives each red action's last status change with the post of whoever made it, from the register's copy")
    func lastChangeWithThePost() throws {
        let db = try board()
        defer { db.close() }
        try db.write { change in
            try change.db.execute(sql: """
                INSERT INTO send_people(person_id, key, post, role, organisation, added_at) VALUES ('P-4', ?, 'Head of SEND', 'action_lead', 'Council', 'then')
                """, arguments: [String(repeating: "k", count: 40)])
        }
        db.actor = Self.lead
        try db.run(Actions.update, ["action_id": "A-0001", "status": "in_progress"])
        try db.run(Progress.add, ["action_id": "A-0001", "note": "No clinical lead yet", "author_role": "Head of SEND", "status": "delayed"])
        // The NHS action is red by the timer's today: overdue, never changed since it was created.
        db.today = LocalDate(iso: "2026-07-01")!
        let listed = try db.read { try Progress.listExceptions($0, ["all": true], today: db.today) }
        let actions = listed["actions"]?.arrayValue ?? []
        #expect(actions.map { $0["action_id"] } == ["A-0001", "A-0002"])
        #expect(actions.first?["last_status_change"] == ["from": "in_progress", "to": "delayed", "on": "2026-03-02",
                                                         "by": ["person": "P-4", "role": "action_lead", "post": "Head of SEND"]])
        #expect(actions.last?["last_status_change"] == ["from": .null, "to": "not_started", "on": "2026-03-02",
                                                        "by": ["person": "P-2", "role": "board_chair", "post": .null]])
    }
}
