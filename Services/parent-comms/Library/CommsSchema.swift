public import GRDB

/// The comms database. Registered once and never edited after release: later changes are new migrations.
///
/// Personal data lives in `families` (name, contacts; web enquirers too, `kind = 'enquirer'`), `enquiries` (text, answer), `answers`,
/// `anonymous_answers` and, until retention purges it, `messages.subject/body`. Anonymous answers
/// are stored in `anonymous_answers`, which has no column naming a family, a recipient, a token
/// or a time, and whose key is random: nothing joins an anonymous answer back to a family.
public enum CommsSchema {
    /// Gives the writer's connection a page cache that holds a bulk change (an import chunk, the
    /// queueing of a questionnaire to every family): with SQLite's default of 2 MiB, dirty pages
    /// spill to the WAL in the middle of the transaction and are written several times. The
    /// setting belongs to the connection, lasts as long as it, and costs memory only when used.
    static func prepareForBulkWrite(_ db: Database) throws {
        try db.execute(sql: "PRAGMA cache_size = -131072")  // 128 MiB
    }

    public static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("comms-v1") { db in
            try db.execute(sql: """
                CREATE TABLE families (
                    id INTEGER PRIMARY KEY,
                    family_ref TEXT NOT NULL UNIQUE,
                    name TEXT,
                    email TEXT,
                    mobile TEXT,
                    address TEXT,
                    preferred_channel TEXT CHECK (preferred_channel IN ('email', 'sms', 'letter')),
                    consent INTEGER NOT NULL,
                    wants_updates INTEGER NOT NULL DEFAULT 0,
                    opted_out_at TEXT,
                    opt_out_reason TEXT,
                    email_flagged_at TEXT,
                    mobile_flagged_at TEXT,
                    address_flagged_at TEXT,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                CREATE TABLE children (
                    family_ref TEXT NOT NULL REFERENCES families(family_ref),
                    child_ref TEXT NOT NULL,
                    ehc_plan INTEGER NOT NULL,
                    PRIMARY KEY (family_ref, child_ref)
                ) WITHOUT ROWID;

                CREATE TABLE questionnaires (
                    id INTEGER PRIMARY KEY,
                    title TEXT NOT NULL,
                    anonymous INTEGER NOT NULL,
                    audience TEXT NOT NULL CHECK (audience IN ('ehc_plan', 'all')),
                    opens TEXT NOT NULL,
                    closes TEXT NOT NULL,
                    message TEXT,
                    created_at TEXT NOT NULL
                );
                CREATE TABLE questions (
                    questionnaire_id INTEGER NOT NULL REFERENCES questionnaires(id),
                    position INTEGER NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('scale', 'yes_no', 'single_choice', 'free_text')),
                    text TEXT NOT NULL,
                    options TEXT,
                    required INTEGER NOT NULL,
                    PRIMARY KEY (questionnaire_id, position)
                ) WITHOUT ROWID;
                -- One row per family asked; `answered` is all that records a reply to an anonymous questionnaire.
                CREATE TABLE recipients (
                    questionnaire_id INTEGER NOT NULL REFERENCES questionnaires(id),
                    family_id INTEGER NOT NULL REFERENCES families(id),
                    token TEXT NOT NULL UNIQUE,
                    answered INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (questionnaire_id, family_id)
                ) WITHOUT ROWID;
                -- Named questionnaires only.
                CREATE TABLE responses (
                    id INTEGER PRIMARY KEY,
                    questionnaire_id INTEGER NOT NULL REFERENCES questionnaires(id),
                    family_id INTEGER NOT NULL REFERENCES families(id),
                    received_at TEXT NOT NULL,
                    source TEXT NOT NULL,
                    UNIQUE (questionnaire_id, family_id)
                );
                CREATE TABLE answers (
                    response_id INTEGER NOT NULL REFERENCES responses(id),
                    position INTEGER NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (response_id, position)
                ) WITHOUT ROWID;
                -- Anonymous questionnaires only: no family, recipient, token or time; `response_key` is random
                -- and only groups one reply's answers.
                CREATE TABLE anonymous_answers (
                    questionnaire_id INTEGER NOT NULL REFERENCES questionnaires(id),
                    response_key INTEGER NOT NULL,
                    position INTEGER NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (questionnaire_id, response_key, position)
                ) WITHOUT ROWID;

                CREATE TABLE actions (
                    action_id TEXT PRIMARY KEY,
                    lead_organisation TEXT,
                    due TEXT,
                    status TEXT,
                    updated_at TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE updates (
                    id INTEGER PRIMARY KEY,
                    action_id TEXT NOT NULL,
                    outcome TEXT NOT NULL CHECK (outcome IN ('completed', 'cancelled')),
                    title TEXT NOT NULL,
                    body TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
                    board_seq INTEGER,
                    created_at TEXT NOT NULL,
                    edited_at TEXT,
                    published_at TEXT
                );

                CREATE TABLE enquiries (
                    id INTEGER PRIMARY KEY,
                    family_id INTEGER NOT NULL REFERENCES families(id),
                    received_via TEXT NOT NULL,
                    text TEXT NOT NULL,
                    received_on TEXT NOT NULL,
                    answer_by TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered')),
                    answer TEXT,
                    answered_on TEXT,
                    escalated_at TEXT,
                    created_at TEXT NOT NULL
                );
                CREATE INDEX enquiries_due ON enquiries(answer_by) WHERE status = 'open' AND escalated_at IS NULL;

                -- A batch of messages: a questionnaire (one per questionnaire), a reminder round, an update.
                CREATE TABLE dispatches (
                    id INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL CHECK (kind IN ('questionnaire', 'reminder', 'update')),
                    questionnaire_id INTEGER REFERENCES questionnaires(id),
                    update_id INTEGER REFERENCES updates(id),
                    round INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL,
                    queued INTEGER NOT NULL DEFAULT 0,
                    pending INTEGER NOT NULL DEFAULT 0,
                    completed_at TEXT
                );
                CREATE UNIQUE INDEX dispatches_questionnaire ON dispatches(questionnaire_id) WHERE kind = 'questionnaire';
                CREATE UNIQUE INDEX dispatches_update ON dispatches(update_id) WHERE kind = 'update';

                -- The durable outbox. `next_attempt_at` (ms since 1970) is set while there is work to do
                -- (queued, sending, temporary-failure awaiting retry) and NULL once the message is final.
                CREATE TABLE messages (
                    id INTEGER PRIMARY KEY,
                    dispatch_id INTEGER REFERENCES dispatches(id),
                    enquiry_id INTEGER REFERENCES enquiries(id),
                    kind TEXT NOT NULL,
                    family_id INTEGER NOT NULL REFERENCES families(id),
                    channel TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'queued',
                    tried TEXT NOT NULL DEFAULT '',
                    attempts INTEGER NOT NULL DEFAULT 0,
                    interrupted INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER,
                    created_at TEXT NOT NULL,
                    status_at TEXT,
                    sent_at TEXT,
                    failure TEXT,
                    subject TEXT,
                    body TEXT,
                    purged_at TEXT,
                    UNIQUE (dispatch_id, family_id)
                );
                CREATE INDEX messages_due ON messages(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
                CREATE INDEX messages_family ON messages(family_id);
                CREATE INDEX messages_content ON messages(sent_at) WHERE body IS NOT NULL;
                -- Every hand-over to a channel and its outcome.
                CREATE TABLE message_attempts (
                    id INTEGER PRIMARY KEY,
                    message_id INTEGER NOT NULL REFERENCES messages(id),
                    channel TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    detail TEXT,
                    at TEXT NOT NULL
                );
                CREATE INDEX message_attempts_message ON message_attempts(message_id);
                """)
        }

        // The families' door: the keys families hold instead of their reference, web enquirers,
        // and each enquiry's secret. Every existing row gets its keys here; every new row at insert
        // (`Keys`), so none is ever NULL after this migration.
        migrator.registerMigration("comms-v2") { db in
            Keys.prepare(db)
            try db.execute(sql: """
                -- A short code per recipient (ShortCode), beside its token: what letters and texts print.
                ALTER TABLE recipients ADD COLUMN code TEXT;
                -- The family's stop keys: the token in every email's List-Unsubscribe, the code in letters and texts.
                ALTER TABLE families ADD COLUMN stop_token TEXT;
                ALTER TABLE families ADD COLUMN stop_code TEXT;
                -- 'enquirer': someone who asked a question on the web (family_ref 'web:<16 hex>'), in no audience.
                ALTER TABLE families ADD COLUMN kind TEXT NOT NULL DEFAULT 'family' CHECK (kind IN ('family', 'enquirer'));
                -- 32 hex digits: with the reference, the asker's private link to the enquiry and its answer.
                ALTER TABLE enquiries ADD COLUMN secret TEXT;

                UPDATE families SET stop_token = \(Keys.tokenSQL), stop_code = \(Keys.codeSQL);
                UPDATE recipients SET code = \(Keys.codeSQL);
                UPDATE enquiries SET secret = \(Keys.tokenSQL);
                """)
            try Keys.redrawShared(db, table: "families", column: "stop_token", expression: Keys.tokenSQL)
            try Keys.redrawShared(db, table: "families", column: "stop_code", expression: Keys.codeSQL)
            try Keys.redrawShared(db, table: "recipients", column: "code", expression: Keys.codeSQL)
            try db.execute(sql: """
                CREATE UNIQUE INDEX families_stop_token ON families(stop_token);
                CREATE UNIQUE INDEX families_stop_code ON families(stop_code);
                CREATE UNIQUE INDEX recipients_code ON recipients(code);
                """)
        }

        // Issue 13: the action's title and the board's recorded reason, so "you said, we did" drafts are written in words.
        migrator.registerMigration("comms-v3") { db in
            try db.execute(sql: """
                ALTER TABLE actions ADD COLUMN title TEXT;
                ALTER TABLE actions ADD COLUMN cancel_reason TEXT;
                """)
        }

        // Issue 17: the families' data rights. An erased family keeps its row as a tombstone (the
        // reference, dates and statuses; every personal value cleared) with when and why, so that a
        // re-import says so instead of bringing it back; a child's EHC plan has the date it ended,
        // from which retention erases families.
        migrator.registerMigration("comms-v4") { db in
            try db.execute(sql: """
                ALTER TABLE families ADD COLUMN erased_at TEXT;
                ALTER TABLE families ADD COLUMN erase_reason TEXT;
                ALTER TABLE children ADD COLUMN ehc_plan_ended TEXT;
                CREATE INDEX families_erased ON families(family_ref) WHERE erased_at IS NOT NULL;
                CREATE INDEX children_plan_ended ON children(ehc_plan_ended) WHERE ehc_plan_ended IS NOT NULL;
                CREATE INDEX enquiries_family ON enquiries(family_id);
                """)
        }
        registerChairUpdates(&migrator)
        registerQuestionnaireRounds(&migrator)
    }
}
