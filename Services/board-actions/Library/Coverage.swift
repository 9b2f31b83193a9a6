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
    /// announces each required weakness that has no action left.
    static func announceLost(_ change: BoardChange, findingIDs: [String], actionID: String, reason: String) throws {
        for id in findingIDs where try isGap(change.db, findingID: id) {
            let kind = try String.fetchOne(change.db, sql: "SELECT kind FROM findings WHERE finding_id = ?", arguments: [id]) ?? ""
            change.emit(EventType.coverageGap, ["finding_id": .string(id), "kind": .string(kind), "reason": .string(reason),
                                                "action_id": .string(actionID)])
        }
    }
}
