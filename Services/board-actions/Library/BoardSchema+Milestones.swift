import GRDB

extension BoardSchema {
    /// Issue 18: an action's dated milestones. `milestone_due`/`milestone_label` on `actions` are the
    /// earliest milestone not yet met (NULL: none), kept by every write to `action_milestones`, so the
    /// RAG rule stays one expression over `actions` (`RAGRating.sql`).
    static func registerMilestones(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("board-v6-milestones") { db in
            try db.execute(sql: """
                CREATE TABLE action_milestones (
                    n INTEGER PRIMARY KEY,
                    action_id TEXT NOT NULL REFERENCES actions(action_id),
                    seq INTEGER NOT NULL,            -- M1, M2, … numbered per action
                    title TEXT NOT NULL,
                    due_date TEXT NOT NULL,          -- changes only by a change request (milestone_due) a decision approves
                    baseline_due TEXT,               -- the first agreed due date; NULL: never rescheduled
                    met_on TEXT,                     -- NULL: not met
                    added_on TEXT NOT NULL,
                    added_at TEXT NOT NULL,
                    added_person TEXT,
                    added_role TEXT,
                    met_at TEXT,
                    met_person TEXT,
                    met_role TEXT,
                    missed_announced_on TEXT,        -- when action.milestone_missed went out; NULL: not yet
                    UNIQUE (action_id, seq)
                );
                ALTER TABLE actions ADD COLUMN milestone_due TEXT;
                ALTER TABLE actions ADD COLUMN milestone_label TEXT;
                ALTER TABLE change_requests ADD COLUMN milestone_seq INTEGER;   -- the milestone of a milestone_due request
                """)
        }
    }
}
