import GRDB
import SendModel
import SendRuntime

/// The kinds of question a questionnaire may ask.
enum QuestionKind: String, CaseIterable {
    case scale
    case yesNo = "yes_no"
    case singleChoice = "single_choice"
    case freeText = "free_text"
}

/// One question, and how an answer to it is checked and stored (as text).
struct Question {
    static let maxFreeText = 5000

    var position: Int
    var kind: QuestionKind
    var text: String
    var options: [String]
    var required: Bool

    init(position: Int, kind: QuestionKind, text: String, options: [String], required: Bool) {
        self.position = position
        self.kind = kind
        self.text = text
        self.options = options
        self.required = required
    }

    init(row: Row) {
        position = row["position"]
        kind = QuestionKind(rawValue: row["kind"]) ?? .freeText
        text = row["text"]
        let optionsText: String? = row["options"]
        options = optionsText.flatMap { try? JSONValue.parse(Array($0.utf8)) }?.arrayValue?.compactMap(\.stringValue) ?? []
        required = row["required"]
    }

    /// What is wrong with an answer (never echoing it).
    struct Problem: Error {
        var message: String
    }

    /// The stored form of an answer, or what is wrong with it.
    func normalise(_ value: JSONValue) -> Result<String, Problem> {
        switch kind {
        case .scale:
            let n = value.intValue ?? value.stringValue.flatMap { Int64($0.trimmingSpaces) }
            guard let n, (1...5).contains(n) else { return .failure(Problem(message: "must be a whole number from 1 to 5")) }
            return .success(String(n))
        case .yesNo:
            if let b = value.boolValue { return .success(b ? "yes" : "no") }
            guard let s = value.stringValue, let b = Contact.yesNo(s) else { return .failure(Problem(message: "must be yes or no")) }
            return .success(b ? "yes" : "no")
        case .singleChoice:
            guard let s = value.stringValue?.trimmingSpaces,
                  let option = options.first(where: { $0.lowercased() == s.lowercased() }) else {
                return .failure(Problem(message: "must be one of: \(options.joined(separator: " | "))"))
            }
            return .success(option)
        case .freeText:
            guard let s = value.stringValue?.trimmingSpaces, !s.isEmpty else { return .failure(Problem(message: "must be text")) }
            guard s.count <= Question.maxFreeText else { return .failure(Problem(message: "must be at most \(Question.maxFreeText) characters")) }
            return .success(s)
        }
    }

    var json: JSONValue {
        var o: [String: JSONValue] = ["question": .int(Int64(position)), "kind": .string(kind.rawValue), "text": .string(text),
                                      "required": .bool(required)]
        if kind == .singleChoice { o["options"] = .array(options.map { .string($0) }) }
        return .object(o)
    }

    static func all(_ db: Database, questionnaire: Int64) throws -> [Question] {
        try Row.fetchAll(db, sql: "SELECT * FROM questions WHERE questionnaire_id = ? ORDER BY position", arguments: [questionnaire])
            .map(Question.init(row:))
    }
}

/// A questionnaire's stored settings.
struct Questionnaire {
    typealias Audience = QuestionnaireAudience

    var id: Int64
    var title: String
    var anonymous: Bool
    var audience: Audience
    var opens: LocalDate
    var closes: LocalDate
    var message: String?
    /// The questionnaire this one repeats (its earlier round), if any.
    var repeats: Int64?

    init(row: Row) {
        id = row["id"]
        title = row["title"]
        anonymous = row["anonymous"]
        audience = Audience(rawValue: row["audience"]) ?? .ehcPlan
        opens = LocalDate(iso: row["opens"]) ?? LocalDate(year: 2000, month: 1, day: 1)!
        closes = LocalDate(iso: row["closes"]) ?? LocalDate(year: 2000, month: 1, day: 1)!
        message = row["message"]
        repeats = row["repeats"]
    }

    static func load(_ db: Database, _ id: Int64?) throws -> Questionnaire {
        guard let id, let row = try Row.fetchOne(db, sql: "SELECT * FROM questionnaires WHERE id = ?", arguments: [id]) else {
            throw ServiceError.notFound("questionnaire \(id ?? 0)")
        }
        return Questionnaire(row: row)
    }

    func state(today: LocalDate) -> String {
        today < opens ? "not_open" : today > closes ? "closed" : "open"
    }

    /// SQL over `families f`: the family is in the audience.
    var audienceSQL: String { audience.sql }
}

/// `questionnaires.create`, `.list`, `.show`.
enum Questionnaires {
    static func create(_ ctx: CommsChange) throws -> JSONValue {
        let v = ctx.validator()
        let title = v.string("title", maxLength: 200)
        let anonymous = v.bool("anonymous", required: false) ?? false
        let audience = v.oneOf("audience", Questionnaire.Audience.self, required: false) ?? .ehcPlan
        let opens = v.date("opens", required: false) ?? ctx.today
        let closes = v.date("closes")
        let message = v.string("message", required: false, maxLength: 4000)
        let repeats = v.int("repeats", required: false, range: 1...Int64.max)
        var questions: [Question] = []
        if let items = v.objects("questions") {
            if items.isEmpty { v.fail("questions", "must have at least one question") }
            if items.count > 50 { v.fail("questions", "must have at most 50 questions") }
            for (i, q) in items.enumerated() {
                let kind = q.oneOf("kind", QuestionKind.self)
                let text = q.string("text", maxLength: 1000)
                let required = q.bool("required", required: false) ?? false
                var options: [String] = []
                if kind == .singleChoice {
                    options = q.stringArray("options", minCount: 2, maxLength: 200) ?? []
                    if options.count > 20 { q.fail("options", "must have at most 20 options") }
                    if Set(options.map { $0.lowercased() }).count != options.count { q.fail("options", "must be different from each other") }
                } else if q.has("options") {
                    q.fail("options", "only a single_choice question has options")
                }
                if let kind, let text { questions.append(Question(position: i + 1, kind: kind, text: text, options: options, required: required)) }
            }
        }
        if let closes {
            if closes < opens { v.fail("closes", "must be on or after opens (\(opens))") }
            if closes < ctx.today { v.fail("closes", "is in the past (today is \(ctx.today))") }
        }
        try v.check()
        if let repeats, try Int64.fetchOne(ctx.db, sql: "SELECT id FROM questionnaires WHERE id = ?", arguments: [repeats]) == nil {
            throw ServiceError.invalid("repeats", "names questionnaire \(repeats), which does not exist: give the id of the earlier round "
                + "(sendctl questionnaires list); nothing was created")
        }
        try ctx.db.execute(sql: """
            INSERT INTO questionnaires(title, anonymous, audience, opens, closes, message, created_at, repeats) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [title, anonymous, audience.rawValue, opens.iso, closes?.iso, message, ctx.now.description, repeats])
        let id = ctx.db.lastInsertedRowID
        for q in questions {
            let options: String? = q.kind == .singleChoice ? JSONValue.array(q.options.map { .string($0) }).jsonString : nil
            try ctx.db.execute(sql: "INSERT INTO questions(questionnaire_id, position, kind, text, options, required) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [id, q.position, q.kind.rawValue, q.text, options, q.required])
        }
        try ctx.emit(QuestionnaireCreated(questionnaireID: id, title: title ?? "", anonymous: anonymous, audience: audience,
                                          questions: questions.count, opens: opens, closes: closes, repeats: repeats))
        return ["questionnaire_id": .int(id), "state": .string(Questionnaire(row: try Row.fetchOne(ctx.db,
            sql: "SELECT * FROM questionnaires WHERE id = ?", arguments: [id])!).state(today: ctx.today))]
    }

    static func summary(_ db: Database, _ q: Questionnaire, today: LocalDate) throws -> [String: JSONValue] {
        let counts = try Row.fetchOne(db, sql: "SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM recipients WHERE questionnaire_id = ?",
                                      arguments: [q.id])!
        let questions = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM questions WHERE questionnaire_id = ?", arguments: [q.id]) ?? 0
        return [
            "questionnaire_id": .int(q.id), "title": .string(q.title), "anonymous": .bool(q.anonymous),
            "audience": .string(q.audience.rawValue), "opens": .string(q.opens.iso), "closes": .string(q.closes.iso),
            "state": .string(q.state(today: today)), "questions": .int(questions),
            "recipients": .int(counts[0]), "answered": .int(counts[1]),
            "repeats": q.repeats.map { .int($0) } ?? .null,
        ]
    }

    static let list: @Sendable (ReadContext) throws -> JSONValue = { ctx in
        let rows = try Row.fetchAll(ctx.db, sql: "SELECT * FROM questionnaires ORDER BY id")
        return ["questionnaires": .array(try rows.map { .object(try summary(ctx.db, Questionnaire(row: $0), today: ctx.today)) })]
    }

    static let show: @Sendable (ReadContext) throws -> JSONValue = { ctx in
        let v = ctx.validator()
        let id = v.int("questionnaire_id", range: 1...Int64.max)
        try v.check()
        let q = try Questionnaire.load(ctx.db, id)
        var o = try summary(ctx.db, q, today: ctx.today)
        o["message"] = JSONValue(q.message)
        o["question_list"] = .array(try Question.all(ctx.db, questionnaire: q.id).map(\.json))
        o["dispatches"] = .array(try Row.fetchAll(ctx.db, sql: "SELECT * FROM dispatches WHERE questionnaire_id = ? ORDER BY id",
                                                  arguments: [q.id]).map { row in
            var d = Dispatches.identity(row)
            d["queued"] = .int(row["queued"])
            d["pending"] = .int(row["pending"])
            d["created_at"] = .string(row["created_at"])
            d["completed_at"] = JSONValue(row["completed_at"] as String?)
            return .object(d)
        })
        return .object(o)
    }
}

extension QuestionnaireAudience {
    /// SQL over `families f`: the family is in the audience (never a web enquirer, never an erased
    /// family: it has no children left, and `all` leaves it out).
    var sql: String {
        switch self {
        case .ehcPlan: "f.kind = 'family' AND EXISTS (SELECT 1 FROM children c WHERE c.family_ref = f.family_ref AND c.ehc_plan = 1)"
        case .all: "f.kind = 'family' AND f.erased_at IS NULL"
        }
    }
}
