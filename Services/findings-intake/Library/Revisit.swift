import GRDB
public import SendModel

/// The revisit: the inspectors judge each weakness; those without sufficient progress are
/// carried into a new plan as new findings that link back. Nothing recorded is rewritten.
public enum Revisit {
    /// Months from a revisit to the accelerated progress plan's progress review (DOMAIN.md: "about 6 months later").
    public static let progressReviewMonths = 6

    /// `findings.judge`: one weakness.
    public static func judge(_ args: JSONValue, _ change: Change) throws -> JSONValue {
        let v = Validator(args)
        Fields.rejectUnknown(args, allowed: ["finding_id", "judgement", "date", "note"], path: "", in: v)
        let findingID = Fields.id("finding_id", in: v, required: true)
        let judgement = v.oneOf("judgement", Judgement.self)
        let date = v.date("date")
        let note = v.string("note", required: false, maxLength: 2000)
        try v.check()
        guard let findingID, let judgement, let date else { throw ServiceError(.internal, "the judgement was not read completely") }
        guard let finding = try FindingStore.finding(change.db, id: findingID) else {
            throw ServiceError(.notFound, "finding \(findingID) not found", field: "finding_id")
        }
        let outcome = try apply(finding, judgement, date: date, note: note, path: "", change)
        return outcome.json
    }

    /// `revisit.record`: every judgement of one revisit letter, all or nothing.
    public static func record(_ args: JSONValue, _ change: Change) throws -> JSONValue {
        let v = Validator(args)
        Fields.rejectUnknown(args, allowed: ["inspection_id", "date", "judgements"], path: "", in: v)
        let inspectionID = Fields.id("inspection_id", in: v, required: true)
        let date = v.date("date")
        var items: [(index: Int, findingID: String, judgement: Judgement, note: String?)] = []
        if let validators = v.objects("judgements") {
            let raw = args["judgements"]?.arrayValue ?? []
            if raw.isEmpty { v.fail("judgements", "must list at least one judgement") }
            let objectIndexes = raw.indices.filter { raw[$0].objectValue != nil }
            var seen: [String: Int] = [:]
            for (index, jv) in zip(objectIndexes, validators) {
                Fields.rejectUnknown(raw[index], allowed: ["finding_id", "judgement", "note"], path: "judgements[\(index)]", in: v)
                let id = Fields.id("finding_id", in: jv, required: true)
                let judgement = jv.oneOf("judgement", Judgement.self)
                let note = jv.string("note", required: false, maxLength: 2000)
                guard let id, let judgement else { continue }
                if let other = seen[id] {
                    v.failAt("judgements[\(index)].finding_id", "\(id) is already judged in judgements[\(other)]")
                    continue
                }
                seen[id] = index
                items.append((index, id, judgement, note))
            }
        }
        try v.check()
        guard let inspectionID, let date else { throw ServiceError(.internal, "the revisit was not read completely") }
        guard try FindingStore.inspection(change.db, id: inspectionID) != nil else {
            throw ServiceError(.notFound, "inspection \(inspectionID) not found", field: "inspection_id")
        }
        // Name every finding that cannot be judged here before judging any.
        var problems: [FieldError] = []
        var findings: [String: Finding] = [:]
        for item in items {
            let path = "judgements[\(item.index)].finding_id"
            guard let f = try FindingStore.finding(change.db, id: item.findingID) else {
                problems.append(FieldError(field: path, message: "no finding \(item.findingID) is recorded"))
                continue
            }
            if f.inspectionID != inspectionID {
                problems.append(FieldError(field: path, message: "\(f.id) belongs to inspection \(f.inspectionID), not \(inspectionID)"))
            } else if !f.kind.isWeakness {
                problems.append(FieldError(field: path, message: "\(f.id) is a strength; only weaknesses are judged"))
            }
            findings[item.findingID] = f
        }
        if !problems.isEmpty { throw ServiceError.invalid(problems) }

        var outcomes: [Outcome] = []
        for item in items {
            // Re-read: an earlier judgement of this revisit may have carried it.
            let f = try FindingStore.finding(change.db, id: item.findingID) ?? findings[item.findingID]!
            outcomes.append(try apply(f, item.judgement, date: date, note: item.note, path: "judgements[\(item.index)].", change))
        }
        let carried = outcomes.compactMap(\.carried)
        return [
            "inspection_id": .string(inspectionID),
            "date": .string(date.iso),
            "judged": .int(Int64(outcomes.filter { !$0.unchanged }.count)),
            "unchanged": .int(Int64(outcomes.filter(\.unchanged).count)),
            "sufficient": .int(Int64(outcomes.filter { $0.judgement.judgement == .sufficient }.count)),
            "not_sufficient": .int(Int64(outcomes.filter { $0.judgement.judgement == .notSufficient }.count)),
            "carried_over": .array(carried.map(\.json)),
        ]
    }

    /// Where a weakness was carried.
    struct Carried {
        var findingID: String
        var newFindingID: String
        var planID: String
        var planKind: PlanKind

        var json: JSONValue {
            ["finding_id": .string(findingID), "new_finding_id": .string(newFindingID), "plan_id": .string(planID),
             "plan_kind": .string(planKind.rawValue)]
        }
    }

    struct Outcome {
        var findingID: String
        var inspectionID: String
        var judgement: RecordedJudgement
        var unchanged: Bool
        var carried: Carried?

        var json: JSONValue {
            ["finding_id": .string(findingID), "inspection_id": .string(inspectionID), "judgement": judgement.json,
             "unchanged": .bool(unchanged), "carried_over": carried?.json ?? .null]
        }
    }

    /// Records one judgement and, when not sufficient, carries the weakness into the next plan.
    /// `path` prefixes field names in errors (`judgements[2].`).
    static func apply(_ f: Finding, _ judgement: Judgement, date: LocalDate, note: String?, path: String,
                      _ change: Change) throws -> Outcome {
        let db = change.db
        guard f.kind.isWeakness else {
            throw ServiceError.invalid("\(path)finding_id", "\(f.id) is a strength; only weaknesses are judged")
        }
        if let existing = f.judgement {
            guard existing.judgement == judgement, existing.date == date, existing.note == note else {
                throw ServiceError(.conflict, "\(f.id) was already judged \(existing.judgement.rawValue) on \(existing.date); "
                    + "a judgement is never rewritten", field: "\(path)judgement")
            }
            var carried: Carried?
            if let to = f.carriedTo, let newFinding = try FindingStore.finding(db, id: to), let planID = newFinding.planID,
               let plan = try FindingStore.plan(db, id: planID) {
                carried = Carried(findingID: f.id, newFindingID: to, planID: planID, planKind: plan.kind)
            }
            return Outcome(findingID: f.id, inspectionID: f.inspectionID, judgement: existing, unchanged: true, carried: carried)
        }
        guard let inspection = try FindingStore.inspection(db, id: f.inspectionID) else {
            throw ServiceError(.internal, "finding \(f.id) names inspection \(f.inspectionID), which is not recorded")
        }
        let currentPlan = try f.planID.flatMap { try FindingStore.plan(db, id: $0) }
        let earliest = currentPlan?.opened ?? inspection.input.published
        guard date > earliest else {
            let what = currentPlan.map { "\(f.id) was carried into \($0.id) on \($0.opened)" }
                ?? "\(inspection.id) was published on \(inspection.input.published)"
            throw ServiceError.invalid("\(path)date", "\(date) is not after \(earliest): \(what)")
        }
        guard date <= change.today else {
            throw ServiceError.invalid("\(path)date", "\(date) is after today (\(change.today)); record a judgement once it is made")
        }
        try FindingStore.insertJudgement(db, findingID: f.id, judgement: judgement, date: date, note: note, at: change.stamp)
        change.emit(FindingJudged(findingID: f.id, inspectionID: f.inspectionID, judgement: judgement, date: date, summary: f.summary))
        let recordedJudgement = RecordedJudgement(judgement: judgement, date: date, note: note, recordedAt: change.stamp)
        guard judgement == .notSufficient else {
            return Outcome(findingID: f.id, inspectionID: f.inspectionID, judgement: recordedJudgement, unchanged: false, carried: nil)
        }

        let round = (currentPlan?.round ?? 0) + 1
        let plan: Plan
        if let existing = try FindingStore.plan(db, inspectionID: inspection.id, round: round) {
            plan = existing
        } else {
            let kind = inspection.input.framework.carryOverPlan
            plan = Plan(id: Identifiers.planID(inspectionID: inspection.id, kind: kind, round: round), inspectionID: inspection.id,
                        kind: kind, round: round, opened: date,
                        reviewExpected: kind == .acceleratedProgressPlan ? date.adding(months: progressReviewMonths) : nil)
            try FindingStore.insert(db, plan, at: change.stamp)
        }
        let newID = try FindingStore.nextCarriedID(db, planID: plan.id)
        let input = FindingInput(findingID: newID, kind: f.kind, theme: f.theme, summary: f.summary, evidence: f.evidence, bodies: f.bodies)
        let carried = try FindingStore.insertFinding(db, id: newID, inspectionID: inspection.id, input: input, source: .carried,
                                                     planID: plan.id, carriedFrom: f.id, at: change.stamp)
        change.emit(carried.recordedEvent)
        change.emit(FindingCarriedOver(findingID: f.id, newFindingID: newID, planID: plan.id, planKind: plan.kind, summary: f.summary))
        return Outcome(findingID: f.id, inspectionID: f.inspectionID, judgement: recordedJudgement, unchanged: false,
                       carried: Carried(findingID: f.id, newFindingID: newID, planID: plan.id, planKind: plan.kind))
    }
}
