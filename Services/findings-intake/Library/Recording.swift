import GRDB
public import SendModel

/// Recording inspections and findings: one at a time, or a whole report in one transaction.
public enum Recording {
    /// `findings.import`: a whole report, all or nothing.
    ///
    /// The same report again changes nothing (`"unchanged": true`). The same inspection id with
    /// different content is a `conflict` whose `details` name every differing field by its path
    /// in the file; nothing is recorded and nothing recorded is rewritten.
    public static func importReport(_ args: JSONValue, _ change: Change) throws -> JSONValue {
        let v = Validator(args)
        Fields.rejectUnknown(args, allowed: ["inspection", "findings", "notes"], path: "", in: v)
        let notes = v.string("notes", required: false, maxLength: 4000)
        var inspection: InspectionInput?
        if let iv = v.object("inspection") {
            Fields.rejectUnknown(args["inspection"], allowed: InspectionInput.keys, path: "inspection", in: v)
            inspection = InspectionInput.read(iv, notes: notes)
        }
        let framework = args["inspection"]?["framework"]?.stringValue.flatMap(Framework.init(rawValue:))

        // The findings, each with its index in the file (non-objects are reported by `objects`).
        var inputs: [(index: Int, input: FindingInput)] = []
        var parsedAll = true
        if let validators = v.objects("findings") {
            let raw = args["findings"]?.arrayValue ?? []
            if raw.isEmpty { v.fail("findings", "must list at least one finding") }
            let objectIndexes = raw.indices.filter { raw[$0].objectValue != nil }
            for (index, fv) in zip(objectIndexes, validators) {
                Fields.rejectUnknown(raw[index], allowed: FindingInput.keys, path: "findings[\(index)]", in: v)
                if let input = FindingInput.read(fv, framework: framework) { inputs.append((index, input)) } else { parsedAll = false }
            }
        }

        var ids: [Int: String] = [:]
        if let inspection {
            var firstByID: [String: Int] = [:]
            var firstByText: [String: Int] = [:]
            for (index, input) in inputs {
                let id = input.findingID ?? Identifiers.findingID(inspectionID: inspection.inspectionID, number: index + 1)
                ids[index] = id
                if let other = firstByID[id] {
                    v.failAt("findings[\(index)].finding_id", "'\(id)' is also the id of findings[\(other)]"
                        + (input.findingID == nil ? " (findings without finding_id are numbered by position)" : ""))
                } else { firstByID[id] = index }
                let text = "\(input.kind.rawValue)\u{0}\(input.summary)"
                if let other = firstByText[text] {
                    v.failAt("findings[\(index)].summary", "repeats findings[\(other)] (same kind and summary)")
                } else { firstByText[text] = index }
            }
        }
        var deadlines: Deadlines?
        if let inspection {
            do {
                deadlines = try Deadlines.compute(framework: inspection.framework, outcome: inspection.outcome,
                                                  published: inspection.published, papWorkingDays: change.settings.papWorkingDays,
                                                  field: "inspection.published")
            } catch { for d in error.details { v.failAt(d.field, d.message) } }
        }
        try v.check()
        guard let inspection, let deadlines, parsedAll else { throw ServiceError(.internal, "the report was not read completely") }

        let db = change.db
        if let existing = try FindingStore.inspection(db, id: inspection.inspectionID) {
            var diffs: [FieldError] = []
            for d in inspection.differences(from: existing.input) {
                diffs.append(FieldError(field: d.field == "notes" ? "notes" : "inspection.\(d.field)",
                                        message: "recorded \(d.theirs); this file has \(d.mine)"))
            }
            let stored = try FindingStore.findings(db, .init(inspectionID: existing.id)).filter { $0.planID == nil }
            let storedByID = Dictionary(stored.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            for (index, input) in inputs {
                let id = ids[index]!
                guard let s = storedByID[id] else {
                    diffs.append(FieldError(field: "findings[\(index)]", message: "\(id) is not recorded for \(existing.id)"))
                    continue
                }
                for d in input.differences(from: s) {
                    diffs.append(FieldError(field: "findings[\(index)].\(d.field)", message: "recorded \(d.theirs); this file has \(d.mine)"))
                }
            }
            let fileIDs = Set(ids.values)
            for s in stored where s.source == FindingSource.import.rawValue && !fileIDs.contains(s.id) {
                diffs.append(FieldError(field: "findings", message: "the recorded report also has \(s.id), which this file lacks"))
            }
            guard diffs.isEmpty else {
                throw ServiceError(.conflict, "\(existing.id) is already recorded with different content (\(diffs.count) "
                    + "difference\(diffs.count == 1 ? "" : "s"): \(diffs.map(\.field).joined(separator: ", "))); nothing was recorded. "
                    + "Recorded findings are never rewritten: add findings with findings.add, or import a corrected report "
                    + "under another inspection_id", field: diffs[0].field, details: diffs)
            }
            return try importResult(db, existing, recorded: 0, findingIDs: inputs.map { ids[$0.index]! })
        }

        var taken: [FieldError] = []
        for (index, _) in inputs {
            let id = ids[index]!
            if let other = try FindingStore.finding(db, id: id) {
                taken.append(FieldError(field: "findings[\(index)].finding_id", message: "\(id) is already recorded for inspection \(other.inspectionID)"))
            }
        }
        if !taken.isEmpty {
            throw ServiceError(.conflict, "finding ids already in use: \(taken.map(\.message).joined(separator: "; ")); nothing was recorded",
                               field: taken[0].field, details: taken)
        }
        let recorded = Inspection(input: inspection, deadlines: deadlines, recordedAt: change.stamp)
        try FindingStore.insert(db, recorded)
        change.emit(recorded.recordedEvent)
        for (index, input) in inputs {
            let f = try FindingStore.insertFinding(db, id: ids[index]!, inspectionID: recorded.id, input: input, source: .import, at: change.stamp)
            change.emit(f.recordedEvent)
        }
        return try importResult(db, recorded, recorded: inputs.count, findingIDs: inputs.map { ids[$0.index]! })
    }

    private static func importResult(_ db: Database, _ i: Inspection, recorded: Int, findingIDs: [String]) throws -> JSONValue {
        [
            "inspection_id": .string(i.id),
            "recorded": .int(Int64(recorded)),
            "unchanged": .bool(recorded == 0),
            "findings": .array(findingIDs.map { .string($0) }),
            "counts": .object(try FindingStore.counts(db, inspectionID: i.id).mapValues { .int($0) }),
            "deadlines": i.deadlines.json,
        ]
    }

    /// `inspections.add`: one inspection. The same again is `unchanged`; different content under the same id is a conflict.
    public static func addInspection(_ args: JSONValue, _ change: Change) throws -> JSONValue {
        let v = Validator(args)
        Fields.rejectUnknown(args, allowed: InspectionInput.keys + ["notes"], path: "", in: v)
        let notes = v.string("notes", required: false, maxLength: 4000)
        let input = InspectionInput.read(v, notes: notes)
        var deadlines: Deadlines?
        if let input {
            do {
                deadlines = try Deadlines.compute(framework: input.framework, outcome: input.outcome, published: input.published,
                                                  papWorkingDays: change.settings.papWorkingDays, field: "published")
            } catch { for d in error.details { v.failAt(d.field, d.message) } }
        }
        try v.check()
        guard let input, let deadlines else { throw ServiceError(.internal, "the inspection was not read completely") }
        if let existing = try FindingStore.inspection(change.db, id: input.inspectionID) {
            let diffs = input.differences(from: existing.input).map {
                FieldError(field: $0.field, message: "recorded \($0.theirs); given \($0.mine)")
            }
            guard diffs.isEmpty else {
                throw ServiceError(.conflict, "\(existing.id) is already recorded with different \(diffs.map(\.field).joined(separator: ", ")); "
                    + "a recorded inspection is never rewritten", field: diffs[0].field, details: diffs)
            }
            return ["inspection": existing.json, "recorded": false, "unchanged": true]
        }
        let recorded = Inspection(input: input, deadlines: deadlines, recordedAt: change.stamp)
        try FindingStore.insert(change.db, recorded)
        change.emit(recorded.recordedEvent)
        return ["inspection": recorded.json, "recorded": true, "unchanged": false]
    }

    /// `findings.add`: one finding of a recorded inspection. An equal finding already recorded
    /// (same id, or same kind and summary) is `unchanged`; a different one under the same id is a conflict.
    public static func addFinding(_ args: JSONValue, _ change: Change) throws -> JSONValue {
        let v = Validator(args)
        Fields.rejectUnknown(args, allowed: ["inspection_id"] + FindingInput.keys, path: "", in: v)
        let inspectionID = Fields.id("inspection_id", in: v, required: true)
        let inspection = try inspectionID.flatMap { try FindingStore.inspection(change.db, id: $0) }
        let input = FindingInput.read(v, framework: inspection?.input.framework)
        try v.check()
        guard let inspectionID, let input else { throw ServiceError(.internal, "the finding was not read completely") }
        guard let inspection else {
            throw ServiceError(.notFound, "inspection \(inspectionID) not found; record it first with inspections.add or findings.import",
                               field: "inspection_id")
        }
        let db = change.db
        let originals = try FindingStore.findings(db, .init(inspectionID: inspection.id)).filter { $0.planID == nil }
        let sameText = originals.first { $0.kind == input.kind && $0.summary == input.summary }
        if let given = input.findingID, let existing = try FindingStore.finding(db, id: given) {
            guard existing.inspectionID == inspection.id, existing.planID == nil else {
                throw ServiceError(.conflict, "finding \(given) is already recorded for \(existing.planID ?? existing.inspectionID)",
                                   field: "finding_id")
            }
            let diffs = input.differences(from: existing)
            guard diffs.isEmpty else {
                throw ServiceError(.conflict, "finding \(given) is already recorded with different \(diffs.map(\.field).joined(separator: ", ")); "
                    + "a recorded finding is never rewritten", field: diffs[0].field,
                    details: diffs.map { FieldError(field: $0.field, message: "recorded \($0.theirs); given \($0.mine)") })
            }
            return ["finding": existing.json, "recorded": false, "unchanged": true]
        }
        if let sameText {
            if input.findingID == nil && input.differences(from: sameText).isEmpty {
                return ["finding": sameText.json, "recorded": false, "unchanged": true]
            }
            throw ServiceError(.conflict, "\(inspection.id) already has this \(input.kind.rawValue) as \(sameText.id) "
                + "(same summary); a finding is recorded once", field: "summary")
        }
        let id = try input.findingID ?? FindingStore.nextFindingID(db, inspectionID: inspection.id)
        let f = try FindingStore.insertFinding(db, id: id, inspectionID: inspection.id, input: input, source: .add, at: change.stamp)
        change.emit(f.recordedEvent)
        return ["finding": f.json, "recorded": true, "unchanged": false]
    }
}
