import Foundation
import GRDB
import SendModel
import Testing
@testable import CommsService

@Suite("Responses and results")
struct ResponseTests {
    func sent(anonymous: Bool) throws -> CommsDatabase {
        let db = try CommsDatabase()
        try db.importFamilies(dispatchFamilies)
        try db.write(Questionnaires.create, questionnaire(anonymous: anonymous))
        try db.write(Dispatch.send, ["questionnaire_id": 1])
        try db.deliverAll()
        return db
    }

    func token(_ db: CommsDatabase, _ ref: String) throws -> String {
        try db.sql("SELECT r.token FROM recipients r JOIN families f ON f.id = r.family_id WHERE f.family_ref = ?", [ref])!
    }

    @Test("each answer is checked against its question, every bad one named")
    func checks() throws {
        let db = try sent(anonymous: false)
        defer { db.close() }
        let error = db.refusal(Responses.respond, ["token": .string(try token(db, "F1")), "answers": [
            ["question": 1, "value": 6], ["question": 2, "value": "perhaps"], ["question": 3, "value": "Pigeon"], ["question": 9, "value": "x"],
        ]])
        #expect(error?.code == .invalid)
        #expect(error?.details.map(\.field) == ["answers[0].value", "answers[1].value", "answers[2].value", "answers[3].value"])
        let missing = db.refusal(Responses.respond, ["token": .string(try token(db, "F1")), "answers": [["question": 2, "value": "yes"]]])
        #expect(missing?.details.first?.message.contains("question 1 must be answered") == true)
        #expect(try db.sql("SELECT COUNT(*) FROM recipients WHERE answered = 1") == 0)
    }

    @Test("a named response is kept with the family; a second one is refused; an unknown token is not found")
    func named() throws {
        let db = try sent(anonymous: false)
        defer { db.close() }
        let t = try token(db, "F2")
        let r = try db.write(Responses.respond, ["token": .string(t), "wants_updates": true, "answers": [
            ["question": 1, "value": "5"], ["question": 2, "value": true], ["question": 3, "value": "text message"], ["question": 4, "value": "Faster reviews"],
        ]])
        #expect(r["answers"]?.intValue == 4)
        #expect(try db.sql("SELECT COUNT(*) FROM responses r JOIN families f ON f.id = r.family_id WHERE f.family_ref = 'F2'") == 1)
        #expect(try db.sql("SELECT value FROM answers WHERE position = 3") == "Text message")
        #expect(try db.sql("SELECT wants_updates FROM families WHERE family_ref = 'F2'") == true)
        #expect(db.refusal(Responses.respond, ["token": .string(t), "answers": [["question": 1, "value": 3]]])?.code == .conflict)
        #expect(db.refusal(Responses.respond, ["token": "0000", "answers": []])?.code == .notFound)
        let event = db.events(EventType.responseReceived).last
        #expect(event?["questionnaire_id"]?.intValue == 1 && event?["responses"]?.intValue == 1)
    }

    @Test("an anonymous questionnaire's answers cannot be joined back to a family")
    func anonymousCannotBeJoined() throws {
        let db = try sent(anonymous: true)
        defer { db.close() }
        for (ref, text) in [("F1", "Answer from the first family"), ("F2", "Answer from the second family"), ("F4", "Answer from the third family")] {
            try db.write(Responses.respond, ["token": .string(try token(db, ref)), "answers": [["question": 1, "value": 3], ["question": 4, "value": .string(text)]]])
        }
        // The families are marked answered, nothing more.
        #expect(try db.sql("SELECT COUNT(*) FROM recipients WHERE answered = 1") == 3)
        #expect(try db.sql("SELECT COUNT(*) FROM responses") == 0)
        #expect(try db.sql("SELECT COUNT(*) FROM answers") == 0)
        #expect(try db.sql("SELECT COUNT(*) FROM anonymous_answers") == 6)

        // Schema: the table holding anonymous answers has no column that names a family, a recipient, a token,
        // a response or a time, and its only foreign key is to the questionnaire.
        let columns = Set(try db.rows("SELECT name FROM pragma_table_info('anonymous_answers')").map { $0[0] as String })
        // `support_group` (ehc_plan or sen_support, recorded when the reply came) names a group, never a family.
        #expect(columns == ["questionnaire_id", "response_key", "position", "value", "support_group"])
        let foreignKeys = Set(try db.rows("SELECT \"table\" FROM pragma_foreign_key_list('anonymous_answers')").map { $0[0] as String })
        #expect(foreignKeys == ["questionnaires"])
        // Nothing else in the schema refers to anonymous answers or their key.
        let referencing = try db.rows("""
            SELECT m.name FROM sqlite_master m, pragma_foreign_key_list(m.name) k WHERE m.type = 'table' AND k."table" = 'anonymous_answers'
            """)
        #expect(referencing.isEmpty)
        let keyColumns = try db.rows("""
            SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c
            WHERE m.type = 'table' AND m.name != 'anonymous_answers' AND c.name = 'response_key'
            """)
        #expect(keyColumns.isEmpty)
        // The only column shared with any table that holds a family id is the questionnaire's id.
        let familyTables = try db.rows("""
            SELECT DISTINCT m.name FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table' AND c.name IN ('family_id', 'family_ref')
            """).map { $0[0] as String }
        for table in familyTables {
            let shared = Set(try db.rows("SELECT name FROM pragma_table_info(?)", [table]).map { $0[0] as String }).intersection(columns)
            // `support_group` is a label of two values that whole groups of families share (the split by EHC plan
            // and SEN support, recorded when the reply came); joining on it finds a group, never a family.
            #expect(shared.isSubset(of: ["questionnaire_id", "position", "support_group"]), "\(table) shares \(shared) with anonymous_answers")
        }
        let groups = Set(try db.rows("SELECT DISTINCT COALESCE(support_group, '-') FROM anonymous_answers").map { $0[0] as String })
        #expect(groups.isSubset(of: ["ehc_plan", "sen_support", "-"]))
        // The free-text answers are all there, and what groups them is not an order of arrival.
        let texts = try db.rows("SELECT value FROM anonymous_answers WHERE position = 4").map { $0[0] as String }
        #expect(Set(texts).count == 3)
        let keys = try db.rows("SELECT DISTINCT response_key FROM anonymous_answers").map { $0[0] as Int64 }
        #expect(keys.count == 3 && keys.allSatisfy { $0 > 1000 })
    }

    @Test("results: response rate overall and by channel, distributions, free text")
    func results() throws {
        let db = try sent(anonymous: true)
        defer { db.close() }
        try db.write(Responses.respond, ["token": .string(try token(db, "F1")), "answers": [
            ["question": 1, "value": 4], ["question": 2, "value": "yes"], ["question": 4, "value": "More speech therapy"]]])
        try db.write(Responses.respond, ["token": .string(try token(db, "F3")), "answers": [
            ["question": 1, "value": 2], ["question": 3, "value": "Letter"]]])
        let r = try db.read(Responses.results, ["questionnaire_id": 1])
        // F1 to F5 and F8 were asked.
        #expect(r["asked"]?.intValue == 6 && r["answered"]?.intValue == 2)
        #expect(r["response_rate"]?.doubleValue == 0.333)
        #expect(r["by_channel"]?["email"]?["answered"]?.intValue == 1)
        #expect(r["by_channel"]?["letter"]?["rate"]?.doubleValue == 1)
        let questions = r["questions"]?.arrayValue ?? []
        #expect(questions[0]["distribution"]?["4"]?.intValue == 1 && questions[0]["distribution"]?["2"]?.intValue == 1)
        #expect(questions[0]["mean"]?.doubleValue == 3)
        #expect(questions[2]["distribution"]?["Letter"]?.intValue == 1 && questions[2]["distribution"]?["Email"]?.intValue == 0)
        #expect(questions[3]["answers"]?.arrayValue == ["More speech therapy"])
    }

    @Test("imported answers: good rows recorded, bad ones named by line")
    func importResponses() throws {
        let db = try sent(anonymous: false)
        defer { db.close() }
        let csv = """
            token,q1,q2,q3,q4
            \(try token(db, "F1")),5,yes,Email,Paper form answer
            \(try token(db, "F2")),7,,,
            not-a-token,3,,,
            \(try token(db, "F3")),,no,,

            """
        let r = try db.write(Responses.importResponses, ["questionnaire_id": 1, "csv": .string(csv)])
        #expect(r["recorded"]?.intValue == 1)
        #expect(r["rejected_rows"]?.intValue == 3)
        let lines = (r["rejected"]?.arrayValue ?? []).compactMap { $0["line"]?.intValue }
        #expect(lines == [3, 4, 5])
        #expect(try db.sql("SELECT source FROM responses") == "import")
    }
}
