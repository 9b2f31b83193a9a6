import Foundation
import GRDB
import SendModel
import SendRuntime

/// The board's chair's updates, drafted for the families who asked for updates.
///
/// `chair_update.published` carries ids and the title only, so the follower notes it in
/// `chair_update_inbox`; a background task reads the text from the board (`board.meetings.updates`,
/// outside any transaction) and drafts an update with it. Like every update, the draft goes to
/// families when a comms officer publishes it (`sendctl updates publish N`): comms, not the board,
/// decides when families are written to, and each update is sent once (one dispatch per update).
enum ChairUpdateDrafts {
    /// The follower's part: remember the update (once, however often the event is applied).
    static func received(_ ctx: CommsChange, _ e: ChairUpdatePublished, event: Event) throws {
        try ctx.db.execute(sql: """
            INSERT INTO chair_update_inbox(chair_update_id, meeting_id, title, board_seq, received_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(chair_update_id) DO NOTHING
            """, arguments: [e.updateID, e.meetingID, e.title, event.seq, ctx.now.description])
    }

    static func task() -> BackgroundTask {
        BackgroundTask("chair-updates") { host in run(host) }
    }

    /// Drafts each update in the inbox once its text is read from the board; retries with a backoff while the board does not answer.
    static func run(_ host: ServiceHost) {
        var client: ServiceClient?
        defer { client?.close() }
        var backoff = 0.1
        while !host.isStopping {
            let pending = (try? host.read { db in
                try String.fetchAll(db, sql: "SELECT chair_update_id FROM chair_update_inbox WHERE drafted_at IS NULL ORDER BY board_seq LIMIT 20")
            }) ?? []
            if pending.isEmpty {
                Thread.sleep(forTimeInterval: 0.1)
                continue
            }
            do {
                if client == nil { client = try host.client(ServiceName.board) }
                for id in pending {
                    if host.isStopping { break }
                    let reply: JSONValue
                    do {
                        reply = try client!.call("board.meetings.updates", ["update_id": .string(id)], timeout: 5, attempts: 1)
                    } catch let error as ServiceError where error.code == .notFound {
                        // The board no longer has it (a restored board): nothing to send; say so once.
                        host.logger.warning("chair's update not found on the board: not drafted", metadata: ["chair_update.id": "\(id)"])
                        try host.write { ctx in
                            try ctx.db.execute(sql: "UPDATE chair_update_inbox SET drafted_at = ?, missing = 1 WHERE chair_update_id = ?",
                                               arguments: [ctx.now.description, id])
                        }
                        continue
                    }
                    guard let update = reply["updates"]?.arrayValue?.first, let text = update["text"]?.stringValue else {
                        throw ServiceError(.internal, "board.meetings.updates gave no text for \(id)")
                    }
                    let title = update["title"]?.stringValue ?? "The chair's update"
                    try host.write { ctx in try draft(CommsChange(ctx), id: id, title: title, text: text) }
                }
                backoff = 0.1
            } catch {
                host.logger.warning("chair's updates: cannot read them from the board yet", metadata: ["error": "\(error)"])
                client?.close()
                client = nil
                Thread.sleep(forTimeInterval: backoff)
                backoff = min(backoff * 2, 5)
            }
        }
    }

    /// The draft: the chair's title and text as the board published them (plain text; its headings
    /// and lists read as they are in an email, a letter or a text message).
    static func draft(_ ctx: CommsChange, id: String, title: String, text: String) throws {
        guard try String.fetchOne(ctx.db, sql: "SELECT drafted_at FROM chair_update_inbox WHERE chair_update_id = ?", arguments: [id]) == nil
        else { return }
        let body = text.trimmingSpaces + "\n\nYou can read every update from the board on our progress page."
        try ctx.db.execute(sql: """
            INSERT INTO updates(action_id, outcome, title, body, board_seq, created_at, chair_update_id)
            SELECT NULL, 'chair_update', ?, ?, board_seq, ?, chair_update_id FROM chair_update_inbox WHERE chair_update_id = ?
            ON CONFLICT(chair_update_id) DO NOTHING
            """, arguments: [title, body, ctx.now.description, id])
        let inserted = ctx.db.changesCount > 0
        let updateID = ctx.db.lastInsertedRowID
        try ctx.db.execute(sql: "UPDATE chair_update_inbox SET drafted_at = ? WHERE chair_update_id = ?", arguments: [ctx.now.description, id])
        if inserted {
            try ctx.emit(UpdateDrafted(updateID: updateID, actionID: nil, outcome: .chairUpdate, needsReason: false, chairUpdateID: id))
        }
    }
}

extension CommsSchema {
    /// Issue 18: an update may carry the board's chair's update instead of an action's outcome.
    static func registerChairUpdates(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("comms-v5-chair-updates") { db in
            try db.execute(sql: """
                CREATE TABLE updates_v5 (
                    id INTEGER PRIMARY KEY,
                    action_id TEXT,                  -- NULL for a chair's update
                    outcome TEXT NOT NULL CHECK (outcome IN ('completed', 'cancelled', 'chair_update')),
                    title TEXT NOT NULL,
                    body TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
                    board_seq INTEGER,
                    created_at TEXT NOT NULL,
                    edited_at TEXT,
                    published_at TEXT,
                    chair_update_id TEXT UNIQUE,     -- the board's CU-… for a chair's update
                    CHECK ((action_id IS NULL) = (outcome = 'chair_update')),
                    CHECK ((chair_update_id IS NULL) = (outcome <> 'chair_update'))
                );
                INSERT INTO updates_v5(id, action_id, outcome, title, body, status, board_seq, created_at, edited_at, published_at)
                    SELECT id, action_id, outcome, title, body, status, board_seq, created_at, edited_at, published_at FROM updates;
                DROP TABLE updates;
                ALTER TABLE updates_v5 RENAME TO updates;
                -- chair_update.published events, until the text is read from the board and drafted.
                CREATE TABLE chair_update_inbox (
                    chair_update_id TEXT PRIMARY KEY,
                    meeting_id TEXT NOT NULL,
                    title TEXT NOT NULL,
                    board_seq INTEGER NOT NULL,
                    received_at TEXT NOT NULL,
                    drafted_at TEXT,
                    missing INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;
                """)
        }
    }
}
