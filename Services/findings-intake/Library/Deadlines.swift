public import SendModel

/// The statutory and expected dates that follow an inspection's publication.
///
/// - 2016, written statement of action required: the WSoA is due 70 working days after
///   publication; the revisit is expected 12 to 18 months after the WSoA is due (DOMAIN.md:
///   "usually within about 18 months of the WSoA being accepted"; acceptance is not recorded
///   here, so the due date stands in for it).
/// - 2023, outcome 3 (widespread and/or systemic failings): the priority action plan is due
///   `papWorkingDays` working days after publication (`SEND_PAP_WORKING_DAYS`, default 35), and a
///   monitoring inspection is expected 18 months after publication.
/// - Other outcomes set no deadline.
///
/// Working days skip weekends and the bank holidays of England and Wales; a date outside the
/// holiday calendar's years is refused as `invalid` naming `field`.
/// The dates themselves are SendModel's `InspectionDeadlines`, the type `inspection.recorded` carries.
public typealias Deadlines = InspectionDeadlines

extension InspectionDeadlines {
    public static let wsoaWorkingDays = 70
    public static let defaultPapWorkingDays = 35
    public static let revisitWindowMonths = 12...18
    public static let monitoringMonths = 18

    /// Computes the deadlines; `field` is the JSON path of the publication date, for errors.
    public static func compute(framework: Framework, outcome: Outcome, published: LocalDate, papWorkingDays: Int,
                               field: String = "published",
                               calendar: WorkingDayCalendar = .englandAndWales) throws(ServiceError) -> Deadlines {
        func workingDays(_ n: Int, _ what: String) throws(ServiceError) -> LocalDate {
            do {
                return try calendar.adding(workingDays: n, to: published)
            } catch {
                throw ServiceError.invalid(field, "cannot compute the \(what) (\(n) working days after \(published)): \(error.message)")
            }
        }
        var d = Deadlines()
        switch (framework, outcome) {
        case (.framework2016, .wsoaRequired):
            let due = try workingDays(wsoaWorkingDays, "written statement of action due date")
            d.wsoaDue = due
            d.revisitWindowStart = due.adding(months: revisitWindowMonths.lowerBound)
            d.revisitWindowEnd = due.adding(months: revisitWindowMonths.upperBound)
        case (.framework2023, .systemicFailings):
            d.papDue = try workingDays(papWorkingDays, "priority action plan due date")
            d.monitoringExpected = published.adding(months: monitoringMonths)
        default:
            if !calendar.coveredYears.contains(published.year) {
                throw ServiceError.invalid(field, "\(published) is outside the bank-holiday calendar, which covers "
                    + "\(calendar.coveredYears.lowerBound) to \(calendar.coveredYears.upperBound)")
            }
        }
        return d
    }

    /// `{"wsoa_due": "2018-04-26", …}` with only the dates that apply.
    public var json: JSONValue {
        var o: [String: JSONValue] = [:]
        for (key, date) in entries { o[key] = .string(date.iso) }
        return .object(o)
    }

    /// The dates that apply, by wire name, in time order of the process.
    public var entries: [(key: String, date: LocalDate)] {
        [("wsoa_due", wsoaDue), ("pap_due", papDue), ("revisit_window_start", revisitWindowStart),
         ("revisit_window_end", revisitWindowEnd), ("monitoring_expected", monitoringExpected)]
            .compactMap { key, date in date.map { (key, $0) } }
    }
}
