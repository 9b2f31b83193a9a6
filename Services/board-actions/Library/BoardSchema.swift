import GRDB

/// The board's tables. Migrations are registered once and never edited after release:
/// a later change is a new migration.
enum BoardSchema {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("board-v1") { db in
            try db.execute(sql: """
                -- The read model of the findings service, filled only by its events.
                CREATE TABLE inspections (
                    inspection_id TEXT PRIMARY KEY,
                    local_area TEXT NOT NULL,
                    framework TEXT NOT NULL,
                    outcome TEXT NOT NULL,           -- the event's outcome value, as JSON
                    published TEXT,
                    plan_due TEXT,                   -- the statutory due date of the plan, when there is one
                    deadlines TEXT NOT NULL,         -- the event's deadlines object, as JSON
                    source_seq INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE findings (
                    finding_id TEXT PRIMARY KEY,
                    inspection_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    theme TEXT NOT NULL,
                    summary TEXT NOT NULL,
                    bodies TEXT NOT NULL,            -- JSON array
                    carried_from TEXT,
                    judgement TEXT,
                    judged_on TEXT,
                    carried_to TEXT,
                    source_seq INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX findings_by_inspection ON findings(inspection_id, kind);
                -- The plan a carried-over finding went into (finding.carried_over names the new finding).
                CREATE TABLE finding_plans (
                    finding_id TEXT PRIMARY KEY,
                    plan_id TEXT NOT NULL,
                    plan_kind TEXT NOT NULL
                ) WITHOUT ROWID;

                CREATE TABLE kpis (
                    n INTEGER PRIMARY KEY,
                    kpi_id TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    unit TEXT NOT NULL,
                    baseline REAL NOT NULL,
                    baseline_date TEXT,
                    target REAL NOT NULL,
                    target_date TEXT,
                    direction TEXT NOT NULL,
                    created_at TEXT NOT NULL
                );
                CREATE TABLE kpi_readings (
                    kpi_id TEXT NOT NULL REFERENCES kpis(kpi_id),
                    on_date TEXT NOT NULL,
                    value REAL NOT NULL,
                    note TEXT,
                    at TEXT NOT NULL,
                    PRIMARY KEY (kpi_id, on_date)
                ) WITHOUT ROWID;

                CREATE TABLE actions (
                    n INTEGER PRIMARY KEY,
                    action_id TEXT NOT NULL UNIQUE,
                    title TEXT NOT NULL,
                    description TEXT NOT NULL,
                    lead_organisation TEXT NOT NULL COLLATE NOCASE,
                    sponsoring_director TEXT NOT NULL,
                    action_lead TEXT NOT NULL,
                    start_date TEXT NOT NULL,
                    due_date TEXT NOT NULL,
                    success_criteria TEXT NOT NULL,
                    kpi_id TEXT REFERENCES kpis(kpi_id),
                    status TEXT NOT NULL,
                    status_since TEXT NOT NULL,
                    cancel_reason TEXT,
                    agreed_decision TEXT,
                    verified_decision TEXT,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    update_count INTEGER NOT NULL DEFAULT 0,   -- progress updates, kept with each one
                    last_update TEXT                           -- the date of the latest
                );
                -- Within one status, rows come in id order (the rowid ends every index): pages need no sort.
                CREATE INDEX actions_by_status ON actions(status);
                CREATE INDEX actions_by_due ON actions(due_date);
                CREATE INDEX actions_by_lead ON actions(lead_organisation);
                CREATE INDEX actions_by_kpi ON actions(kpi_id);
                CREATE TABLE action_findings (
                    action_id TEXT NOT NULL REFERENCES actions(action_id),
                    finding_id TEXT NOT NULL,
                    PRIMARY KEY (action_id, finding_id)
                ) WITHOUT ROWID;
                CREATE INDEX action_findings_by_finding ON action_findings(finding_id, action_id);
                -- Append-only histories.
                CREATE TABLE action_status_history (
                    n INTEGER PRIMARY KEY,
                    action_id TEXT NOT NULL,
                    from_status TEXT,
                    to_status TEXT NOT NULL,
                    reason TEXT,
                    on_date TEXT NOT NULL,
                    at TEXT NOT NULL,
                    update_id TEXT,
                    decision_id TEXT
                );
                CREATE INDEX action_status_history_by_action ON action_status_history(action_id, n);
                CREATE TABLE action_revisions (
                    n INTEGER PRIMARY KEY,
                    action_id TEXT NOT NULL,
                    changes TEXT NOT NULL,           -- JSON {field: {"from":…, "to":…}}
                    reason TEXT,
                    on_date TEXT NOT NULL,
                    at TEXT NOT NULL
                );
                CREATE INDEX action_revisions_by_action ON action_revisions(action_id, n);
                CREATE TABLE progress_updates (
                    n INTEGER PRIMARY KEY,
                    update_id TEXT NOT NULL UNIQUE,
                    action_id TEXT NOT NULL,
                    note TEXT NOT NULL,
                    evidence TEXT,
                    author_role TEXT NOT NULL,
                    status_from TEXT,
                    status_to TEXT,
                    on_date TEXT NOT NULL,
                    at TEXT NOT NULL
                );
                CREATE INDEX progress_updates_by_action ON progress_updates(action_id, n);
                CREATE TABLE exception_commentaries (
                    n INTEGER PRIMARY KEY,
                    action_id TEXT NOT NULL,
                    commentary TEXT NOT NULL,
                    author_role TEXT NOT NULL,
                    on_date TEXT NOT NULL,
                    at TEXT NOT NULL
                );
                CREATE INDEX exception_commentaries_by_action ON exception_commentaries(action_id, n);
                -- What the due-date watch has announced: once per action, kind and due date.
                CREATE TABLE announcements (
                    action_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    due_date TEXT NOT NULL,
                    on_date TEXT NOT NULL,
                    at TEXT NOT NULL,
                    PRIMARY KEY (action_id, kind, due_date)
                ) WITHOUT ROWID;
                CREATE TABLE due_date_checks (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    today TEXT NOT NULL,
                    at TEXT NOT NULL,
                    overdue INTEGER NOT NULL,
                    due_soon INTEGER NOT NULL
                );

                CREATE TABLE members (
                    n INTEGER PRIMARY KEY,
                    member_id TEXT NOT NULL UNIQUE,
                    role TEXT NOT NULL,
                    post TEXT NOT NULL,
                    organisation TEXT NOT NULL,
                    joined_on TEXT NOT NULL,
                    at TEXT NOT NULL
                );
                CREATE TABLE meetings (
                    n INTEGER PRIMARY KEY,
                    meeting_id TEXT NOT NULL UNIQUE,
                    on_date TEXT NOT NULL,
                    title TEXT NOT NULL,
                    at TEXT NOT NULL
                );
                CREATE INDEX meetings_by_date ON meetings(on_date);
                CREATE TABLE meeting_attendees (
                    meeting_id TEXT NOT NULL REFERENCES meetings(meeting_id),
                    member_id TEXT NOT NULL REFERENCES members(member_id),
                    PRIMARY KEY (meeting_id, member_id)
                ) WITHOUT ROWID;
                CREATE TABLE decisions (
                    n INTEGER PRIMARY KEY,
                    decision_id TEXT NOT NULL UNIQUE,
                    meeting_id TEXT NOT NULL REFERENCES meetings(meeting_id),
                    kind TEXT NOT NULL,
                    action_id TEXT,
                    inspection_id TEXT,
                    summary TEXT NOT NULL,
                    on_date TEXT NOT NULL,
                    at TEXT NOT NULL
                );
                CREATE INDEX decisions_by_meeting ON decisions(meeting_id);

                CREATE TABLE plan_submissions (
                    n INTEGER PRIMARY KEY,
                    inspection_id TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    submitted_on TEXT NOT NULL,
                    forced INTEGER NOT NULL,
                    warnings TEXT NOT NULL,          -- JSON array
                    actions INTEGER NOT NULL,
                    at TEXT NOT NULL,
                    UNIQUE (inspection_id, version)
                );
                CREATE TABLE plan_imports (
                    import_id TEXT PRIMARY KEY,
                    at TEXT NOT NULL,
                    result TEXT NOT NULL             -- JSON: what the import created
                ) WITHOUT ROWID;
                """)
        }
        // Issue 13: weaknesses that arrived without an action, announced once the plan has had its chance.
        migrator.registerMigration("board-v2") { db in
            try db.execute(sql: """
                CREATE TABLE coverage_watch (
                    finding_id TEXT PRIMARY KEY,
                    recorded_on TEXT NOT NULL,       -- the day it arrived without an action
                    announced_at TEXT                -- when coverage.gap went out; NULL: watched only
                ) WITHOUT ROWID;
                """)
        }
        // Issue 16: who changed each status — the actor's person id and role, never a name. Rows
        // recorded before keys have neither (NULL).
        migrator.registerMigration("board-v3-status-actor") { db in
            try db.execute(sql: """
                ALTER TABLE action_status_history ADD COLUMN actor_person TEXT;
                ALTER TABLE action_status_history ADD COLUMN actor_role TEXT;
                """)
        }
        // Issue 18: change control and RAG history. `baseline_due` is the first agreed due date
        // (NULL: never rescheduled, the due date is the baseline); `rag_last`/`rag_last_reason` the
        // rating last recorded ('none': not rated; NULL: never recorded — the first check records it).
        migrator.registerMigration("board-v4-change-control") { db in
            try db.execute(sql: """
                ALTER TABLE actions ADD COLUMN baseline_due TEXT;
                ALTER TABLE actions ADD COLUMN rag_last TEXT;
                ALTER TABLE actions ADD COLUMN rag_last_reason TEXT;
                ALTER TABLE decisions ADD COLUMN approved TEXT;   -- JSON array of request ids, or NULL
                ALTER TABLE decisions ADD COLUMN refused TEXT;
                CREATE TABLE change_requests (
                    n INTEGER PRIMARY KEY,
                    request_id TEXT NOT NULL UNIQUE,
                    action_id TEXT NOT NULL REFERENCES actions(action_id),
                    kind TEXT NOT NULL,
                    from_value TEXT NOT NULL,
                    to_value TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    state TEXT NOT NULL,             -- pending, approved, refused
                    requested_on TEXT NOT NULL,
                    requested_at TEXT NOT NULL,
                    actor_person TEXT,
                    actor_role TEXT,
                    decision_id TEXT,
                    decided_on TEXT,                 -- the meeting's date
                    decided_at TEXT
                );
                CREATE INDEX change_requests_by_action ON change_requests(action_id, n);
                CREATE INDEX change_requests_by_state ON change_requests(state, n);
                -- Append-only: every change of an action's rating, with the rule that fired.
                CREATE TABLE action_rag_history (
                    n INTEGER PRIMARY KEY,
                    action_id TEXT NOT NULL,
                    from_rag TEXT,                   -- NULL: the first rating recorded; 'none': not rated
                    to_rag TEXT NOT NULL,            -- red, amber, green or 'none'
                    reason TEXT NOT NULL,
                    cause TEXT NOT NULL,             -- first, status, decision, details, date
                    decision_id TEXT,
                    on_date TEXT NOT NULL,
                    at TEXT NOT NULL
                );
                CREATE INDEX action_rag_history_by_action ON action_rag_history(action_id, n);
                """)
        }
        registerChair(&migrator)
        registerMilestones(&migrator)
    }
}
