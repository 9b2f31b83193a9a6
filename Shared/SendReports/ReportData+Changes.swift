public import SendModel

extension ReportData {
    /// One recorded RAG rating of an action (`actions.rag_history`); `rag` nil when not rated.
    public struct RAGChange: Sendable, Hashable {
        public var actionID: String
        public var rag: RAG?
        public var reason: String
        public var on: LocalDate
        /// The action's first rating: the start of its history, not a change.
        public var first: Bool

        public init(actionID: String, rag: RAG?, reason: String, on: LocalDate, first: Bool = false) {
            self.actionID = actionID
            self.rag = rag
            self.reason = reason
            self.on = on
            self.first = first
        }
    }

    /// A change request of the plan (`actions.requests`): a reschedule, a new lead organisation or
    /// success criteria, a suspension or resumption; pending until a board decision.
    public struct PlanChange: Sendable, Hashable {
        public var requestID: String
        public var actionID: String
        /// `reschedule`, `lead_organisation`, `success_criteria`, `suspend` or `resume`.
        public var kind: String
        public var from: String
        public var to: String
        public var reason: String
        /// `pending`, `approved` or `refused`.
        public var state: String
        public var requestedOn: LocalDate
        public var decisionID: String?
        public var decidedOn: LocalDate?
        /// The milestone (`M2`) a `milestone_due` request moves.
        public var milestone: String? = nil

        public init(requestID: String, actionID: String, kind: String, from: String, to: String, reason: String, state: String,
                    requestedOn: LocalDate, decisionID: String? = nil, decidedOn: LocalDate? = nil) {
            self.requestID = requestID
            self.actionID = actionID
            self.kind = kind
            self.from = from
            self.to = to
            self.reason = reason
            self.state = state
            self.requestedOn = requestedOn
            self.decisionID = decisionID
            self.decidedOn = decidedOn
        }
    }

    /// Each action's ratings, oldest first.
    func ragStrips() -> [String: [RAGChange]] {
        Dictionary(grouping: ragChanges, by: \.actionID)
    }
}

extension ReportData.Action {
    /// Whether an approved reschedule moved the due date from the first agreed one.
    public var rescheduled: Bool { baselineDue.map { $0 != due } ?? false }
}

extension ReportFetcher {
    /// Every action's RAG history from `actions.rag_history`, in pages; nil when the board does not give it.
    func ragHistory(actionIDs: Set<String>) throws -> [ReportData.RAGChange]? {
        var changes: [ReportData.RAGChange] = []
        var after: Int64? = nil
        do {
            repeat {
                var args: [String: JSONValue] = ["limit": .int(Int64(pageSize))]
                if let after { args["after"] = .int(after) }
                let page = try call(ServiceName.board, "actions.rag_history", .object(args))
                for row in page["changes"]?.arrayValue ?? [] {
                    guard let id = row["action_id"]?.stringValue, actionIDs.contains(id), let on = date(row["on"]) else { continue }
                    changes.append(ReportData.RAGChange(actionID: id, rag: row["to"]?.stringValue.flatMap(ReportData.RAG.init(rawValue:)),
                                                        reason: row["reason"]?.stringValue ?? "", on: on,
                                                        first: row["first"]?.boolValue ?? false))
                }
                after = page["next_after"]?.intValue
            } while after != nil
            return changes
        } catch let error as ServiceError where error.code == .unknownCommand {
            return nil
        }
    }

    /// The plan's change requests from `actions.requests`; empty when the board does not give them.
    func planChanges(actionIDs: Set<String>) throws -> [ReportData.PlanChange] {
        do {
            let listed = try call(ServiceName.board, "actions.requests", [:])
            return (listed["requests"]?.arrayValue ?? []).compactMap { r in
                guard let id = r["request_id"]?.stringValue, let action = r["action_id"]?.stringValue, actionIDs.contains(action) else {
                    return nil
                }
                var change = ReportData.PlanChange(
                    requestID: id, actionID: action, kind: r["kind"]?.stringValue ?? "", from: r["from"]?.stringValue ?? "",
                    to: r["to"]?.stringValue ?? "", reason: r["reason"]?.stringValue ?? "", state: r["state"]?.stringValue ?? "",
                    requestedOn: date(r["requested_on"]) ?? LocalDate(dayNumber: 0), decisionID: r["decision_id"]?.stringValue,
                    decidedOn: date(r["decided_on"]))
                change.milestone = r["milestone"]?.stringValue
                return change
            }
        } catch let error as ServiceError where error.code == .unknownCommand {
            return []
        }
    }
}
