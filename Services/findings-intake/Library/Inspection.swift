import GRDB
public import SendModel

/// What describes an inspection, as given by a client or a report file (the deadlines are derived).
public struct InspectionInput: Sendable, Hashable {
    public var inspectionID: String
    public var localArea: String
    public var inspectorates: [Inspectorate]
    public var framework: Framework
    public var visitStart: LocalDate
    public var visitEnd: LocalDate
    public var published: LocalDate
    public var outcome: Outcome
    public var notes: String?

    static let keys = ["inspection_id", "local_area", "inspectorates", "framework", "visit_start", "visit_end",
                       "published", "outcome"]

    /// Reads the fields of an inspection from `v` (top level of `inspections.add`, or `inspection` of a report),
    /// collecting every bad one. `notes` is read by the caller (its place differs).
    static func read(_ v: Validator, notes: String?) -> InspectionInput? {
        let givenID = Fields.id("inspection_id", in: v, required: false)
        let localArea = Fields.line("local_area", in: v, maxLength: 120)
        let inspectorates = v.has("inspectorates")
            ? Fields.oneOfEach("inspectorates", Inspectorate.self, in: v, required: true, minCount: 1)
            : Inspectorate.allCases
        let framework = v.oneOf("framework", Framework.self)
        let visitStart = v.date("visit_start")
        let visitEnd = v.date("visit_end")
        let published = v.date("published")
        let outcomeText = v.string("outcome")
        var outcome: Outcome?
        if let outcomeText {
            if let framework {
                outcome = framework.outcomes.first { $0.rawValue == outcomeText }
                if outcome == nil {
                    v.fail("outcome", "'\(outcomeText)' is not an outcome of the \(framework.rawValue) framework; "
                        + "expected one of \(framework.outcomes.map(\.rawValue).joined(separator: ", "))")
                }
            } else if Outcome(rawValue: outcomeText) == nil {
                v.fail("outcome", "'\(outcomeText)' is not one of \(Outcome.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if let visitStart, let visitEnd, visitEnd < visitStart {
            v.fail("visit_end", "\(visitEnd) is before visit_start \(visitStart)")
        }
        if let visitEnd, let published, published < visitEnd {
            v.fail("published", "\(published) is before the end of the visit (\(visitEnd))")
        }
        guard let localArea, let inspectorates, let framework, let visitStart, let visitEnd, let published, let outcome
        else { return nil }
        return InspectionInput(
            inspectionID: givenID ?? Identifiers.inspectionID(localArea: localArea, visitStart: visitStart),
            localArea: localArea, inspectorates: Fields.canonical(inspectorates), framework: framework,
            visitStart: visitStart, visitEnd: visitEnd, published: published, outcome: outcome, notes: notes)
    }

    /// The fields that differ from `other`, each as (wire name, this value, other value).
    func differences(from other: InspectionInput) -> [(field: String, mine: String, theirs: String)] {
        var out: [(String, String, String)] = []
        func compare(_ field: String, _ a: String?, _ b: String?) {
            if a != b { out.append((field, Fields.quote(a), Fields.quote(b))) }
        }
        compare("local_area", localArea, other.localArea)
        compare("inspectorates", inspectorates.map(\.rawValue).joined(separator: ","), other.inspectorates.map(\.rawValue).joined(separator: ","))
        compare("framework", framework.rawValue, other.framework.rawValue)
        compare("visit_start", visitStart.iso, other.visitStart.iso)
        compare("visit_end", visitEnd.iso, other.visitEnd.iso)
        compare("published", published.iso, other.published.iso)
        compare("outcome", outcome.rawValue, other.outcome.rawValue)
        compare("notes", notes, other.notes)
        return out
    }
}

/// A recorded inspection with its deadlines.
public struct Inspection: Sendable, Hashable {
    public var input: InspectionInput
    public var deadlines: Deadlines
    public var recordedAt: String

    public var id: String { input.inspectionID }

    init(row: Row) {
        func date(_ column: String) -> LocalDate? { (row[column] as String?).flatMap { LocalDate(iso: $0) } }
        input = InspectionInput(
            inspectionID: row["id"], localArea: row["local_area"],
            inspectorates: Fields.stringArray(row["inspectorates"]).compactMap(Inspectorate.init(rawValue:)),
            framework: Framework(rawValue: row["framework"]) ?? .framework2016,
            visitStart: date("visit_start")!, visitEnd: date("visit_end")!, published: date("published")!,
            outcome: Outcome(rawValue: row["outcome"]) ?? .wsoaRequired, notes: row["notes"])
        deadlines = Deadlines(wsoaDue: date("wsoa_due"), papDue: date("pap_due"), monitoringExpected: date("monitoring_expected"),
                              revisitWindowStart: date("revisit_window_start"), revisitWindowEnd: date("revisit_window_end"))
        recordedAt = row["recorded_at"]
    }

    init(input: InspectionInput, deadlines: Deadlines, recordedAt: String) {
        self.input = input
        self.deadlines = deadlines
        self.recordedAt = recordedAt
    }

    /// The full form, as `inspections.show` and `inspections.list` return it.
    public var json: JSONValue {
        [
            "inspection_id": .string(id),
            "local_area": .string(input.localArea),
            "inspectorates": .array(input.inspectorates.map { .string($0.rawValue) }),
            "framework": .string(input.framework.rawValue),
            "visit_start": .string(input.visitStart.iso),
            "visit_end": .string(input.visitEnd.iso),
            "published": .string(input.published.iso),
            "outcome": .string(input.outcome.rawValue),
            "deadlines": deadlines.json,
            "notes": JSONValue(input.notes),
            "recorded_at": .string(recordedAt),
        ]
    }

    /// The `inspection.recorded` event (DESIGN: ids, dates and outcomes; no personal data).
    var recordedEvent: InspectionRecorded {
        InspectionRecorded(inspectionID: id, localArea: input.localArea, framework: input.framework, outcome: input.outcome,
                           published: input.published,
                           deadlines: deadlines)
    }
}
