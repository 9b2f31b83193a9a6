import GRDB
import SendModel

/// Every area of significant weakness, fundamental failing and priority area needs at least one
/// open or completed action. A finding judged `sufficient` at the revisit, or carried over into a
/// new plan (where its successor needs the actions), no longer counts.
enum Coverage {
    /// The weaknesses that must be covered, as an SQL condition over `findings f`.
    static let requiredSQL = """
        f.kind IN (\(FindingsReadModel.requiredKindsSQL)) AND f.carried_to IS NULL
        AND (f.judgement IS NULL OR f.judgement != 'sufficient')
        """

    /// Some non-cancelled action addresses finding `f`.
    static let coveredSQL = """
        EXISTS (SELECT 1 FROM action_findings af JOIN actions a ON a.action_id = af.action_id
                WHERE af.finding_id = f.finding_id AND a.status != 'cancelled')
        """

    static func isGap(_ db: Database, findingID: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM findings f WHERE f.finding_id = ? AND \(requiredSQL) AND NOT \(coveredSQL)",
                          arguments: [findingID]) ?? false
    }

    /// The required weaknesses with no open or completed action, oldest first; of one inspection when named.
    static func gaps(_ db: Database, inspectionID: String?) throws -> [Row] {
        var sql = "SELECT f.* FROM findings f WHERE \(requiredSQL) AND NOT \(coveredSQL)"
        var arguments: StatementArguments = []
        if let inspectionID {
            sql += " AND f.inspection_id = ?"
            arguments += [inspectionID]
        }
        return try Row.fetchAll(db, sql: sql + " ORDER BY f.source_seq", arguments: arguments)
    }

    static func requiredCount(_ db: Database, inspectionID: String?) throws -> Int {
        if let inspectionID {
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM findings f WHERE \(requiredSQL) AND f.inspection_id = ?",
                                    arguments: [inspectionID]) ?? 0
        }
        return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM findings f WHERE \(requiredSQL)") ?? 0
    }

    /// `actions.coverage`: the weaknesses without an open or completed action.
    static func report(_ db: Database, _ args: JSONValue) throws -> JSONValue {
        let v = Validator(args)
        let inspectionID = v.string("inspection_id", required: false, maxLength: 64)
        try v.check()
        if let inspectionID, try FindingsReadModel.inspection(db, inspectionID) == nil {
            throw ServiceError.notFound("inspection \(inspectionID)")
        }
        let gaps = try gaps(db, inspectionID: inspectionID)
        let required = try requiredCount(db, inspectionID: inspectionID)
        var items: [JSONValue] = []
        for row in gaps {
            let finding = FindingsReadModel.Finding(row)
            let cancelled = try String.fetchAll(db, sql: """
                SELECT a.action_id FROM action_findings af JOIN actions a ON a.action_id = af.action_id
                WHERE af.finding_id = ? ORDER BY a.n
                """, arguments: [finding.id])
            guard case .object(var o) = finding.json else { continue }
            o["cancelled_actions"] = .array(cancelled.map { .string($0) })
            items.append(.object(o))
        }
        return [
            "inspection_id": JSONValue(inspectionID),
            "required": .int(Int64(required)),
            "covered": .int(Int64(required - gaps.count)),
            "complete": .bool(gaps.isEmpty),
            "gaps": .array(items),
        ]
    }

    /// After an action stopped addressing these findings (cancelled, or its findings changed),
    /// announces each required weakness that has no action left: a person's change, so at once.
    static func announceLost(_ change: BoardChange, findingIDs: [String], actionID: String, reason: CoverageGapReason) throws {
        for id in findingIDs where try isGap(change.db, findingID: id) {
            try announce(change, findingID: id, reason: reason, actionID: actionID)
        }
    }

    // MARK: Announcing a gap once the plan has had its chance, and its closing
    //
    // A weakness that arrives without an action is watched, not announced: a plan import a moment
    // later usually covers it. It is announced (`coverage.gap`, reason `recorded`) when the plan
    // for its inspection is submitted with it still uncovered, or by the board's timer on a later
    // day than the one it was recorded on. Every announced gap is announced once; when an action
    // covers it again, `coverage.closed` says so.

    /// Starts watching a weakness that arrived without an action.
    static func watch(_ change: BoardChange, findingID: String) throws {
        try change.db.execute(sql: """
            INSERT INTO coverage_watch(finding_id, recorded_on, announced_at) VALUES (?, ?, NULL)
            ON CONFLICT(finding_id) DO NOTHING
            """, arguments: [findingID, change.today.iso])
    }

    /// Announces one gap and remembers it, so its closing is announced too.
    static func announce(_ change: BoardChange, findingID: String, reason: CoverageGapReason, actionID: String?) throws {
        guard let finding = try FindingsReadModel.finding(change.db, findingID), let kind = FindingKind(rawValue: finding.kind) else { return }
        try change.emit(CoverageGap(findingID: findingID, kind: kind, summary: finding.summary, reason: reason, actionID: actionID))
        try change.db.execute(sql: """
            INSERT INTO coverage_watch(finding_id, recorded_on, announced_at) VALUES (?, ?, ?)
            ON CONFLICT(finding_id) DO UPDATE SET announced_at = excluded.announced_at
            """, arguments: [findingID, change.today.iso, change.at])
    }

    /// Announces the watched gaps whose plan has had its chance: those of `inspectionID` (its plan
    /// was submitted), or, with no inspection, those recorded before today (the board's timer).
    @discardableResult
    static func announceWatched(_ change: BoardChange, inspectionID: String?) throws -> Int {
        let rows = try Row.fetchAll(change.db, sql: """
            SELECT w.finding_id FROM coverage_watch w JOIN findings f ON f.finding_id = w.finding_id
            WHERE w.announced_at IS NULL AND \(inspectionID == nil ? "w.recorded_on < ?" : "f.inspection_id = ?")
            ORDER BY f.source_seq
            """, arguments: [inspectionID ?? change.today.iso])
        var announced = 0
        for row in rows {
            let id: String = row["finding_id"]
            if try isGap(change.db, findingID: id) {
                try announce(change, findingID: id, reason: .recorded, actionID: nil)
                announced += 1
            } else {
                try change.db.execute(sql: "DELETE FROM coverage_watch WHERE finding_id = ?", arguments: [id])
            }
        }
        return announced
    }

    /// After an action came to address these findings: announces each announced gap now closed,
    /// and stops watching the ones that closed before they were announced.
    static func announceClosed(_ change: BoardChange, findingIDs: [String], actionID: String) throws {
        for id in findingIDs {
            guard let announcedAt = try Row.fetchOne(change.db, sql: "SELECT announced_at FROM coverage_watch WHERE finding_id = ?",
                                                     arguments: [id]) else { continue }
            if try isGap(change.db, findingID: id) { continue }
            try change.db.execute(sql: "DELETE FROM coverage_watch WHERE finding_id = ?", arguments: [id])
            guard (announcedAt["announced_at"] as String?) != nil,
                  let finding = try FindingsReadModel.finding(change.db, id), let kind = FindingKind(rawValue: finding.kind) else { continue }
            try change.emit(CoverageClosed(findingID: id, kind: kind, summary: finding.summary, actionID: actionID))
        }
    }
}
