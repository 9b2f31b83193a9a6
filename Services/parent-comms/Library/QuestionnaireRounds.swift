import GRDB
import SendModel
import SendRuntime

/// Issue 18: a questionnaire repeating an earlier one (`repeats`), each repeated question against
/// the earlier rounds, and the split by families with an EHC plan and with SEN support only.
///
/// A repeated question is one whose text (spaces and case aside) and kind are the same as a
/// question of the round it repeats. Its figure per round is its headline answer: "yes" for a yes/no
/// question, 4 or 5 for a scale, the first option for a single choice. Every figure obeys the
/// small-group rule (`SmallGroup.smallest`): a group of fewer responses shows no count and no rate.
///
/// The split reads the support group recorded with each reply when it was given (`responses.support_group`,
/// `anonymous_answers.support_group`), never the family: an anonymous reply stays unlinked.
enum QuestionnaireRounds {
    /// At most this many earlier rounds are followed back.
    static let maxRounds = 20

    static func notShown(_ n: Int = SmallGroup.smallest) -> String { "fewer than \(n) responses: not shown" }

    /// The family's support group now, for recording with its reply: an EHC plan when any child has
    /// one; SEN support when a child without a plan has SEN support (stated, or by default); else none.
    static func group(_ db: Database, familyID: Int64) throws -> SupportGroup? {
        try String.fetchOne(db, sql: """
            SELECT CASE
                WHEN EXISTS (SELECT 1 FROM children c WHERE c.family_ref = f.family_ref AND c.ehc_plan = 1) THEN 'ehc_plan'
                WHEN EXISTS (SELECT 1 FROM children c WHERE c.family_ref = f.family_ref AND c.ehc_plan = 0
                             AND COALESCE(c.support, 'sen_support') = 'sen_support') THEN 'sen_support'
            END FROM families f WHERE f.id = ?
            """, arguments: [familyID]).flatMap(SupportGroup.init(rawValue:))
    }

    /// The answers a headline counts, and how it is said.
    static func headline(_ q: Question) -> (values: Set<String>, label: String)? {
        switch q.kind {
        case .yesNo: return (["yes"], "answering yes")
        case .scale: return (["4", "5"], "answering 4 or 5 out of 5")
        case .singleChoice:
            guard let first = q.options.first else { return nil }
            return ([first], "answering “\(first)”")
        case .freeText: return nil
        }
    }

    /// How many answered a question and how many gave its headline answer, overall and per group.
    struct Tally {
        var answered = 0, hits = 0
        var byGroup: [SupportGroup: (answered: Int, hits: Int)] = [:]
    }

    static func tally(_ db: Database, _ q: Questionnaire, _ question: Question, values: Set<String>) throws -> Tally {
        let sql = q.anonymous
            ? "SELECT value, support_group FROM anonymous_answers WHERE questionnaire_id = ?1 AND position = ?2"
            : """
              SELECT a.value, r.support_group FROM answers a JOIN responses r ON r.id = a.response_id
              WHERE r.questionnaire_id = ?1 AND a.position = ?2
              UNION ALL SELECT value, support_group FROM anonymous_answers WHERE questionnaire_id = ?1 AND position = ?2
              """
        var t = Tally()
        for row in try Row.fetchAll(db, sql: "SELECT value, support_group, COUNT(*) FROM (\(sql)) GROUP BY 1, 2",
                                    arguments: [q.id, question.position]) {
            let value: String = row[0], n: Int = row[2]
            let hit = values.contains(value) ? n : 0
            t.answered += n
            t.hits += hit
            if let g = (row[1] as String?).flatMap(SupportGroup.init(rawValue:)) {
                let before = t.byGroup[g] ?? (0, 0)
                t.byGroup[g] = (before.answered + n, before.hits + hit)
            }
        }
        return t
    }

    /// One group's figure: the count and rate, or only that it is too small to show.
    static func figure(answered: Int, hits: Int) -> JSONValue {
        guard answered >= SmallGroup.smallest else { return ["shown": false, "note": .string(notShown())] }
        return ["shown": true, "answered": .int(Int64(answered)), "count": .int(Int64(hits)),
                "rate": .double((Double(hits) / Double(answered) * 1000).rounded() / 1000)]
    }

    /// "19% (12 of 63)", or nil when not shown.
    static func words(_ figure: JSONValue) -> String? {
        guard figure["shown"]?.boolValue == true, let rate = figure["rate"]?.doubleValue else { return nil }
        let p: Double = (rate * 1000).rounded() / 10
        let percent: String = p == p.rounded() ? String(Int(p)) : String(p)
        let count: Int64 = figure["count"]?.intValue ?? 0
        let answered: Int64 = figure["answered"]?.intValue ?? 0
        return "\(percent)% (\(count) of \(answered))"
    }

    /// The split of one question's headline: both groups' figures, or a sentence saying why not.
    static func split(_ t: Tally) -> JSONValue {
        let ehc = t.byGroup[.ehcPlan] ?? (0, 0), sen = t.byGroup[.senSupport] ?? (0, 0)
        var small: [String] = []
        if ehc.answered < SmallGroup.smallest { small.append("families with an EHC plan") }
        if sen.answered < SmallGroup.smallest { small.append("families with SEN support") }
        guard small.isEmpty else {
            return ["shown": false, "note": .string("Not split by EHC plan and SEN support: fewer than \(SmallGroup.smallest) responses from "
                + small.joined(separator: " and from ") + ", so the split is not shown.")]
        }
        return ["shown": true, "ehc_plan": figure(answered: ehc.answered, hits: ehc.hits),
                "sen_support": figure(answered: sen.answered, hits: sen.hits)]
    }

    /// "March 2026": the month a round opened.
    static func roundName(_ q: Questionnaire) -> String {
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        return "\(months[q.opens.month - 1]) \(q.opens.year)"
    }

    static func normalised(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).joined(separator: " ")
    }

    /// The rounds this one repeats, nearest first (this one not included).
    static func earlierRounds(_ db: Database, _ q: Questionnaire) throws -> [Questionnaire] {
        var rounds: [Questionnaire] = []
        var next = q.repeats
        while let id = next, rounds.count < maxRounds, !rounds.contains(where: { $0.id == id }), id != q.id {
            let earlier = try Questionnaire.load(db, id)
            rounds.append(earlier)
            next = earlier.repeats
        }
        return rounds
    }

    /// `questions` of the results, with each headline and its split; `comparison` when it repeats one.
    static func annotate(_ db: Database, _ q: Questionnaire, questions: [Question], results: inout [JSONValue]) throws -> JSONValue? {
        for (i, question) in questions.enumerated() {
            guard let h = headline(question), var o = results[i].objectValue else { continue }
            let t = try tally(db, q, question, values: h.values)
            o["headline"] = .string(h.label)
            o["headline_figure"] = figure(answered: t.answered, hits: t.hits)
            o["split"] = split(t)
            results[i] = .object(o)
        }
        let earlier = try earlierRounds(db, q)
        guard let previous = earlier.first else { return nil }
        let rounds = [q] + earlier
        let questionsByRound = try rounds.map { try Question.all(db, questionnaire: $0.id) }
        var compared: [JSONValue] = []
        for question in questions {
            guard let h = headline(question) else { continue }
            let key = normalised(question.text)
            let matches = questionsByRound.map { $0.first { $0.kind == question.kind && normalised($0.text) == key } }
            guard matches[1] != nil else { continue }
            var perRound: [JSONValue] = []
            var figures: [JSONValue?] = []
            for (round, match) in zip(rounds, matches) {
                var o: [String: JSONValue] = ["questionnaire_id": .int(round.id), "round": .string(roundName(round))]
                if let match, let mh = headline(match) {
                    let t = try tally(db, round, match, values: mh.values)
                    let fig = figure(answered: t.answered, hits: t.hits)
                    o["question"] = .int(Int64(match.position))
                    o["figure"] = fig
                    o["split"] = split(t)
                    figures.append(fig)
                } else {
                    o["question"] = .null
                    o["figure"] = ["shown": false, "note": "not asked in this round"]
                    figures.append(nil)
                }
                perRound.append(.object(o))
            }
            let this = figures[0].flatMap(words).map { "\($0) this round" } ?? "\(notShown()) this round"
            let before = figures[1].flatMap(words).map { "\($0) in the round of \(roundName(previous))" }
                ?? "\(notShown()) in the round of \(roundName(previous))"
            compared.append([
                "question": .int(Int64(question.position)), "text": .string(question.text), "kind": .string(question.kind.rawValue),
                "headline": .string(h.label), "earlier_question": .int(Int64(matches[1]!.position)),
                "this_round": perRound[0]["figure"] ?? .null, "earlier_round": perRound[1]["figure"] ?? .null,
                // Oldest first, this round last: the trend.
                "rounds": .array(Array(perRound.reversed())),
                "summary": .string("Question \(question.position), \(question.text) — \(h.label): \(this), \(before)."),
            ])
        }
        return [
            "repeats": .int(previous.id),
            "earlier": ["questionnaire_id": .int(previous.id), "title": .string(previous.title), "opens": .string(previous.opens.iso),
                        "round": .string(roundName(previous))],
            "rounds": .array(Array(rounds.reversed()).map { ["questionnaire_id": .int($0.id), "title": .string($0.title),
                                                      "opens": .string($0.opens.iso), "round": .string(roundName($0))] }),
            "questions": .array(compared),
        ]
    }
}

extension CommsSchema {
    /// Issue 18: a questionnaire may repeat an earlier one; a child's support (the CSV's `support`,
    /// NULL when not given: then its `ehc_plan` decides); each reply keeps the support group its
    /// family had when it answered, so the split never needs the family.
    static func registerQuestionnaireRounds(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("comms-v6-questionnaire-rounds") { db in
            try db.execute(sql: """
                ALTER TABLE questionnaires ADD COLUMN repeats INTEGER REFERENCES questionnaires(id);
                ALTER TABLE children ADD COLUMN support TEXT CHECK (support IN ('ehc_plan', 'sen_support', 'none'));
                ALTER TABLE responses ADD COLUMN support_group TEXT CHECK (support_group IN ('ehc_plan', 'sen_support'));
                ALTER TABLE anonymous_answers ADD COLUMN support_group TEXT CHECK (support_group IN ('ehc_plan', 'sen_support'));
                """)
        }
    }
}
