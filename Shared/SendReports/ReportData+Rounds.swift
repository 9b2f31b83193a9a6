public import SendModel

extension ReportData {
    /// One group's figure for a question's headline answer; `answered` nil when the small-group rule
    /// withholds it (then `note` says so).
    public struct Figure: Sendable {
        public var answered: Int?
        public var count: Int?
        public var note: String?

        public init(answered: Int? = nil, count: Int? = nil, note: String? = nil) {
            self.answered = answered
            self.count = count
            self.note = note
        }

        /// 0…1, when shown.
        public var rate: Double? {
            guard let answered, let count, answered > 0 else { return nil }
            return Double(count) / Double(answered)
        }
    }

    /// A question's headline split by families with an EHC plan and with SEN support, or why not.
    public struct Split: Sendable {
        public var question: Int
        public var text: String
        /// "answering yes".
        public var headline: String
        public var ehcPlan: Figure?
        public var senSupport: Figure?
        /// Why the split is not shown, when it is not.
        public var note: String?

        public init(question: Int, text: String, headline: String, ehcPlan: Figure? = nil, senSupport: Figure? = nil, note: String? = nil) {
            self.question = question
            self.text = text
            self.headline = headline
            self.ehcPlan = ehcPlan
            self.senSupport = senSupport
            self.note = note
        }
    }

    /// A questionnaire that repeats earlier ones: each question asked again, per round.
    public struct Comparison: Sendable {
        /// Oldest first, this round last.
        public var rounds: [Round]
        public var questions: [ComparedQuestion]

        public init(rounds: [Round], questions: [ComparedQuestion]) {
            self.rounds = rounds
            self.questions = questions
        }
    }

    public struct Round: Sendable {
        public var questionnaireID: Int64
        public var title: String
        /// "March 2026": the month it opened.
        public var name: String

        public init(questionnaireID: Int64, title: String, name: String) {
            self.questionnaireID = questionnaireID
            self.title = title
            self.name = name
        }
    }

    public struct ComparedQuestion: Sendable {
        public var number: Int
        public var text: String
        public var headline: String
        /// Per round, in `Comparison.rounds` order.
        public var figures: [Figure]

        public init(number: Int, text: String, headline: String, figures: [Figure]) {
            self.number = number
            self.text = text
            self.headline = headline
            self.figures = figures
        }
    }
}

extension ReportFetcher {
    static func figure(_ f: JSONValue?) -> ReportData.Figure {
        guard let f, f["shown"]?.boolValue == true else {
            return ReportData.Figure(note: f?["note"]?.stringValue ?? "fewer than \(SmallGroup.smallest) responses: not shown")
        }
        return ReportData.Figure(answered: int(f["answered"]), count: int(f["count"]))
    }

    /// Each question's split, from `questionnaires.results`.
    public static func splits(_ r: JSONValue) -> [ReportData.Split] {
        (r["questions"]?.arrayValue ?? []).compactMap { q in
            guard let s = q["split"], let number = q["question"]?.intValue else { return nil }
            var split = ReportData.Split(question: Int(number), text: q["text"]?.stringValue ?? "", headline: q["headline"]?.stringValue ?? "")
            if s["shown"]?.boolValue == true {
                split.ehcPlan = figure(s["ehc_plan"])
                split.senSupport = figure(s["sen_support"])
            } else {
                split.note = s["note"]?.stringValue ?? "Not split by EHC plan and SEN support: a group is too small."
            }
            return split
        }
    }

    /// The comparison with earlier rounds, from `questionnaires.results`, when it repeats one.
    public static func comparison(_ r: JSONValue) -> ReportData.Comparison? {
        guard let c = r["comparison"], let rounds = c["rounds"]?.arrayValue, rounds.count > 1 else { return nil }
        return ReportData.Comparison(
            rounds: rounds.map { ReportData.Round(questionnaireID: $0["questionnaire_id"]?.intValue ?? 0, title: $0["title"]?.stringValue ?? "",
                                                  name: $0["round"]?.stringValue ?? "") },
            questions: (c["questions"]?.arrayValue ?? []).map { q in
                ReportData.ComparedQuestion(number: int(q["question"]), text: q["text"]?.stringValue ?? "", headline: q["headline"]?.stringValue ?? "",
                                            figures: (q["rounds"]?.arrayValue ?? []).map { figure($0["figure"]) })
            })
    }
}
