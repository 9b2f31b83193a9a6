import Foundation

/// One bank holiday as the resource file lists it.
struct BankHoliday: Sendable, Hashable, Decodable {
    var date: LocalDate
    var title: String
}

/// The working days of England and Wales: Monday to Friday, less the bank holidays.
///
/// The bank holidays come from `Resources/bank-holidays-england-and-wales.json`, which covers
/// whole years (`coveredYears`). Any question about a date outside those years throws
/// `ServiceError(.invalid, …)` rather than guessing, because a deadline computed from a
/// missing holiday list would be silently wrong.
///
/// Counting convention: moving from a date `d` by `n` working days never counts `d` itself;
/// it counts the working days passed on the way, including the one arrived at. So
/// `workingDays(from: d, to: adding(workingDays: n, to: d)) == n` for every `n`, positive,
/// zero or negative.
public struct WorkingDayCalendar: Sendable {
    /// The calendar shipped with the code (England and Wales, from the bundled resource).
    public static let englandAndWales: WorkingDayCalendar = {
        let name = "bank-holidays-england-and-wales"
        guard let url = Bundle.module.url(forResource: name, withExtension: "json") else {
            fatalError("SendModel: the resource \(name).json is missing from the bundle; it ships with the code")
        }
        do {
            return try WorkingDayCalendar(json: Data(contentsOf: url))
        } catch {
            fatalError("SendModel: the resource \(name).json cannot be read: \(error)")
        }
    }()

    /// The whole years the bank-holiday list covers.
    public let coveredYears: ClosedRange<Int>

    /// Every bank holiday, in date order.
    let holidays: [BankHoliday]
    /// Titles by `LocalDate.dayNumber`.
    private let titles: [Int: String]
    /// `dayNumber` of 1 January of the first covered year.
    private let firstDay: Int
    /// `dayNumber` of 31 December of the last covered year.
    private let lastDay: Int
    /// `before[i]` = the number of working days in `firstDay ..< firstDay + i`; `lastDay - firstDay + 2` entries.
    private let before: [Int32]

    private struct File: Decodable {
        var first_year: Int
        var last_year: Int
        var dates: [BankHoliday]
    }

    /// Reads the resource's JSON form; throws on malformed or inconsistent content.
    init(json data: Data) throws {
        let file = try JSONDecoder().decode(File.self, from: data)
        try self.init(firstYear: file.first_year, lastYear: file.last_year, holidays: file.dates)
    }

    struct InvalidCalendar: Error, CustomStringConvertible {
        var description: String
    }

    init(firstYear: Int, lastYear: Int, holidays: [BankHoliday]) throws {
        guard let first = LocalDate(year: firstYear, month: 1, day: 1),
              let last = LocalDate(year: lastYear, month: 12, day: 31), first <= last else {
            throw InvalidCalendar(description: "years \(firstYear) to \(lastYear) are not a valid range")
        }
        var titles: [Int: String] = [:]
        for holiday in holidays {
            guard (firstYear...lastYear).contains(holiday.date.year) else {
                throw InvalidCalendar(description: "\(holiday.date) is outside \(firstYear) to \(lastYear)")
            }
            guard titles.updateValue(holiday.title, forKey: holiday.date.dayNumber) == nil else {
                throw InvalidCalendar(description: "\(holiday.date) is listed twice")
            }
        }
        coveredYears = firstYear...lastYear
        self.holidays = holidays.sorted { $0.date < $1.date }
        self.titles = titles
        firstDay = first.dayNumber
        lastDay = last.dayNumber
        var before: [Int32] = [0]
        before.reserveCapacity(lastDay - firstDay + 2)
        for day in firstDay...lastDay {
            let working = !LocalDate(dayNumber: day).isWeekend && titles[day] == nil
            before.append(before[before.count - 1] + (working ? 1 : 0))
        }
        self.before = before
    }

    /// The bank holiday's title on that date, or nil (also nil outside the covered years).
    public func bankHoliday(on date: LocalDate) -> String? {
        titles[date.dayNumber]
    }

    /// Whether the date is a working day: Monday to Friday and not a bank holiday.
    public func isWorkingDay(_ date: LocalDate) throws(ServiceError) -> Bool {
        try check(date.dayNumber)
        return isWorking(date.dayNumber)
    }

    /// The date `n` working days after `date` (the start date itself never counts; `n = 0`
    /// returns `date` unchanged, even on a weekend or holiday). Negative `n` counts backwards:
    /// the `|n|`-th working day before `date`.
    public func adding(workingDays n: Int, to date: LocalDate) throws(ServiceError) -> LocalDate {
        var day = date.dayNumber
        try check(day)
        let step = n < 0 ? -1 : 1
        var remaining = n.magnitude
        while remaining > 0 {
            day += step
            try check(day)
            if isWorking(day) { remaining -= 1 }
        }
        return LocalDate(dayNumber: day)
    }

    /// The working days passed going from `from` to `to`: those after `from` up to and including
    /// `to`, or, when `to < from`, minus those before `from` down to and including `to`.
    ///
    /// The inverse of `adding(workingDays:to:)`. Not antisymmetric when an end is a weekend or
    /// holiday: Friday to Saturday is 0, Saturday to Friday is -1.
    public func workingDays(from: LocalDate, to: LocalDate) throws(ServiceError) -> Int {
        let a = from.dayNumber, b = to.dayNumber
        try check(a)
        try check(b)
        if a <= b {
            // working days in a+1 ... b
            return Int(before[b + 1 - firstDay] - before[a + 1 - firstDay])
        } else {
            // working days in b ..< a
            return -Int(before[a - firstDay] - before[b - firstDay])
        }
    }

    private func isWorking(_ day: Int) -> Bool {
        before[day + 1 - firstDay] != before[day - firstDay]
    }

    private func check(_ day: Int) throws(ServiceError) {
        guard day >= firstDay, day <= lastDay else {
            throw ServiceError(.invalid, "\(LocalDate(dayNumber: day)) is outside the bank-holiday calendar, "
                + "which covers \(coveredYears.lowerBound) to \(coveredYears.upperBound)")
        }
    }
}
