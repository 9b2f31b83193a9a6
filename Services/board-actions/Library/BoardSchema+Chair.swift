import GRDB

extension BoardSchema {
    /// Issue 18: the chair's updates after meetings, and the themes the board names for the areas of weakness.
    static func registerChair(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("board-v5-chair-updates-themes") { db in
            try db.execute(sql: """
                CREATE TABLE chair_updates (
                    n INTEGER PRIMARY KEY,
                    update_id TEXT NOT NULL UNIQUE,
                    meeting_id TEXT NOT NULL UNIQUE REFERENCES meetings(meeting_id),   -- one update per meeting
                    title TEXT NOT NULL,
                    text TEXT NOT NULL,              -- ChairText: plain text with headings and lists
                    published_on TEXT NOT NULL,
                    at TEXT NOT NULL,
                    actor_person TEXT,
                    actor_role TEXT
                );
                CREATE TABLE themes (
                    n INTEGER PRIMARY KEY,
                    theme_id TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    description TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                CREATE TABLE theme_findings (
                    theme_id TEXT NOT NULL REFERENCES themes(theme_id),
                    finding_id TEXT NOT NULL,
                    PRIMARY KEY (theme_id, finding_id)
                ) WITHOUT ROWID;
                CREATE TABLE theme_actions (
                    theme_id TEXT NOT NULL REFERENCES themes(theme_id),
                    action_id TEXT NOT NULL REFERENCES actions(action_id),
                    PRIMARY KEY (theme_id, action_id)
                ) WITHOUT ROWID;
                """)
        }
    }
}
