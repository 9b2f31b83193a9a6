import Foundation
import GRDB
import Logging
import SendModel
@testable import SendRuntime
import TestSupport
@testable import CommsService

func date(_ text: String) -> LocalDate {
    guard let d = LocalDate(iso: text) else { fatalError("bad test date \(text)") }
    return d
}

/// The comms database opened in-process: each write runs a handler exactly as the service's writer
/// would (one transaction, rolled back when it throws), keeping the events it emitted.
final class CommsDatabase {
    let directory = TestDirectory()
    let pool: DatabasePool
    var today: LocalDate
    private(set) var events: [(type: String, data: JSONValue)] = []

    init(today: String = "2026-03-02") throws {
        self.today = date(today)
        try directory.directories.prepare()
        pool = try ServiceDatabase.open(path: directory.directories.databasePath(ServiceName.comms), migrations: CommsSchema.register)
    }

    @discardableResult
    func write(_ handler: (CommsChange) throws -> JSONValue, _ args: JSONValue = [:], now: Timestamp = Timestamp.now()) throws -> JSONValue {
        let today = self.today
        let box = EventBox()
        let result = try pool.write { db in
            try handler(CommsChange(db: db, args: args, today: today, now: now, logger: Logger(label: "test"),
                                    emit: { box.items.append(($0, $1)) }))
        }
        events += box.items
        return result
    }

    private final class EventBox { var items: [(type: String, data: JSONValue)] = [] }

    /// The error a write refuses with, or nil when it succeeds.
    func refusal(_ handler: (CommsChange) throws -> JSONValue, _ args: JSONValue = [:]) -> ServiceError? {
        do {
            try write(handler, args)
            return nil
        } catch let error as ServiceError {
            return error
        } catch {
            return ServiceError(.internal, "\(error)")
        }
    }

    func read(_ handler: (ReadContext) throws -> JSONValue, _ args: JSONValue = [:]) throws -> JSONValue {
        let today = self.today
        return try pool.read { db in
            try handler(ReadContext(db: db, args: args, today: today, now: Timestamp.now(), logger: Logger(label: "test"), actor: .stack("test")))
        }
    }

    func sql<T: DatabaseValueConvertible>(_ query: String, _ arguments: StatementArguments = []) throws -> T? {
        try pool.read { db in try T.fetchOne(db, sql: query, arguments: arguments) }
    }

    func rows(_ query: String, _ arguments: StatementArguments = []) throws -> [Row] {
        try pool.read { db in try Row.fetchAll(db, sql: query, arguments: arguments) }
    }

    func execute(_ query: String, _ arguments: StatementArguments = []) throws {
        try pool.write { db in try db.execute(sql: query, arguments: arguments) }
    }

    func events(_ type: String) -> [JSONValue] { events.filter { $0.type == type }.map(\.data) }

    func clearEvents() { events = [] }

    /// Imports CSV text; returns the command's reply.
    @discardableResult
    func importFamilies(_ csv: String) throws -> JSONValue {
        try write(FamilyImport.run, ["csv": .string(csv)])
    }

    /// Marks every queued message delivered, as the delivery loop would after the providers accepted them.
    func deliverAll() throws {
        let ids: [Int64] = try pool.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM messages WHERE next_attempt_at IS NOT NULL") }
        try claimAndApply(ids.map { ($0, DeliveryOutcome.delivered) })
    }

    /// Marks messages sending (as a claim does) and applies the outcomes, as the delivery loop does.
    func claimAndApply(_ outcomes: [(Int64, DeliveryOutcome)], config: CommsConfig = CommsConfig()) throws {
        try write { ctx in
            var done: [DeliveryLoop.Delivered] = []
            for (id, outcome) in outcomes {
                try ctx.db.execute(sql: "UPDATE messages SET status = 'sending', attempts = attempts + 1 WHERE id = ?", arguments: [id])
                let channel = try String.fetchOne(ctx.db, sql: "SELECT channel FROM messages WHERE id = ?", arguments: [id]) ?? "email"
                done.append(DeliveryLoop.Delivered(id: id, channel: Channel(rawValue: channel)!, outcome: outcome, subject: "s", body: "b"))
            }
            try DeliveryLoop.apply(ctx, done, config: config)
            return .null
        }
    }

    /// The error a read refuses with, or nil when it succeeds.
    func readRefusal(_ handler: (ReadContext) throws -> JSONValue, _ args: JSONValue = [:]) -> ServiceError? {
        do {
            _ = try read(handler, args)
            return nil
        } catch let error as ServiceError {
            return error
        } catch {
            return ServiceError(.internal, "\(error)")
        }
    }

    /// Where `spoolAll` writes: `<test>/spool/{email,sms,letters}`.
    var spoolRoot: String { "\(directory.path)/spool" }

    /// Hands every queued message to the spool adapters, rendered as the delivery loop renders it,
    /// and records it delivered; returns how many.
    @discardableResult
    func spoolAll(_ config: CommsConfig = messageConfig) throws -> Int {
        let ids: [Int64] = try pool.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM messages WHERE next_attempt_at IS NOT NULL ORDER BY id") }
        let messages = try pool.read { db in try DeliveryLoop.render(db, ids: ids, settings: Templates.Settings(config)) }
        var outcomes: [(Int64, DeliveryOutcome)] = []
        for id in ids {
            guard let m = messages[id] else { continue }
            outcomes.append((id, SpoolAdapter(channel: m.channel, spoolRoot: spoolRoot, config: config).deliver(m)))
        }
        try claimAndApply(outcomes, config: config)
        return outcomes.count
    }

    /// The text of each spooled file of a channel's directory (`email`, `sms`, `letters`), by name.
    func spooled(_ sub: String) -> [String: String] {
        let path = "\(spoolRoot)/\(sub)"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { !$0.hasPrefix(".") }
        var out: [String: String] = [:]
        for name in names { out[name] = try? String(contentsOfFile: "\(path)/\(name)", encoding: .utf8) }
        return out
    }

    func close() {
        try? pool.close()
        directory.remove()
    }
}

/// Message settings as a council would set them: its portal's address and a phone number.
let messageConfig: CommsConfig = {
    var c = CommsConfig()
    c.publicURL = "https://send.example.gov.uk"
    c.contactPhone = "01632 960 000"
    return c
}()

/// A CSV of families, header first.
func familiesCSV(_ rows: [String], header: String = "family_ref,child_ref,ehc_plan,name,email,mobile,address,preferred_channel,consent,updates") -> String {
    ([header] + rows).joined(separator: "\n") + "\n"
}

/// The repository root, from this file's place in it.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs the built sendctl against a test directory's stack (stopped after 60 s, saying so in `err`).
func sendctl(_ arguments: [String], _ dir: TestDirectory) throws -> (status: Int32, out: String, err: String) {
    let run = try ChildRun.run(Binaries.path("sendctl"), arguments,
                               environment: ["SEND_RUN_DIR": dir.run, "SEND_DATA_DIR": dir.data], timeout: 60)
    return (run.status, run.stdout, run.stderr)
}
