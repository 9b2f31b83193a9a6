import Foundation
import GRDB
import SendModel
import Testing
import TestSupport
@testable import BoardService

/// A plan moved in with its past: each action's status history, dated as the file says.
@Suite struct PlanHistoryTests {
    func plan(_ histories: [JSONValue?]) throws -> JSONValue {
        guard case .object(var o) = try demoPlan(), case .array(var actions)? = o["actions"] else { throw ServiceError(.internal, "no actions") }
        for (i, h) in histories.enumerated() {
            guard case .object(var a) = actions[i] else { continue }
            if let h { a["history"] = h }
            actions[i] = .object(a)
        }
        o["actions"] = .array(actions)
        return .object(o)
    }

    @Test func eachChangeIsRecordedOnItsDayAndTheActionStartsOnItsStartDate() throws {
        let db = try BoardDatabase(today: "2018-09-03")
        defer { db.close() }
        try db.seedArticle()
        try db.run(PlanImport.run, try plan([
            [["status": "in_progress", "on": "2018-05-14"]],
            [["status": "in_progress", "on": "2018-03-12"], ["status": "delayed", "on": "2018-06-11", "reason": "Protocol not agreed"]],
            [],
        ]))
        let history = try db.read { try StatusHistory.list($0, [:]) }["changes"]?.arrayValue ?? []
        let of = { (id: String) in history.filter { $0["action_id"]?.stringValue == id }.map { "\($0["to"]?.stringValue ?? "")@\($0["on"]?.stringValue ?? "")" } }
        #expect(of("A-0001") == ["not_started@2018-05-01", "in_progress@2018-05-14"])
        #expect(of("A-0002") == ["not_started@2018-03-01", "in_progress@2018-03-12", "delayed@2018-06-11"])
        #expect(of("A-0003") == ["not_started@2018-09-03"])   // [] : not started since its start
        #expect(of("A-0004") == ["not_started@2018-09-03"])   // no history: created today
        #expect(try db.read { try ActionRecord.require($0, "A-0002") }.status == .delayed)
        #expect(db.events(EventType.actionStatusChanged).count == 3)
    }

    @Test func aHistoryTheBoardWouldNotAllowIsRefusedWithItsPathAndNothingRecorded() throws {
        let db = try BoardDatabase(today: "2018-09-03")
        defer { db.close() }
        try db.seedArticle()
        let error = serviceError { try db.run(PlanImport.run, try plan([
            [["status": "completed", "on": "2018-05-14"]],
            [["status": "in_progress", "on": "2018-02-01"]],
            [["status": "in_progress", "on": "2018-10-01"]],
            [["status": "in_progress", "on": "2018-07-01"], ["status": "cancelled", "on": "2018-06-01"]],
        ])) }
        #expect(error?.code == .invalid)
        #expect(Set(error?.details.map(\.field) ?? []) == ["actions[0].history[0].status", "actions[1].history[0].on",
                                                           "actions[2].history[0].on", "actions[3].history[1].on",
                                                           "actions[3].history[1].reason"], "\(error?.details ?? [])")
        #expect(try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM actions") } == 0)
    }
}
