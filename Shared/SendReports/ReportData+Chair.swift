public import SendModel

extension ReportData {
    /// A chair's update after a meeting, as the board published it.
    public struct ChairUpdate: Sendable, Hashable {
        public var id: String
        public var meetingID: String
        public var meetingDate: LocalDate?
        public var title: String
        /// `ChairText`: plain text with headings and lists.
        public var text: String
        public var publishedOn: LocalDate?

        public init(id: String, meetingID: String, meetingDate: LocalDate?, title: String, text: String, publishedOn: LocalDate?) {
            self.id = id
            self.meetingID = meetingID
            self.meetingDate = meetingDate
            self.title = title
            self.text = text
            self.publishedOn = publishedOn
        }
    }

    /// A theme the board named: an area of weakness in plain English, with its actions.
    public struct Theme: Sendable, Hashable {
        public var id: String
        public var name: String
        public var description: String
        public var findingIDs: [String]
        public var actions: [ThemeAction]
        public var kpiIDs: [String]

        public init(id: String, name: String, description: String, findingIDs: [String], actions: [ThemeAction], kpiIDs: [String]) {
            self.id = id
            self.name = name
            self.description = description
            self.findingIDs = findingIDs
            self.actions = actions
            self.kpiIDs = kpiIDs
        }
    }

    /// An action of a theme: what we will do, and what will be different when it is done.
    public struct ThemeAction: Sendable, Hashable {
        public var id: String
        public var title: String
        public var status: Status
        public var due: LocalDate?
        public var leadOrganisation: String
        public var successCriteria: String
        public var kpiID: String?

        public init(id: String, title: String, status: Status, due: LocalDate?, leadOrganisation: String, successCriteria: String, kpiID: String?) {
            self.id = id
            self.title = title
            self.status = status
            self.due = due
            self.leadOrganisation = leadOrganisation
            self.successCriteria = successCriteria
            self.kpiID = kpiID
        }
    }
}

extension ReportFetcher {
    /// The chair's updates and the themes; a board without those commands gives none.
    func chairUpdatesAndThemes() throws -> ([ReportData.ChairUpdate], [ReportData.Theme]) {
        var updates: [ReportData.ChairUpdate] = []
        var themes: [ReportData.Theme] = []
        do {
            let listed = try call(ServiceName.board, "board.meetings.updates", [:])
            updates = (listed["updates"]?.arrayValue ?? []).compactMap(Self.chairUpdate)
        } catch let error as ServiceError where error.code == .unknownCommand {}
        do {
            let listed = try call(ServiceName.board, "board.themes.list", [:])
            themes = (listed["themes"]?.arrayValue ?? []).compactMap(Self.theme)
        } catch let error as ServiceError where error.code == .unknownCommand {}
        return (updates, themes)
    }

    public static func chairUpdate(_ u: JSONValue) -> ReportData.ChairUpdate? {
        guard let id = u["update_id"]?.stringValue else { return nil }
        return ReportData.ChairUpdate(id: id, meetingID: u["meeting_id"]?.stringValue ?? "", meetingDate: date(u["meeting_date"]),
                                      title: u["title"]?.stringValue ?? "", text: u["text"]?.stringValue ?? "",
                                      publishedOn: date(u["published_on"]))
    }

    public static func theme(_ t: JSONValue) -> ReportData.Theme? {
        guard let id = t["theme_id"]?.stringValue else { return nil }
        let actions = (t["actions"]?.arrayValue ?? []).compactMap { a -> ReportData.ThemeAction? in
            guard let aid = a["action_id"]?.stringValue, let status = a["status"]?.stringValue.flatMap(ReportData.Status.init(rawValue:)) else {
                return nil
            }
            return ReportData.ThemeAction(id: aid, title: a["title"]?.stringValue ?? "", status: status, due: date(a["due"]),
                                          leadOrganisation: a["lead_organisation"]?.stringValue ?? "",
                                          successCriteria: a["success_criteria"]?.stringValue ?? "", kpiID: a["kpi_id"]?.stringValue)
        }
        return ReportData.Theme(id: id, name: t["name"]?.stringValue ?? id, description: t["description"]?.stringValue ?? "",
                                findingIDs: (t["finding_ids"]?.arrayValue ?? []).compactMap(\.stringValue), actions: actions,
                                kpiIDs: (t["kpi_ids"]?.arrayValue ?? []).compactMap(\.stringValue))
    }
}
