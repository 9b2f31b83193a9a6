import GRDB
import SendModel
import SendRuntime

/// Answers: by a family's response token or code (`questionnaires.respond`, `portal.respond`), or an
/// import of collected answers; and the results.
///
/// For an anonymous questionnaire the answers go to `anonymous_answers` under a random key, with no
/// family, token or time; the recipient row is only marked answered.
enum Responses {
    /// What stands in for an erased family's free-text answer in `anonymous_answers`: answered, no words.
    static let erasedFreeText = ""

    /// A recipient found by token.
    struct Recipient {
        var questionnaire: Questionnaire
        var familyID: Int64
        var answered: Bool
    }

    /// The recipient holding `key`: a response token (the email link's) or a response code (letters
    /// and texts), however typed; nil for anything else.
    static func recipient(_ db: Database, key: String) throws -> Recipient? {
        let column: String, value: String
        switch Keys.parse(key) {
        case .token(let t)?: (column, value) = ("token", t)
        case .code(let c)?: (column, value) = ("code", c)
        case nil: return nil
        }
        guard let row = try Row.fetchOne(db, sql: """
            SELECT r.family_id, r.answered, q.* FROM recipients r JOIN questionnaires q ON q.id = r.questionnaire_id WHERE r.\(column) = ?
            """, arguments: [value]) else { return nil }
        return Recipient(questionnaire: Questionnaire(row: row), familyID: row["family_id"], answered: row["answered"])
    }

    /// Checks answers keyed by question number against the questions; every problem is a `FieldError`
    /// at `path(question)`.
    static func check(_ given: [(question: Int, value: JSONValue, path: String)], questions: [Question],
                      errors: inout [FieldError]) -> [(Int, String)] {
        var stored: [(Int, String)] = []
        var seen = Set<Int>()
        let byPosition = Dictionary(uniqueKeysWithValues: questions.map { ($0.position, $0) })
        for answer in given {
            guard let q = byPosition[answer.question] else {
                errors.append(FieldError(field: answer.path, message: "there is no question \(answer.question) (the questions are 1 to \(questions.count))"))
                continue
            }
            guard seen.insert(answer.question).inserted else {
                errors.append(FieldError(field: answer.path, message: "question \(answer.question) is answered twice"))
                continue
            }
            switch q.normalise(answer.value) {
            case .success(let value): stored.append((q.position, value))
            case .failure(let problem): errors.append(FieldError(field: answer.path, message: "question \(q.position) (\(q.kind.rawValue)): \(problem.message)"))
            }
        }
        for q in questions where q.required && !seen.contains(q.position) {
            errors.append(FieldError(field: "answers", message: "question \(q.position) must be answered"))
        }
        return stored
    }

    /// Stores one family's answers and marks the family answered.
    static func store(_ db: Database, _ r: Recipient, answers: [(Int, String)], source: String, now: String) throws {
        // The family's support group as it is now goes with the reply (QuestionnaireRounds): the split never needs the family.
        let group = try QuestionnaireRounds.group(db, familyID: r.familyID)?.rawValue
        if r.questionnaire.anonymous {
            // A random key; no family, token or time is stored with the answers.
            let key = Int64.random(in: 1...Int64.max)
            let insert = try db.cachedStatement(sql: "INSERT INTO anonymous_answers(questionnaire_id, response_key, position, value, support_group) VALUES (?, ?, ?, ?, ?)")
            for (position, value) in answers { try insert.execute(arguments: [r.questionnaire.id, key, position, value, group]) }
        } else {
            try db.cachedStatement(sql: "INSERT INTO responses(questionnaire_id, family_id, received_at, source, support_group) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [r.questionnaire.id, r.familyID, now, source, group])
            let response = db.lastInsertedRowID
            let insert = try db.cachedStatement(sql: "INSERT INTO answers(response_id, position, value) VALUES (?, ?, ?)")
            for (position, value) in answers { try insert.execute(arguments: [response, position, value]) }
        }
        try db.cachedStatement(sql: "UPDATE recipients SET answered = 1 WHERE questionnaire_id = ? AND family_id = ?")
            .execute(arguments: [r.questionnaire.id, r.familyID])
    }

    /// Why a recipient cannot answer now, if it cannot.
    static func refusal(_ r: Recipient, today: LocalDate) -> String? {
        if r.answered { return "this family has already answered questionnaire \(r.questionnaire.id)" }
        switch r.questionnaire.state(today: today) {
        case "not_open": return "questionnaire \(r.questionnaire.id) opens on \(r.questionnaire.opens)"
        case "closed": return "questionnaire \(r.questionnaire.id) closed on \(r.questionnaire.closes)"
        default: return nil
        }
    }

    /// `questionnaires.respond {token, answers: [{question, value}], wants_updates?}`; `token` may be a response code.
    static func respond(_ ctx: CommsChange) throws -> JSONValue {
        let v = ctx.validator()
        let token = v.string("token", maxLength: 128)
        let wantsUpdates = v.bool("wants_updates", required: false)
        var given: [(question: Int, value: JSONValue, path: String)] = []
        if let items = v.objects("answers") {
            for (i, item) in items.enumerated() {
                let position = item.int("question", range: 1...50)
                guard let value = item.raw("value") else { item.fail("value", "is required"); continue }
                if let position { given.append((Int(position), value, "answers[\(i)].value")) }
            }
        }
        try v.check()
        guard let token, let r = try recipient(ctx.db, key: token) else {
            throw ServiceError(.notFound, "no questionnaire has this response token or code; check it was typed as in the message", field: "token")
        }
        if let refusal = refusal(r, today: ctx.today) { throw ServiceError.conflict(refusal) }
        var errors: [FieldError] = []
        let answers = check(given, questions: try Question.all(ctx.db, questionnaire: r.questionnaire.id), errors: &errors)
        if !errors.isEmpty { throw ServiceError.invalid(errors) }
        try store(ctx.db, r, answers: answers, source: "token", now: ctx.now.description)
        if wantsUpdates == true {
            try ctx.db.execute(sql: "UPDATE families SET wants_updates = 1 WHERE id = ?", arguments: [r.familyID])
        }
        try ctx.emit(ResponseReceived(questionnaireID: r.questionnaire.id, responses: 1, source: .token))
        return ["questionnaire_id": .int(r.questionnaire.id), "recorded": true, "anonymous": .bool(r.questionnaire.anonymous),
                "answers": .int(Int64(answers.count))]
    }

    /// `questionnaires.import_responses {questionnaire_id, csv, first_row_line?}`: answers collected on
    /// paper or by phone. Columns: `token`, then `q1` … `qN`, an empty cell being no answer. Bad rows are
    /// reported by line and left out; the good ones are recorded.
    static func importResponses(_ ctx: CommsChange) throws -> JSONValue {
        let v = ctx.validator()
        let id = v.int("questionnaire_id", range: 1...Int64.max)
        let firstRowLine = v.int("first_row_line", required: false, range: 2...Int64(Int32.max))
        guard let csv = ctx.args["csv"]?.stringValue, !csv.trimmingSpaces.isEmpty else {
            throw ServiceError.invalid("csv", "is required: the text of the CSV file, header first")
        }
        try v.check()
        let q = try Questionnaire.load(ctx.db, id)
        let questions = try Question.all(ctx.db, questionnaire: q.id)
        var reader = CSVReader(Array(csv.utf8))
        guard case .success(let headerRecord)? = reader.next() else { throw ServiceError.invalid("csv", "has no readable header line") }
        let header = try CSVHeader(headerRecord, required: ["token"], optional: questions.map { "q\($0.position)" })
        if let firstRowLine { reader.setLine(Int(firstRowLine)) }
        var rows = 0, recorded = 0
        var rejected: [JSONValue] = []
        var rejectedRows = 0
        func reject(_ line: Int, _ field: String, _ message: String) {
            if rejected.count < FamilyImport.maxListedRejections {
                rejected.append(["line": .int(Int64(line)), "field": .string(field), "message": .string(message)])
            }
        }
        while let next = reader.next() {
            rows += 1
            guard case .success(let record) = next else {
                if case .failure(let m) = next { reject(m.line, "csv", m.message) }
                rejectedRows += 1
                continue
            }
            guard record.fields.count == header.count else {
                reject(record.line, "csv", "has \(record.fields.count) fields; the header has \(header.count)")
                rejectedRows += 1
                continue
            }
            guard let token = header.value("token", in: record), let r = try recipient(ctx.db, key: token),
                  r.questionnaire.id == q.id else {
                reject(record.line, "token", "is not a response token or code of questionnaire \(q.id)")
                rejectedRows += 1
                continue
            }
            if let refusal = refusal(r, today: ctx.today) {
                reject(record.line, "token", refusal)
                rejectedRows += 1
                continue
            }
            var given: [(question: Int, value: JSONValue, path: String)] = []
            for question in questions {
                if let cell = header.value("q\(question.position)", in: record) { given.append((question.position, .string(cell), "q\(question.position)")) }
            }
            var errors: [FieldError] = []
            let answers = check(given, questions: questions, errors: &errors)
            if !errors.isEmpty {
                for e in errors { reject(record.line, e.field, e.message) }
                rejectedRows += 1
                continue
            }
            try store(ctx.db, r, answers: answers, source: "import", now: ctx.now.description)
            recorded += 1
        }
        if recorded > 0 {
            try ctx.emit(ResponseReceived(questionnaireID: q.id, responses: Int64(recorded), source: .import))
        }
        return ["questionnaire_id": .int(q.id), "rows": .int(Int64(rows)), "recorded": .int(Int64(recorded)),
                "rejected_rows": .int(Int64(rejectedRows)), "rejected": .array(rejected)]
    }

    /// `questionnaires.results {questionnaire_id}`: response rate overall and by channel, the
    /// distribution per question, the free-text answers (never who gave them).
    static let results: @Sendable (ReadContext) throws -> JSONValue = { ctx in
        let v = ctx.validator()
        let id = v.int("questionnaire_id", range: 1...Int64.max)
        try v.check()
        let q = try Questionnaire.load(ctx.db, id)
        let questions = try Question.all(ctx.db, questionnaire: q.id)
        let totals = try Row.fetchOne(ctx.db, sql: "SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM recipients WHERE questionnaire_id = ?",
                                      arguments: [q.id])!
        let asked: Int64 = totals[0], answered: Int64 = totals[1]
        func rate(_ a: Int64, _ n: Int64) -> JSONValue { n == 0 ? .null : .double((Double(a) / Double(n) * 1000).rounded() / 1000) }
        // By the channel the questionnaire reached the family through ("not_delivered" when it did not).
        var byChannel: [String: JSONValue] = [:]
        for row in try Row.fetchAll(ctx.db, sql: """
            SELECT COALESCE(CASE WHEN m.status = 'delivered' THEN m.channel END, 'not_delivered') AS channel,
                   COUNT(*), COALESCE(SUM(r.answered), 0)
            FROM recipients r
            LEFT JOIN dispatches d ON d.questionnaire_id = r.questionnaire_id AND d.kind = 'questionnaire'
            LEFT JOIN messages m ON m.dispatch_id = d.id AND m.family_id = r.family_id
            WHERE r.questionnaire_id = ? GROUP BY 1 ORDER BY 1
            """, arguments: [q.id]) {
            let n: Int64 = row[1], a: Int64 = row[2]
            byChannel[row[0]] = ["asked": .int(n), "answered": .int(a), "rate": rate(a, n)]
        }
        // A named questionnaire's answers are its families' replies and, once a family is erased,
        // its reply unlinked into anonymous_answers (FamilyRights): both count.
        let valuesSQL = q.anonymous
            ? "SELECT value FROM anonymous_answers WHERE questionnaire_id = ?1 AND position = ?2"
            : """
              SELECT a.value FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.questionnaire_id = ?1 AND a.position = ?2
              UNION ALL SELECT value FROM anonymous_answers WHERE questionnaire_id = ?1 AND position = ?2
              """
        var perQuestion: [JSONValue] = []
        for question in questions {
            var o = question.json.objectValue ?? [:]
            if question.kind == .freeText {
                let all = try String.fetchAll(ctx.db, sql: "\(valuesSQL) ORDER BY value", arguments: [q.id, question.position])
                // An erased family's free text is gone; that it answered still counts.
                let texts = all.filter { $0 != erasedFreeText }
                o["answered"] = .int(Int64(all.count))
                // Free text is the families' own words: for comms officers (and the stack) only; the
                // portal, which reads the results for the public page, gets the count.
                if ctx.actor.role == .commsOfficer || ctx.actor.role == .stack {
                    o["answers"] = .array(texts.map { .string($0) })
                }
            } else {
                let counts = try Row.fetchAll(ctx.db, sql: "SELECT value, COUNT(*) FROM (\(valuesSQL)) GROUP BY value",
                                              arguments: [q.id, question.position])
                var distribution: [String: JSONValue] = [:]
                let keys: [String]
                switch question.kind {
                case .scale: keys = ["1", "2", "3", "4", "5"]
                case .yesNo: keys = ["yes", "no"]
                default: keys = question.options
                }
                for key in keys { distribution[key] = 0 }
                var n: Int64 = 0, sum: Int64 = 0
                for row in counts {
                    let value: String = row[0], c: Int64 = row[1]
                    distribution[value] = .int(c)
                    n += c
                    if question.kind == .scale, let x = Int64(value) { sum += x * c }
                }
                o["answered"] = .int(n)
                o["distribution"] = .object(distribution)
                if question.kind == .scale && n > 0 { o["mean"] = .double((Double(sum) / Double(n) * 100).rounded() / 100) }
            }
            perQuestion.append(.object(o))
        }
        let comparison = try QuestionnaireRounds.annotate(ctx.db, q, questions: questions, results: &perQuestion)
        return [
            "questionnaire_id": .int(q.id), "title": .string(q.title), "anonymous": .bool(q.anonymous),
            "state": .string(q.state(today: ctx.today)),
            "asked": .int(asked), "answered": .int(answered), "response_rate": rate(answered, asked),
            "by_channel": .object(byChannel), "questions": .array(perQuestion),
            "repeats": q.repeats.map { .int($0) } ?? .null, "comparison": comparison ?? .null,
        ]
    }
}
