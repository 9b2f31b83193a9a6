public import SendModel

extension ReportData {
    /// A dated milestone of an action (issue 18), from `actions.list`.
    public struct Milestone: Sendable, Hashable {
        /// "M1", "M2", … numbered per action.
        public var id: String
        public var title: String
        public var due: LocalDate
        public var metOn: LocalDate?

        public init(id: String, title: String, due: LocalDate, metOn: LocalDate? = nil) {
            self.id = id
            self.title = title
            self.due = due
            self.metOn = metOn
        }

        public enum State: String, Sendable {
            case met, metLate = "met_late", missed, upcoming
        }

        public func state(today: LocalDate) -> State {
            if let metOn { return metOn > due ? .metLate : .met }
            return due < today ? .missed : .upcoming
        }

        /// For the board: "Met on 28 Sep 2026 (due 1 Oct 2026)", "Missed: due 1 Oct 2026, not met".
        public func boardWords(today: LocalDate) -> String {
            switch state(today: today) {
            case .met: "Met on \(Words.shortDate(metOn!)) (due \(Words.shortDate(due)))"
            case .metLate: "Met late on \(Words.shortDate(metOn!)) (due \(Words.shortDate(due)))"
            case .missed: "Missed: due \(Words.shortDate(due)), not met"
            case .upcoming: "Upcoming: due \(Words.shortDate(due))"
            }
        }

        /// For the public: "done in September 2026", "late: it was to be done by 1 October 2026".
        public func publicWords(today: LocalDate) -> String {
            switch state(today: today) {
            case .met: "done in \(Words.monthYear(metOn!))"
            case .metLate: "done in \(Words.monthYear(metOn!)), later than planned (\(Words.monthYear(due)))"
            case .missed: "late: it was to be done by \(Words.longDate(due))"
            case .upcoming: "to be done by \(Words.longDate(due))"
            }
        }
    }
}

extension ReportFetcher {
    /// The `milestones` of an action in `actions.list` (none from a board without them).
    static func milestones(_ a: JSONValue) -> [ReportData.Milestone] {
        (a["milestones"]?.arrayValue ?? []).compactMap { m in
            guard let id = m["milestone"]?.stringValue, let due = m["due"]?.stringValue.flatMap(LocalDate.init(iso:)) else { return nil }
            return ReportData.Milestone(id: id, title: m["title"]?.stringValue ?? "", due: due,
                                        metOn: m["met_on"]?.stringValue.flatMap(LocalDate.init(iso:)))
        }
    }
}
