import Foundation
import GRDB
import SendModel
import SendRuntime
import Synchronization

/// A minimal domain on the runtime, for the benchmark and for the runtime's process tests:
/// `append` is a durable write that emits one event; a follower records every event it applies.
enum BenchDomain {
    static func service(name: String) -> ServiceDefinition {
        ServiceDefinition(
            name: name,
            migrations: { migrator in
                migrator.registerMigration("bench-v1") { db in
                    try db.execute(sql: "CREATE TABLE items (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
                }
            },
            commands: [
                "append": .write { ctx in
                    let v = ctx.validator()
                    let payload = v.string("payload", maxLength: 1 << 20) ?? ""
                    // Optional: the event type and data to emit, so a bench service can stand in for a producer.
                    let type = v.string("type", required: false) ?? EventType.benchAppended
                    var data = v.raw("data")?.objectValue ?? [:]
                    try v.check()
                    try ctx.db.cachedStatement(sql: "INSERT INTO items(payload) VALUES (?)").execute(arguments: [payload])
                    let id = ctx.db.lastInsertedRowID
                    data["item_id"] = .int(id)
                    try ctx.emit(StandIn(data: data), as: type)
                    try hold(ctx)
                    return ["item_id": .int(id)]
                },
                "fail": .write { ctx in
                    // Writes, emits, then fails: none of it may survive.
                    try ctx.db.execute(sql: "INSERT INTO items(payload) VALUES ('never')")
                    try ctx.emit(StandIn(data: ["item_id": -1]))
                    throw ServiceError.invalid("payload", "refused on purpose")
                },
                "count": .read { ctx in
                    let count = try Int64.fetchOne(ctx.db, sql: "SELECT COUNT(*) FROM items") ?? 0
                    let max = try Int64.fetchOne(ctx.db, sql: "SELECT MAX(id) FROM items") ?? 0
                    return ["count": .int(count), "max_id": .int(max)]
                },
                "ids": .read { ctx in
                    let ids = try Int64.fetchAll(ctx.db, sql: "SELECT id FROM items ORDER BY id")
                    return ["ids": .array(ids.map { .int($0) })]
                },
            ]
        )
    }

    /// How many times this process ran the handler of each held request (by id).
    static let runs = Mutex<[String: Int]>([:])

    /// For the runtime's kill tests, `append`'s optional `hold` {marker, run, fail_first}: on the
    /// `run`-th run of this request's handler in this process (1 by default), once its writes are
    /// made, create the file `marker` and sleep, so a test can SIGKILL the service in the middle
    /// of the group; with `fail_first`, fail the first run (the group is then rolled back and run
    /// again the careful way). Once the marker exists it does nothing: the retry after the restart
    /// goes through.
    static func hold(_ ctx: WriteContext) throws {
        guard let hold = ctx.args["hold"], let marker = hold["marker"]?.stringValue,
              !FileManager.default.fileExists(atPath: marker) else { return }
        let id = ctx.requestID ?? ""
        let run = runs.withLock { runs in
            runs[id, default: 0] += 1
            return runs[id] ?? 0
        }
        if hold["fail_first"]?.boolValue == true && run == 1 {
            throw ServiceError.invalid("hold", "fails on its first run, on purpose")
        }
        if Int64(run) == (hold["run"]?.intValue ?? 1) {
            _ = FileManager.default.createFile(atPath: marker, contents: nil)
            Thread.sleep(forTimeInterval: 120)
        }
    }

    static func follower(name: String, source: String) -> ServiceDefinition {
        ServiceDefinition(
            name: name,
            migrations: { migrator in
                migrator.registerMigration("follower-v1") { db in
                    // The primary key makes a second application of one seq fail loudly.
                    try db.execute(sql: "CREATE TABLE seen (n INTEGER PRIMARY KEY, source_seq INTEGER NOT NULL UNIQUE, type TEXT NOT NULL)")
                }
                migrator.registerMigration("follower-v2-refused") { db in
                    // Event types the follower refuses while they are listed: a handler failure on demand, for tests.
                    try db.execute(sql: "CREATE TABLE refused (type TEXT PRIMARY KEY) WITHOUT ROWID")
                }
            },
            commands: [
                "seen": .read { ctx in
                    let seqs = try Int64.fetchAll(ctx.db, sql: "SELECT source_seq FROM seen ORDER BY n")
                    let stalls = try Int64.fetchOne(ctx.db, sql: "SELECT COUNT(*) FROM send_follow_stalls") ?? 0
                    return ["seqs": .array(seqs.map { .int($0) }), "failures": .int(stalls)]
                },
                "refuse": .write { ctx in
                    let v = ctx.validator()
                    let type = v.string("type") ?? ""
                    try v.check()
                    try ctx.db.execute(sql: "INSERT OR IGNORE INTO refused(type) VALUES (?)", arguments: [type])
                    return [:]
                },
                "accept": .write { ctx in
                    let v = ctx.validator()
                    let type = v.string("type") ?? ""
                    try v.check()
                    try ctx.db.execute(sql: "DELETE FROM refused WHERE type = ?", arguments: [type])
                    return [:]
                },
            ],
            follows: [
                Follow(source) { ctx, event in
                    if try Bool.fetchOne(ctx.db, sql: "SELECT 1 FROM refused WHERE type = ?", arguments: [event.type]) ?? false {
                        throw ServiceError(.conflict, "this follower refuses \(event.type) events (send-bench follow: refuse)")
                    }
                    try ctx.db.execute(sql: "INSERT INTO seen(source_seq, type) VALUES (?, ?)", arguments: [event.seq, event.type])
                },
            ]
        )
    }
}

/// The bench service's events: `bench.appended`, or, when it stands in for a producer in tests,
/// any type with the data the test gives (the test then plays the producer's contract).
struct StandIn: EventPayload {
    static let eventType = EventType.benchAppended
    static func accepts(_ type: String) -> Bool { true }
    static var example: StandIn { StandIn(data: ["item_id": 1]) }
    var data: [String: JSONValue]

    init(data: [String: JSONValue]) { self.data = data }
    init(from decoder: any Decoder) throws { data = try decoder.singleValueContainer().decode([String: JSONValue].self) }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(data)
    }
}
