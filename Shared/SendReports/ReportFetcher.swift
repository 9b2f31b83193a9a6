public import SendModel

/// Gathers a `ReportData` from the services' read commands, through a caller's `call`.
///
/// `call(service, command, args)` sends one request and returns its result or throws the
/// service's `ServiceError` (sendctl passes its protocol client; the tests and the benchmark theirs).
/// The findings and board services must answer. Comms is optional: when it is not running, does
/// not know the commands yet, or has no questionnaire, the report says so instead of failing.
public struct ReportFetcher: Sendable {
    public typealias Call = @Sendable (_ service: String, _ command: String, _ args: JSONValue) throws -> JSONValue

    let call: Call
    /// Actions and history rows per page.
    public var pageSize = 10_000
    /// Whether to read every action's RAG history and the plan's change requests (the board pack's
    /// strips and "Changes to the plan"). The public page shows neither, and the portal, which builds
    /// it, may not read them.
    public var includesPlanChanges = true

    public init(call: @escaping Call) {
        self.call = call
    }

    /// Reads every figure the reports show for `inspectionID` (default: the latest the board knows).
    public func fetch(inspectionID: String? = nil, generatedAt: Timestamp = .now()) throws -> ReportData {
        var planArgs: [String: JSONValue] = [:]
        if let inspectionID { planArgs["inspection_id"] = .string(inspectionID) }
        let plan = try call(ServiceName.board, "plan.status", .object(planArgs))
        let today = date(plan["today"]) ?? generatedAt.date
        var data = ReportData(today: today, generatedAt: generatedAt, plan: Self.plan(plan))

        let chosen = inspectionID ?? plan["inspection"]?["inspection_id"]?.stringValue
        var findingIDs: Set<String>? = nil
        if let chosen {
            let shown = try call(ServiceName.findings, "inspections.show", ["inspection_id": .string(chosen)])
            data.inspection = Self.inspection(shown["inspection"] ?? .null)
            let listed = try call(ServiceName.findings, "findings.list", ["inspection_id": .string(chosen)])
            data.findings = (listed["findings"]?.arrayValue ?? []).compactMap(Self.finding)
            findingIDs = Set(data.findings.map(\.id))
        }

        data.actions = try actions().filter { action in
            findingIDs.map { ids in action.findingIDs.contains { ids.contains($0) } } ?? true
        }
        let actionIDs = Set(data.actions.map(\.id))
        (data.statusChanges, data.statusHistorySource) = try history(actionIDs: actionIDs, actions: data.actions, today: today)

        if includesPlanChanges {
            if let rag = try ragHistory(actionIDs: actionIDs) { data.ragChanges = rag } else { data.ragHistoryKnown = false }
            data.planChanges = try planChanges(actionIDs: actionIDs)
        } else {
            data.ragHistoryKnown = false
        }

        let kpis = try call(ServiceName.board, "kpis.list", [:])
        data.kpis = try (kpis["kpis"]?.arrayValue ?? []).compactMap { summary in
            guard let id = summary["kpi_id"]?.stringValue else { return nil }
            let shown = try call(ServiceName.board, "kpis.show", ["kpi_id": .string(id)])
            return Self.kpi(shown["kpi"] ?? summary, readings: shown["readings"]?.arrayValue ?? [])
        }

        let exceptions = try call(ServiceName.board, "exceptions.list", ["all": true])
        data.exceptions = Self.exceptions(exceptions, keeping: actionIDs)

        (data.questionnaires, data.updates, data.commsNote) = comms()
        // A chair's update reaches families as an update too; the page shows it once, as the chair's.
        data.updates.removeAll { $0.outcome == UpdateOutcome.chairUpdate.rawValue }
        (data.chairUpdates, data.themes) = try chairUpdatesAndThemes()
        return data
    }

    // MARK: Board

    func actions() throws -> [ReportData.Action] {
        var actions: [ReportData.Action] = []
        var after: String? = nil
        repeat {
            var args: [String: JSONValue] = ["limit": .int(Int64(pageSize))]
            if let after { args["after"] = .string(after) }
            let page = try call(ServiceName.board, "actions.list", .object(args))
            actions += (page["actions"]?.arrayValue ?? []).compactMap(Self.action)
            after = page["next_after"]?.stringValue
        } while after != nil
        return actions
    }

    /// The status history of the actions, from `actions.history`; a board without that command
    /// gives each action's current status only, as of today.
    func history(actionIDs: Set<String>, actions: [ReportData.Action], today: LocalDate) throws
        -> ([ReportData.StatusChange], String)
    {
        var changes: [ReportData.StatusChange] = []
        var after: Int64? = nil
        do {
            repeat {
                var args: [String: JSONValue] = ["limit": .int(Int64(pageSize))]
                if let after { args["after"] = .int(after) }
                let page = try call(ServiceName.board, "actions.history", .object(args))
                for row in page["changes"]?.arrayValue ?? [] {
                    guard let id = row["action_id"]?.stringValue, actionIDs.contains(id),
                          let to = row["to"]?.stringValue.flatMap(ReportData.Status.init(rawValue:)),
                          let on = date(row["on"]) else { continue }
                    changes.append(ReportData.StatusChange(actionID: id, from: row["from"]?.stringValue.flatMap(ReportData.Status.init(rawValue:)),
                                                           to: to, on: on))
                }
                after = page["next_after"]?.intValue
            } while after != nil
            return (changes, "Each action's status on each date, from the board's status history (every change, with the day it was recorded).")
        } catch let error as ServiceError where error.code == .unknownCommand {
            let current = actions.map { ReportData.StatusChange(actionID: $0.id, from: nil, to: $0.status, on: today) }
            return (current, "The board does not give its status history (actions.history): only today's statuses are shown.")
        }
    }

    // MARK: Comms

    /// Questionnaire results and published updates; never fails: says why there are none instead.
    func comms() -> ([ReportData.Questionnaire], [ReportData.PublishedUpdate], String?) {
        var questionnaires: [ReportData.Questionnaire] = []
        do {
            let listed = try call(ServiceName.comms, "questionnaires.list", [:])
            for q in listed["questionnaires"]?.arrayValue ?? [] {
                guard let id = q["questionnaire_id"]?.intValue else { continue }
                let results = try call(ServiceName.comms, "questionnaires.results", ["questionnaire_id": .int(id)])
                let shown = try? call(ServiceName.comms, "questionnaires.show", ["questionnaire_id": .int(id)])
                if let parsed = Self.questionnaire(results, listed: q, shown: shown) { questionnaires.append(parsed) }
            }
        } catch {
            // Not running, or no questionnaire commands: nothing more to ask it.
            return ([], [], Self.commsProblem(error, what: "questionnaire results or \"you said, we did\" updates"))
        }
        var updates: [ReportData.PublishedUpdate] = []
        do {
            let listed = try call(ServiceName.comms, "updates.list", ["status": "published"])
            for u in listed["updates"]?.arrayValue ?? [] {
                guard let id = u["update_id"]?.intValue else { continue }
                let shown = (try? call(ServiceName.comms, "updates.show", ["update_id": .int(id)])) ?? u
                if let parsed = Self.update(shown["update"] ?? shown) { updates.append(parsed) }
            }
        } catch {
            return (questionnaires, [], Self.commsProblem(error, what: "\"you said, we did\" updates"))
        }
        let never = LocalDate(dayNumber: 0)
        updates.sort { ($0.publishedOn ?? never, $0.id) > ($1.publishedOn ?? never, $1.id) }
        return (questionnaires, updates, nil)
    }

    static func commsProblem(_ error: any Error, what: String) -> String {
        switch (error as? ServiceError)?.code {
        case .unavailable?: "The comms service is not running, so there are no \(what) in this report."
        case .unknownCommand?: "The comms service does not give \(what) yet."
        default: "The comms service did not give \(what): \((error as? ServiceError)?.message ?? "\(error)")."
        }
    }
}

func date(_ value: JSONValue?) -> LocalDate? {
    value?.stringValue.flatMap { LocalDate(iso: String($0.prefix(10))) }
}

func int(_ value: JSONValue?) -> Int { Int(value?.intValue ?? 0) }
