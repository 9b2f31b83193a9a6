public import GRDB
public import SendModel

/// The read commands: inspections and findings, listed and shown.
public enum Queries {
    /// `inspections.list` → `{"inspections":[…]}`, by publication date.
    public static func inspections(_ db: Database, _ args: JSONValue) throws -> JSONValue {
        let v = Validator(args)
        Fields.rejectUnknown(args, allowed: [], path: "", in: v)
        try v.check()
        var out: [JSONValue] = []
        for i in try FindingStore.inspections(db) {
            out.append(try summary(db, i))
        }
        return ["inspections": .array(out), "count": .int(Int64(out.count))]
    }

    private static func summary(_ db: Database, _ i: Inspection) throws -> JSONValue {
        guard case .object(var o) = i.json else { return i.json }
        let counts = try FindingStore.counts(db, inspectionID: i.id)
        o["counts"] = .object(counts.mapValues { .int($0) })
        o["findings_count"] = .int(counts.values.reduce(0, +))
        return .object(o)
    }

    /// `inspections.show {"inspection_id"}` → the inspection, its deadlines (with working days left
    /// from today), counts by kind, judgements so far and the plans weaknesses were carried into.
    public static func inspection(_ db: Database, _ args: JSONValue, today: LocalDate) throws -> JSONValue {
        let v = Validator(args)
        Fields.rejectUnknown(args, allowed: ["inspection_id"], path: "", in: v)
        let id = Fields.id("inspection_id", in: v, required: true)
        try v.check()
        guard let id, let i = try FindingStore.inspection(db, id: id) else {
            throw ServiceError(.notFound, "inspection \(id ?? "") not found", field: "inspection_id")
        }
        guard case .object(var o) = try summary(db, i) else { return i.json }
        var left: [String: JSONValue] = [:]
        for (key, date) in i.deadlines.entries {
            if let n = try? WorkingDayCalendar.englandAndWales.workingDays(from: today, to: date) { left[key] = .int(Int64(n)) }
        }
        o["working_days_left"] = .object(left)
        o["today"] = .string(today.iso)
        let findings = try FindingStore.findings(db, .init(inspectionID: i.id))
        let weaknesses = findings.filter { $0.kind.isWeakness && $0.carriedTo == nil }
        o["judgements"] = [
            "sufficient": .int(Int64(findings.filter { $0.judgement?.judgement == .sufficient }.count)),
            "not_sufficient": .int(Int64(findings.filter { $0.judgement?.judgement == .notSufficient }.count)),
            "awaiting": .int(Int64(weaknesses.filter { $0.judgement == nil }.count)),
        ]
        o["plans"] = .array(try FindingStore.plans(db, inspectionID: i.id).map { plan in
            guard case .object(var p) = plan.json else { return plan.json }
            p["findings"] = .array(findings.filter { $0.planID == plan.id }.map { .string($0.id) })
            return .object(p)
        })
        return ["inspection": .object(o)]
    }

    /// `findings.list` with optional filters `inspection_id`, `kind`, `theme`, `plan_id` and
    /// `judgement` (`sufficient`, `not_sufficient` or `unjudged`) → `{"findings":[…],"count":N}`.
    public static func findings(_ db: Database, _ args: JSONValue) throws -> JSONValue {
        let v = Validator(args)
        Fields.rejectUnknown(args, allowed: ["inspection_id", "kind", "theme", "plan_id", "judgement"], path: "", in: v)
        var filter = FindingStore.Filter()
        filter.inspectionID = Fields.id("inspection_id", in: v, required: false)
        filter.kind = v.oneOf("kind", FindingKind.self, required: false)
        filter.theme = v.string("theme", required: false, maxLength: FindingInput.maxTheme)
        filter.planID = Fields.id("plan_id", in: v, required: false)
        if let j = v.string("judgement", required: false) {
            if Judgement(rawValue: j) != nil || j == "unjudged" { filter.judgement = j }
            else { v.fail("judgement", "'\(j)' is not one of sufficient, not_sufficient, unjudged") }
        }
        try v.check()
        if let id = filter.inspectionID, try FindingStore.inspection(db, id: id) == nil {
            throw ServiceError(.notFound, "inspection \(id) not found", field: "inspection_id")
        }
        if let id = filter.planID, try FindingStore.plan(db, id: id) == nil {
            throw ServiceError(.notFound, "plan \(id) not found", field: "plan_id")
        }
        let found = try FindingStore.findings(db, filter)
        return ["findings": .array(found.map(\.json)), "count": .int(Int64(found.count))]
    }

    /// `findings.show {"finding_id"}` → the finding and its lineage: the ids from the report's
    /// original finding through every plan it was carried into.
    public static func finding(_ db: Database, _ args: JSONValue) throws -> JSONValue {
        let v = Validator(args)
        Fields.rejectUnknown(args, allowed: ["finding_id"], path: "", in: v)
        let id = Fields.id("finding_id", in: v, required: true)
        try v.check()
        guard let id, let f = try FindingStore.finding(db, id: id) else {
            throw ServiceError(.notFound, "finding \(id ?? "") not found", field: "finding_id")
        }
        var lineage: [String] = [f.id]
        var back = f.carriedFrom
        while let b = back, lineage.count < 100, let prior = try FindingStore.finding(db, id: b) {
            lineage.insert(prior.id, at: 0)
            back = prior.carriedFrom
        }
        var forward = f.carriedTo
        while let n = forward, lineage.count < 100, let next = try FindingStore.finding(db, id: n) {
            lineage.append(next.id)
            forward = next.carriedTo
        }
        guard case .object(var o) = f.json else { return f.json }
        o["lineage"] = .array(lineage.map { .string($0) })
        if let planID = f.planID, let plan = try FindingStore.plan(db, id: planID) { o["plan"] = plan.json }
        return ["finding": .object(o)]
    }
}
