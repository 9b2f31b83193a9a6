import GRDB
import SendModel
import SendRuntime

/// `families.list`, `families.show`, `families.opt_out`: the only commands whose replies hold personal data.
enum Families {
    /// A contact's kind: a family the council imported, or someone who asked a question on the web
    /// (`portal.enquiry_add`), who gets only that enquiry's messages.
    enum Kind: String, CaseIterable {
        case family, enquirer
    }

    static func familyJSON(_ row: Row) -> [String: JSONValue] {
        var flagged: [JSONValue] = []
        for channel in Channel.allCases where (row[channel.flagColumn] as String?) != nil { flagged.append(.string(channel.contactColumn)) }
        return [
            "family_ref": .string(row["family_ref"]),
            "kind": .string(row["kind"]),
            "name": JSONValue(row["name"] as String?),
            "email": JSONValue(row["email"] as String?),
            "mobile": JSONValue(row["mobile"] as String?),
            "address": JSONValue(row["address"] as String?),
            "preferred_channel": JSONValue(row["preferred_channel"] as String?),
            "consent": .bool(row["consent"]),
            "wants_updates": .bool(row["wants_updates"]),
            "opted_out": .bool((row["opted_out_at"] as String?) != nil),
            "opted_out_at": JSONValue(row["opted_out_at"] as String?),
            "flagged": .array(flagged),
            "children": .int(row["children"]),
            "ehc_plan": .bool(row["ehc_plan"]),
            "updated_at": .string(row["updated_at"]),
            "erased_at": JSONValue(row["erased_at"] as String?),
        ]
    }

    static let selectFamily = """
        SELECT f.*,
               (SELECT COUNT(*) FROM children c WHERE c.family_ref = f.family_ref) AS children,
               EXISTS (SELECT 1 FROM children c WHERE c.family_ref = f.family_ref AND c.ehc_plan = 1) AS ehc_plan
        FROM families f
        """

    static let list: @Sendable (ReadContext) throws -> JSONValue = { ctx in
        let v = ctx.validator()
        let ehc = v.bool("ehc_plan", required: false)
        let optedOut = v.bool("opted_out", required: false)
        let flagged = v.bool("flagged", required: false)
        let limit = v.int("limit", required: false, range: 1...10_000) ?? 50
        let after = v.string("after", required: false, maxLength: 64)
        let kind = v.oneOf("kind", Kind.self, required: false) ?? .family
        try v.check()
        // Erased families are tombstones, not families held: families.show and families.export still find them.
        var conditions: [String] = ["f.kind = '\(kind.rawValue)'", "f.erased_at IS NULL"]
        var arguments: [any DatabaseValueConvertible] = []
        if let ehc {
            conditions.append("\(ehc ? "" : "NOT ")EXISTS (SELECT 1 FROM children c WHERE c.family_ref = f.family_ref AND c.ehc_plan = 1)")
        }
        if let optedOut { conditions.append("f.opted_out_at IS \(optedOut ? "NOT " : "")NULL") }
        if let flagged {
            let any = "(f.email_flagged_at IS NOT NULL OR f.mobile_flagged_at IS NOT NULL OR f.address_flagged_at IS NOT NULL)"
            conditions.append(flagged ? any : "NOT \(any)")
        }
        let filter = "WHERE " + conditions.joined(separator: " AND ")
        let total = try Int64.fetchOne(ctx.db, sql: "SELECT COUNT(*) FROM families f \(filter)") ?? 0
        var pageConditions = conditions
        if let after {
            pageConditions.append("f.family_ref > ?")
            arguments.append(after)
        }
        let pageFilter = "WHERE " + pageConditions.joined(separator: " AND ")
        let rows = try Row.fetchAll(ctx.db, sql: "\(selectFamily) \(pageFilter) ORDER BY f.family_ref LIMIT \(limit)",
                                    arguments: StatementArguments(arguments))
        var result: [String: JSONValue] = ["families": .array(rows.map { .object(familyJSON($0)) }), "total": .int(total)]
        if rows.count == Int(limit), let last = rows.last { result["next_after"] = .string(last["family_ref"]) }
        return .object(result)
    }

    static let show: @Sendable (ReadContext) throws -> JSONValue = { ctx in
        let v = ctx.validator()
        let ref = v.string("family_ref", maxLength: 64)
        try v.check()
        guard let row = try Row.fetchOne(ctx.db, sql: "\(selectFamily) WHERE f.family_ref = ?", arguments: [ref]) else {
            throw ServiceError.notFound("family \(ref ?? "")")
        }
        let id: Int64 = row["id"]
        var family = familyJSON(row)
        family["created_at"] = .string(row["created_at"])
        family["opt_out_reason"] = JSONValue(row["opt_out_reason"] as String?)
        family["children_list"] = .array(try Row.fetchAll(ctx.db, sql: "SELECT child_ref, ehc_plan, support FROM children WHERE family_ref = ? ORDER BY child_ref",
                                                      arguments: [ref]).map { ["child_ref": .string($0["child_ref"]), "ehc_plan": .bool($0["ehc_plan"]),
                                                                               "support": JSONValue($0["support"] as String?)] })
        family["messages"] = .array(try Row.fetchAll(ctx.db, sql: """
            SELECT id, kind, channel, status, attempts, created_at, status_at, sent_at, failure, dispatch_id, enquiry_id
            FROM messages WHERE family_id = ? ORDER BY id DESC LIMIT 50
            """, arguments: [id]).map(messageJSON))
        family["questionnaires"] = .array(try Row.fetchAll(ctx.db, sql: """
            SELECT r.questionnaire_id, r.answered, q.anonymous FROM recipients r JOIN questionnaires q ON q.id = r.questionnaire_id
            WHERE r.family_id = ? ORDER BY r.questionnaire_id
            """, arguments: [id]).map { ["questionnaire_id": .int($0["questionnaire_id"]), "answered": .bool($0["answered"]),
                                         "anonymous": .bool($0["anonymous"])] })
        family["enquiries"] = .array(try Row.fetchAll(ctx.db, sql: """
            SELECT id, received_via, text, received_on, answer_by, status, answer, answered_on, escalated_at
            FROM enquiries WHERE family_id = ? ORDER BY id
            """, arguments: [id]).map(enquiryJSON))
        return ["family": .object(family)]
    }

    static func enquiryJSON(_ e: Row) -> JSONValue {
        var o: [String: JSONValue] = [:]
        o["enquiry_id"] = .int(e["id"])
        o["received_via"] = .string(e["received_via"])
        o["text"] = .string(e["text"])
        o["received_on"] = .string(e["received_on"])
        o["answer_by"] = .string(e["answer_by"])
        o["status"] = .string(e["status"])
        o["answer"] = JSONValue(e["answer"] as String?)
        o["answered_on"] = JSONValue(e["answered_on"] as String?)
        o["escalated"] = .bool((e["escalated_at"] as String?) != nil)
        return .object(o)
    }

    static func messageJSON(_ m: Row) -> JSONValue {
        var o: [String: JSONValue] = [:]
        o["message_id"] = .int(m["id"])
        o["reference"] = .string(Messages.reference(m["id"]))
        o["kind"] = .string(m["kind"])
        o["channel"] = .string(m["channel"])
        o["status"] = .string(m["status"])
        o["attempts"] = .int(m["attempts"])
        o["created_at"] = .string(m["created_at"])
        o["status_at"] = JSONValue(m["status_at"] as String?)
        o["sent_at"] = JSONValue(m["sent_at"] as String?)
        o["failure"] = JSONValue(m["failure"] as String?)
        o["dispatch_id"] = (m["dispatch_id"] as Int64?).map { .int($0) } ?? .null
        o["enquiry_id"] = (m["enquiry_id"] as Int64?).map { .int($0) } ?? .null
        return .object(o)
    }

    /// Opting out stops everything not yet handed to a channel; a message in flight finishes.
    static func optOut(_ ctx: CommsChange) throws -> JSONValue {
        let v = ctx.validator()
        let ref = v.string("family_ref", maxLength: 64)
        let reason = v.string("reason", required: false, maxLength: 500)
        try v.check()
        guard let id = try Int64.fetchOne(ctx.db, sql: "SELECT id FROM families WHERE family_ref = ?", arguments: [ref]) else {
            throw ServiceError.notFound("family \(ref ?? "")")
        }
        if let at = try String.fetchOne(ctx.db, sql: "SELECT opted_out_at FROM families WHERE id = ?", arguments: [id]) {
            return ["family_ref": .string(ref ?? ""), "opted_out_at": .string(at), "already": true, "cancelled_messages": 0]
        }
        try ctx.db.execute(sql: "UPDATE families SET opted_out_at = ?, opt_out_reason = ?, updated_at = ? WHERE id = ?",
                           arguments: [ctx.now.description, reason, ctx.now.description, id])
        let cancelled = try Messages.cancelPending(ctx, familyID: id, reason: "the family opted out")
        return ["family_ref": .string(ref ?? ""), "opted_out_at": .string(ctx.now.description), "already": false,
                "cancelled_messages": .int(Int64(cancelled))]
    }
}
