import Foundation
import GRDB
import SendModel
import SendRuntime
import Synchronization
import Testing
import TestSupport
@testable import CommsService

/// Short codes for a test (`comms_short_code()`, or an import's codes): the same code `repeats` times, then fresh ones, so that draws collide.
final class CollidingCodes: Sendable {
    let repeats: Int
    let fixed = Keys.shortCode()
    private let calls = Mutex(0)

    init(repeats: Int) { self.repeats = repeats }

    /// The next code: `fixed` for the first `repeats` draws.
    func draw() -> String {
        let n = calls.withLock { n in
            n += 1
            return n
        }
        return n <= repeats ? fixed : Keys.shortCode()
    }

    var function: DatabaseFunction {
        DatabaseFunction("comms_short_code", argumentCount: 0, pure: false) { [self] _ in draw() }
    }
}

@Suite("Keys: every family and recipient has its own, whatever the draws")
struct KeysTests {
    func allKeys(_ db: CommsDatabase) throws -> (stopTokens: [String?], stopCodes: [String?], codes: [String?], tokens: [String?]) {
        (try db.rows("SELECT stop_token FROM families").map { $0[0] }, try db.rows("SELECT stop_code FROM families").map { $0[0] },
         try db.rows("SELECT code FROM recipients").map { $0[0] }, try db.rows("SELECT token FROM recipients").map { $0[0] })
    }

    func checkCodes(_ codes: [String?]) {
        #expect(codes.allSatisfy { $0.flatMap(ShortCode.normalise) == $0 && $0 != nil }, "a code is missing or not canonical")
        #expect(Set(codes).count == codes.count, "a code is shared")
    }

    func checkTokens(_ tokens: [String?]) {
        #expect(tokens.allSatisfy { $0?.count == 32 && $0!.allSatisfy { "0123456789abcdef".contains($0) } })
        #expect(Set(tokens).count == tokens.count)
    }

    @Test("a database made at comms-v1 gets a key for every family, recipient and enquiry when it migrates")
    func backfill() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        try dir.directories.prepare()
        let path = dir.directories.databasePath(ServiceName.comms)
        var migrator = DatabaseMigrator()
        CommsSchema.register(&migrator)
        do {
            let old = try DatabaseQueue(path: path)
            try migrator.migrate(old, upTo: "comms-v1")
            try old.write { db in
                for i in 1...500 {
                    try db.execute(sql: """
                        INSERT INTO families(family_ref, email, consent, created_at, updated_at) VALUES (?, ?, 1, 'then', 'then')
                        """, arguments: ["F\(i)", "f\(i)@example.org"])
                }
                try db.execute(sql: """
                    INSERT INTO questionnaires(title, anonymous, audience, opens, closes, created_at)
                    VALUES ('Old', 0, 'all', '2026-01-01', '2026-12-31', 'then');
                    INSERT INTO recipients(questionnaire_id, family_id, token) SELECT 1, id, lower(hex(randomblob(16))) FROM families;
                    INSERT INTO enquiries(family_id, received_via, text, received_on, answer_by, created_at)
                    VALUES (1, 'phone', 'An old question', '2026-01-05', '2026-01-12', 'then');
                    """)
            }
            try old.close()
        }
        let pool = try ServiceDatabase.open(path: path, migrations: CommsSchema.register)
        defer { try? pool.close() }
        try pool.read { db in
            let families = try Row.fetchAll(db, sql: "SELECT kind, stop_token, stop_code FROM families")
            #expect(families.count == 500 && families.allSatisfy { ($0["kind"] as String) == "family" })
            checkTokens(families.map { $0["stop_token"] })
            checkCodes(families.map { $0["stop_code"] })
            checkCodes(try String?.fetchAll(db, sql: "SELECT code FROM recipients"))
            let secret = try String.fetchOne(db, sql: "SELECT secret FROM enquiries")
            checkTokens([secret])
            let indexes = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE 'CREATE UNIQUE%'"))
            #expect(indexes.isSuperset(of: ["families_stop_token", "families_stop_code", "recipients_code"]))
        }
    }

    @Test("imported families and sent questionnaires get their keys; a second import keeps them")
    func newRows() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        try db.importFamilies(dispatchFamilies)
        let before = try allKeys(db)
        checkTokens(before.stopTokens)
        checkCodes(before.stopCodes)
        try db.importFamilies(dispatchFamilies.replacingOccurrences(of: "ann@example.org", with: "ann@example.net"))
        #expect(try allKeys(db).stopCodes == before.stopCodes && (try allKeys(db).stopTokens) == before.stopTokens)
        try db.write(Questionnaires.create, questionnaire(audience: "all"))
        try db.write(Dispatch.send, ["questionnaire_id": 1])
        let sent = try allKeys(db)
        #expect(sent.codes.count == 7)
        checkCodes(sent.codes)
        checkTokens(sent.tokens)
    }

    @Test("a response code drawn twice is drawn again: no family is left out of a send")
    func sendCollisions() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        try db.importFamilies(familiesCSV((1...40).map { "K\($0),C\($0),yes,,k\($0)@example.org,,,email,yes,no" }))
        try db.write(Questionnaires.create, questionnaire())
        let colliding = CollidingCodes(repeats: 25)
        try db.write { ctx in
            ctx.db.add(function: colliding.function)
            try Dispatch.addRecipients(ctx, questionnaire: 1, audience: Questionnaire.Audience.ehcPlan.sql, expected: 40)
            return .null
        }
        let keys = try allKeys(db)
        #expect(keys.codes.count == 40)
        checkCodes(keys.codes)
        #expect(keys.codes.filter { $0 == colliding.fixed }.count == 1)
    }

    @Test("a stop code drawn twice is drawn again: no family is left out of an import")
    func importCollisions() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        let colliding = CollidingCodes(repeats: 4)
        let csv = familiesCSV((1...10).map { "K\($0),C\($0),yes,,k\($0)@example.org,,,email,yes,no" })
        let outcome = try db.write { ctx in
            let r = try FamilyImport.importCSV(ctx.db, Array(csv.utf8), firstRowLine: nil, now: ctx.now.description, code: colliding.draw)
            return .object(r.counts)
        }
        #expect(outcome["families_created"] == 10)
        let keys = try allKeys(db)
        #expect(keys.stopCodes.count == 10)
        checkCodes(keys.stopCodes)
        #expect(keys.stopCodes.filter { $0 == colliding.fixed }.count == 1)
    }
}
