import GRDB
public import SendModel

/// What describes a finding, as given by a client or a report file.
public struct FindingInput: Sendable, Hashable {
    /// The id given, or nil to derive one.
    public var findingID: String?
    public var kind: FindingKind
    public var theme: String
    public var summary: String
    public var evidence: [String]
    public var bodies: [Body]

    static let keys = ["finding_id", "kind", "theme", "summary", "evidence", "bodies"]
    static let maxSummary = 300
    static let maxTheme = 80
    static let maxEvidence = 4000

    /// Reads one finding, collecting every bad field. `framework`, when known, restricts the kinds.
    static func read(_ v: Validator, framework: Framework?) -> FindingInput? {
        let id = Fields.id("finding_id", in: v, required: false)
        var kind = v.oneOf("kind", FindingKind.self)
        if let k = kind, let framework, !framework.kinds.contains(k) {
            v.fail("kind", "'\(k.rawValue)' is not a kind of the \(framework.rawValue) framework; "
                + "expected one of \(framework.kinds.map(\.rawValue).joined(separator: ", "))")
            kind = nil
        }
        let theme = Fields.line("theme", in: v, maxLength: maxTheme)
        let summary = Fields.line("summary", in: v, maxLength: maxSummary)
        let evidence = v.has("evidence") ? v.stringArray("evidence", maxLength: maxEvidence) : []
        let bodies = Fields.oneOfEach("bodies", Body.self, in: v, required: true, minCount: 1)
        guard let kind, let theme, let summary, let evidence, let bodies else { return nil }
        return FindingInput(findingID: id, kind: kind, theme: theme, summary: summary, evidence: evidence,
                            bodies: Fields.canonical(bodies))
    }

    /// The fields that differ from a recorded finding, by wire name.
    func differences(from f: Finding) -> [(field: String, mine: String, theirs: String)] {
        var out: [(String, String, String)] = []
        func compare(_ field: String, _ a: String, _ b: String) {
            if a != b { out.append((field, Fields.quote(a), Fields.quote(b))) }
        }
        compare("kind", kind.rawValue, f.kind.rawValue)
        compare("theme", theme, f.theme)
        compare("summary", summary, f.summary)
        compare("evidence", Fields.jsonText(evidence), Fields.jsonText(f.evidence))
        compare("bodies", bodies.map(\.rawValue).joined(separator: ","), f.bodies.map(\.rawValue).joined(separator: ","))
        return out
    }
}

/// How a finding came to be recorded.
enum FindingSource: String {
    /// From a report file (`findings.import`).
    case `import`
    /// One at a time (`findings.add`).
    case add
    /// Carried into a plan after a revisit judged it without sufficient progress.
    case carried
}

/// A recorded finding, with its judgement and where it was carried, when it has them.
public struct Finding: Sendable, Hashable {
    public var id: String
    public var inspectionID: String
    public var kind: FindingKind
    public var theme: String
    public var summary: String
    public var evidence: [String]
    public var bodies: [Body]
    /// The plan it was carried into (nil for the report's own findings).
    public var planID: String?
    public var carriedFrom: String?
    var source: String
    public var recordedAt: String
    public var judgement: RecordedJudgement?
    /// The finding that carries this one into a plan, when it was judged without sufficient progress.
    public var carriedTo: String?

    /// Reads a row of `FindingStore.selectSQL`.
    init(row: Row) {
        id = row["id"]
        inspectionID = row["inspection_id"]
        kind = FindingKind(rawValue: row["kind"]) ?? .strength
        theme = row["theme"]
        summary = row["summary"]
        evidence = Fields.stringArray(row["evidence"])
        bodies = Fields.stringArray(row["bodies"]).compactMap(Body.init(rawValue:))
        planID = row["plan_id"]
        carriedFrom = row["carried_from"]
        source = row["source"]
        recordedAt = row["recorded_at"]
        if let j: String = row["judgement"], let judgement = Judgement(rawValue: j), let date = LocalDate(iso: row["judged_on"]) {
            self.judgement = RecordedJudgement(judgement: judgement, date: date, note: row["judgement_note"], recordedAt: row["judged_at"])
        }
        carriedTo = row["carried_to"]
    }

    public var json: JSONValue {
        [
            "finding_id": .string(id),
            "inspection_id": .string(inspectionID),
            "kind": .string(kind.rawValue),
            "theme": .string(theme),
            "summary": .string(summary),
            "evidence": .array(evidence.map { .string($0) }),
            "bodies": .array(bodies.map { .string($0.rawValue) }),
            "plan_id": JSONValue(planID),
            "carried_from": JSONValue(carriedFrom),
            "carried_to": JSONValue(carriedTo),
            "judgement": judgement?.json ?? .null,
            "recorded_at": .string(recordedAt),
        ]
    }

    /// The `finding.recorded` event: the report's public wording, ids and kinds, no personal data.
    var recordedEvent: FindingRecorded {
        FindingRecorded(findingID: id, inspectionID: inspectionID, kind: kind, theme: theme, summary: summary, bodies: bodies,
                        carriedFrom: carriedFrom)
    }
}

/// The judgement recorded for a finding.
public struct RecordedJudgement: Sendable, Hashable {
    public var judgement: Judgement
    public var date: LocalDate
    public var note: String?
    public var recordedAt: String

    public var json: JSONValue {
        ["judgement": .string(judgement.rawValue), "date": .string(date.iso), "note": JSONValue(note), "recorded_at": .string(recordedAt)]
    }
}

/// A plan that weaknesses were carried into after a revisit.
public struct Plan: Sendable, Hashable {
    public var id: String
    public var inspectionID: String
    public var kind: PlanKind
    public var round: Int
    /// The date of the judgements that opened it.
    public var opened: LocalDate
    /// For an accelerated progress plan: the progress review, about 6 months after the revisit.
    public var reviewExpected: LocalDate?

    init(row: Row) {
        id = row["id"]
        inspectionID = row["inspection_id"]
        kind = PlanKind(rawValue: row["kind"]) ?? .acceleratedProgressPlan
        round = row["round"]
        opened = LocalDate(iso: row["opened"])!
        reviewExpected = (row["review_expected"] as String?).flatMap { LocalDate(iso: $0) }
    }

    init(id: String, inspectionID: String, kind: PlanKind, round: Int, opened: LocalDate, reviewExpected: LocalDate?) {
        self.id = id
        self.inspectionID = inspectionID
        self.kind = kind
        self.round = round
        self.opened = opened
        self.reviewExpected = reviewExpected
    }

    public var json: JSONValue {
        ["plan_id": .string(id), "inspection_id": .string(inspectionID), "plan_kind": .string(kind.rawValue),
         "round": .int(Int64(round)), "opened": .string(opened.iso), "review_expected": JSONValue(reviewExpected?.iso)]
    }
}
