public import GRDB
public import SendModel

/// A service's SQLite database: WAL, `synchronous=FULL`, and the runtime's own tables
/// (the event outbox, stored replies, follower cursors) beside the domain's.
public enum ServiceDatabase {
    /// Opens (creating if needed) and migrates the database: the runtime's migration first, then the domain's.
    public static func open(path: String, synchronous: Synchronous = .full,
                            migrations: (inout DatabaseMigrator) -> Void) throws -> DatabasePool {
        var config = Configuration()
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        let pool = try DatabasePool(path: path, configuration: config)
        // DatabasePool sets synchronous=NORMAL after prepareDatabase; set ours once it is open.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous.rawValue)")
        }
        var migrator = DatabaseMigrator()
        registerRuntimeMigrations(&migrator)
        migrations(&migrator)
        try migrator.migrate(pool)
        return pool
    }

    public enum Synchronous: String, Sendable {
        case full = "FULL"
        case normal = "NORMAL"
        case extra = "EXTRA"
    }

    /// The runtime's tables. Registered once and never edited: later changes are new migrations.
    static func registerRuntimeMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("runtime-v1") { db in
            try db.execute(sql: """
                CREATE TABLE send_events (
                    seq INTEGER PRIMARY KEY,
                    type TEXT NOT NULL,
                    at TEXT NOT NULL,
                    body TEXT NOT NULL
                );
                CREATE TABLE send_requests (
                    id TEXT PRIMARY KEY,
                    command TEXT NOT NULL,
                    at TEXT NOT NULL,
                    reply TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE send_cursors (
                    source TEXT PRIMARY KEY,
                    seq INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE send_follow_failures (
                    source TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    type TEXT NOT NULL,
                    error TEXT NOT NULL,
                    at TEXT NOT NULL,
                    PRIMARY KEY (source, seq)
                ) WITHOUT ROWID;
                """)
        }
        // A follower stopped at an event: one row per source while it is stopped (send_follow_failures,
        // where handler refusals were once recorded and skipped, is no longer written).
        migrator.registerMigration("runtime-v2-follow-stalls") { db in
            try db.execute(sql: """
                CREATE TABLE send_follow_stalls (
                    source TEXT PRIMARY KEY,
                    seq INTEGER NOT NULL,
                    type TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    at TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        // The log's identity: a random id made when the database is made (a lost disk, a database
        // started afresh, a restore gets a new one), and beside each cursor the identity of the log
        // it counts in. A follower calls a source's log replaced only when this changes.
        migrator.registerMigration("runtime-v3-incarnation") { db in
            try db.execute(sql: """
                CREATE TABLE send_identity (incarnation TEXT NOT NULL);
                INSERT INTO send_identity(incarnation) VALUES (lower(hex(randomblob(8))));
                ALTER TABLE send_cursors ADD COLUMN incarnation TEXT;
                """)
        }
        // The register of people and keys: the supervisor's is the register itself, every other
        // service's a copy kept from the supervisor's events (`person.added`, `person.revoked`).
        migrator.registerMigration("runtime-v4-people") { db in
            try db.execute(sql: """
                CREATE TABLE send_people (
                    person_id TEXT PRIMARY KEY,
                    key TEXT NOT NULL UNIQUE,
                    post TEXT NOT NULL,
                    role TEXT NOT NULL,
                    organisation TEXT,
                    added_at TEXT NOT NULL,
                    revoked_at TEXT
                ) WITHOUT ROWID;
                """)
        }
    }

    /// This database's log identity (16 hex digits).
    public static func incarnation(_ db: Database) throws -> String {
        try String.fetchOne(db, sql: "SELECT incarnation FROM send_identity") ?? ""
    }

    /// The identity of the source's log the cursor counts in; nil before the follower first heard it.
    public static func cursorIncarnation(_ db: Database, source: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT incarnation FROM send_cursors WHERE source = ?", arguments: [source])
    }

    /// The highest event seq stored, 0 when none.
    public static func lastSeq(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM send_events") ?? 0
    }

    /// Events after `after`, in seq order, at most `limit`.
    public static func events(_ db: Database, after: Int64, limit: Int) throws -> [(seq: Int64, body: String)] {
        try Row.fetchAll(db, sql: "SELECT seq, body FROM send_events WHERE seq > ? ORDER BY seq LIMIT ?",
                         arguments: [after, limit]).map { ($0[0], $0[1]) }
    }

    public static func cursor(_ db: Database, source: String) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT seq FROM send_cursors WHERE source = ?", arguments: [source]) ?? 0
    }

    static func setCursor(_ db: Database, source: String, seq: Int64, incarnation: String? = nil) throws {
        try db.execute(sql: """
            INSERT INTO send_cursors(source, seq, incarnation) VALUES (?, ?, ?)
            ON CONFLICT(source) DO UPDATE SET seq = excluded.seq, incarnation = COALESCE(excluded.incarnation, incarnation)
            """, arguments: [source, seq, incarnation])
    }

    /// Forgets stored replies older than the given time; a retry after that is treated as new.
    public static func pruneRequests(_ db: Database, before: Timestamp) throws -> Int {
        try db.execute(sql: "DELETE FROM send_requests WHERE at < ?", arguments: [before.description])
        return db.changesCount
    }
}
