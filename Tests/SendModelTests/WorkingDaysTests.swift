import Testing
@testable import SendModel

// Every expected date below was worked out by hand from a paper calendar and the bank-holiday
// rules; the reasoning is in the comments. Weekday anchors used throughout:
// 2017-12-25 Mon, 2018-01-01 Mon, 2018-03-26 Mon (12 weeks after 1 Jan), 2021-12-25 Sat,
// 2022-12-25 Sun, 2023-12-25 Mon, 2024-01-01 Mon (2024 is a leap year), 2025-01-01 Wed.

private let cal = WorkingDayCalendar.englandAndWales

private func date(_ text: String) -> LocalDate {
    guard let d = LocalDate(iso: text) else { fatalError("bad test date \(text)") }
    return d
}

private func after(_ n: Int, _ start: String) throws -> String {
    try cal.adding(workingDays: n, to: date(start)).iso
}

@Suite("WorkingDays")
struct WorkingDaysTests {
    // MARK: The data file

    @Test func coversTheDeclaredYears() {
        #expect(cal.coveredYears == 2016...2030)
    }

    @Test func holidaysPerYear() {
        // 8 a year: New Year, Good Friday, Easter Monday, early May, spring, summer, Christmas, Boxing.
        // 2020: still 8 (early May moved from Mon 4 May to Fri 8 May for VE Day).
        // 2022: 10 (spring moved to Thu 2 June, plus Fri 3 June Platinum Jubilee and Mon 19 Sept
        //       state funeral).
        // 2023: 9 (plus Mon 8 May coronation).
        var counts: [Int: Int] = [:]
        for h in cal.holidays { counts[h.date.year, default: 0] += 1 }
        for year in 2016...2030 {
            let expected = switch year { case 2022: 10; case 2023: 9; default: 8 }
            #expect(counts[year] == expected, "year \(year)")
        }
        #expect(cal.holidays.count == 13 * 8 + 10 + 9)
    }

    @Test func everyHolidayIsOnAWeekday() {
        for h in cal.holidays { #expect(!h.date.isWeekend, "\(h.date) \(h.title)") }
    }

    @Test(arguments: ["2016-03-27", "2019-04-21", "2024-03-31", "2025-04-20", "2030-04-21",
                      "2017-04-16", "2018-04-01", "2022-04-17", "2027-03-28"])
    func easter(_ sunday: String) throws {
        let easter = date(sunday)
        #expect(easter.isoWeekday == 7)
        #expect(cal.bankHoliday(on: easter.adding(days: -2)) == "Good Friday")
        #expect(cal.bankHoliday(on: easter.adding(days: 1)) == "Easter Monday")
        #expect(try cal.isWorkingDay(easter.adding(days: -3)))  // Maundy Thursday works
        #expect(try cal.isWorkingDay(easter.adding(days: 2)))   // Easter Tuesday works
    }

    @Test func christmasSubstitutes() throws {
        // 2016: 25 Dec Sun -> Boxing Day Mon 26, Christmas substitute Tue 27.
        // 2020 and 2026: 25 Dec Fri, Boxing Day Sat -> substitute Mon 28.
        // 2021 and 2027: 25 Dec Sat, 26 Sun -> substitutes Mon 27 and Tue 28.
        // 2022: 25 Dec Sun -> Boxing Day Mon 26, Christmas substitute Tue 27.
        let holidays = ["2016-12-26", "2016-12-27", "2020-12-25", "2020-12-28",
                        "2021-12-27", "2021-12-28", "2022-12-26", "2022-12-27",
                        "2026-12-25", "2026-12-28", "2027-12-27", "2027-12-28"]
        for h in holidays { #expect(try !cal.isWorkingDay(date(h)), "\(h)") }
        let working = ["2016-12-28", "2020-12-29", "2021-12-29", "2022-12-28", "2027-12-29"]
        for w in working { #expect(try cal.isWorkingDay(date(w)), "\(w)") }
        #expect(cal.bankHoliday(on: date("2021-12-27")) == "Christmas Day (substitute day)")
        #expect(cal.bankHoliday(on: date("2022-12-26")) == "Boxing Day")
        #expect(cal.bankHoliday(on: date("2021-12-24")) == nil)
        // New Year substitutes: 2017-01-01 Sun -> Mon 2 Jan; 2022-01-01 Sat -> Mon 3 Jan;
        // 2028-01-01 Sat -> Mon 3 Jan.
        for h in ["2017-01-02", "2022-01-03", "2023-01-02", "2028-01-03"] {
            #expect(cal.bankHoliday(on: date(h)) == "New Year's Day (substitute day)", "\(h)")
        }
    }

    // MARK: Adding and counting

    @Test func zeroIsTheDateItself() throws {
        #expect(try after(0, "2025-01-11") == "2025-01-11")  // a Saturday stays a Saturday
        #expect(try after(0, "2021-12-27") == "2021-12-27")  // a bank holiday stays
        #expect(try cal.workingDays(from: date("2025-01-11"), to: date("2025-01-11")) == 0)
    }

    @Test func overAWeekend() throws {
        // Fri 2025-01-10: Sat 11, Sun 12 don't count; Mon 13 is the 1st working day after.
        #expect(try after(1, "2025-01-10") == "2025-01-13")
        // Sat 2025-01-11 + 1 -> Mon 13 as well; + 5 -> Mon 13..Fri 17.
        #expect(try after(1, "2025-01-11") == "2025-01-13")
        #expect(try after(5, "2025-01-11") == "2025-01-17")
        // Thu 2025-01-09 + 3: Fri 10 (1), Mon 13 (2), Tue 14 (3).
        #expect(try after(3, "2025-01-09") == "2025-01-14")
        // Backwards: Mon 13 - 1 -> Fri 10; Sat 11 - 1 -> Fri 10.
        #expect(try after(-1, "2025-01-13") == "2025-01-10")
        #expect(try after(-1, "2025-01-11") == "2025-01-10")
        // Counting: after Fri 10 up to Sun 12 there is nothing; up to Mon 13 there is one.
        #expect(try cal.workingDays(from: date("2025-01-10"), to: date("2025-01-12")) == 0)
        #expect(try cal.workingDays(from: date("2025-01-10"), to: date("2025-01-13")) == 1)
        // Backwards from Mon 13 to Fri 10: Fri 10 is passed (counted), Mon 13 is the start.
        #expect(try cal.workingDays(from: date("2025-01-13"), to: date("2025-01-10")) == -1)
        // Saturday 11 back to Friday 10 is -1, although Friday to Saturday is 0.
        #expect(try cal.workingDays(from: date("2025-01-11"), to: date("2025-01-10")) == -1)
        #expect(try cal.workingDays(from: date("2025-01-10"), to: date("2025-01-11")) == 0)
        // A whole year: 2025 has 261 weekdays (365 = 52 weeks + Wed 1 Jan), less 8 holidays = 253.
        #expect(try cal.workingDays(from: date("2024-12-31"), to: date("2025-12-31")) == 253)
    }

    @Test func overChristmasWithSubstitutes() throws {
        // 2021: Fri 24 Dec; Sat 25, Sun 26, Mon 27 (sub), Tue 28 (sub) off -> Wed 29 Dec.
        #expect(try after(1, "2021-12-24") == "2021-12-29")
        // ... + 5: Wed 29 (1), Thu 30 (2), Fri 31 (3); Sat 1, Sun 2, Mon 3 Jan (New Year sub) off;
        // Tue 4 (4), Wed 5 (5).
        #expect(try after(5, "2021-12-24") == "2022-01-05")
        #expect(try cal.workingDays(from: date("2021-12-24"), to: date("2022-01-05")) == 5)
        // Backwards: Wed 29 Dec 2021 - 1 -> Fri 24 Dec.
        #expect(try after(-1, "2021-12-29") == "2021-12-24")
        // 2022: Fri 23 Dec; Sat 24, Sun 25, Mon 26 Boxing, Tue 27 Christmas sub off -> Wed 28.
        #expect(try after(1, "2022-12-23") == "2022-12-28")
        // 2027: Fri 24 Dec; Sat 25, Sun 26, Mon 27, Tue 28 off -> Wed 29.
        #expect(try after(1, "2027-12-24") == "2027-12-29")
        // 2020: Thu 24 Dec; Fri 25 Christmas, Sat, Sun, Mon 28 Boxing sub -> Tue 29.
        #expect(try after(1, "2020-12-24") == "2020-12-29")
        // 2017: Fri 22 Dec; Mon 25, Tue 26 off -> Wed 27 (1), Thu 28 (2), Fri 29 (3);
        // Mon 1 Jan 2018 off -> Tue 2 Jan (4).
        #expect(try after(4, "2017-12-22") == "2018-01-02")
    }

    @Test func overEaster() throws {
        // 2025: Easter Sunday 20 April. Thu 17 Apr + 1: Fri 18 (Good Friday), Sat, Sun,
        // Mon 21 (Easter Monday) off -> Tue 22 Apr.
        #expect(try after(1, "2025-04-17") == "2025-04-22")
        #expect(try after(-1, "2025-04-22") == "2025-04-17")
        #expect(try cal.workingDays(from: date("2025-04-17"), to: date("2025-04-22")) == 1)
        // 2025 week of Easter: Mon 14 .. Thu 17 work, so Fri 11 + 4 = Thu 17, + 5 = Tue 22.
        #expect(try after(4, "2025-04-11") == "2025-04-17")
        #expect(try after(5, "2025-04-11") == "2025-04-22")
        // 2024: Easter Sunday 31 March; Thu 28 Mar + 1 -> Tue 2 Apr.
        #expect(try after(1, "2024-03-28") == "2024-04-02")
    }

    @Test func seventyWorkingDaysFromFirstDecember2017() throws {
        // Publication Fri 2017-12-01. Counting working days after it:
        //   Dec  4- 8:  1- 5   Dec 11-15:  6-10   Dec 18-22: 11-15
        //   Mon 25 Christmas, Tue 26 Boxing Day off; Dec 27-29: 16-18
        //   Mon 1 Jan 2018 off; Jan 2-5 (Tue-Fri): 19-22
        //   Jan  8-12: 23-27   Jan 15-19: 28-32   Jan 22-26: 33-37   Jan 29-Feb 2: 38-42
        //   Feb  5- 9: 43-47   Feb 12-16: 48-52   Feb 19-23: 53-57   Feb 26-Mar 2: 58-62
        //   Mar  5- 9: 63-67   Mon 12: 68, Tue 13: 69, Wed 14 March: 70.
        // (This span crosses Christmas and New Year but ends before Easter 2018, Good Friday 30 March.)
        #expect(try after(70, "2017-12-01") == "2018-03-14")
        #expect(try cal.workingDays(from: date("2017-12-01"), to: date("2018-03-14")) == 70)
    }

    @Test func seventyWorkingDaysOverChristmasAndEaster() throws {
        // Publication Wed 2017-12-20. Easter 2018: Good Friday 30 March, Easter Monday 2 April.
        //   Thu 21 Dec: 1, Fri 22: 2; Mon 25, Tue 26 off; Wed 27-Fri 29: 3-5
        //   Mon 1 Jan off; Jan 2-5: 6-9
        //   Jan  8-12: 10-14   Jan 15-19: 15-19   Jan 22-26: 20-24   Jan 29-Feb 2: 25-29
        //   Feb  5- 9: 30-34   Feb 12-16: 35-39   Feb 19-23: 40-44   Feb 26-Mar 2: 45-49
        //   Mar  5- 9: 50-54   Mar 12-16: 55-59   Mar 19-23: 60-64   Mar 26-29 (Mon-Thu): 65-68
        //   Fri 30 Mar Good Friday, Sat, Sun, Mon 2 Apr Easter Monday off; Tue 3 Apr: 69, Wed 4 Apr: 70.
        #expect(try after(70, "2017-12-20") == "2018-04-04")
        #expect(try cal.workingDays(from: date("2017-12-20"), to: date("2018-04-04")) == 70)
        #expect(try after(-70, "2018-04-04") == "2017-12-20")

        // 2023/24 (Easter Sunday 31 March 2024; 2024 is a leap year).
        // Publication Fri 2023-12-15:
        //   Dec 18-22: 1-5; Mon 25, Tue 26 off; Dec 27-29: 6-8; Mon 1 Jan off; Jan 2-5: 9-12
        //   Jan  8-12: 13-17   Jan 15-19: 18-22   Jan 22-26: 23-27   Jan 29-Feb 2: 28-32
        //   Feb  5- 9: 33-37   Feb 12-16: 38-42   Feb 19-23: 43-47   Feb 26-Mar 1: 48-52
        //   Mar  4- 8: 53-57   Mar 11-15: 58-62   Mar 18-22: 63-67   Mon 25: 68, Tue 26: 69, Wed 27 Mar: 70.
        #expect(try after(70, "2023-12-15") == "2024-03-27")
        // One working day later (Mon 18 Dec) -> Thu 28 Mar, the last day before Good Friday.
        #expect(try after(70, "2023-12-18") == "2024-03-28")
        // Tue 19 Dec -> the next working day after Thu 28 Mar: Good Friday 29, Sat, Sun,
        // Easter Monday 1 Apr off -> Tue 2 April.
        #expect(try after(70, "2023-12-19") == "2024-04-02")
    }

    @Test func lancashireReport() throws {
        // Publication Tue 2017-11-21 (1 Nov 2017 was a Wednesday):
        //   Nov 22-24 (Wed-Fri): 1-3   Nov 27-Dec 1: 4-8   Dec 4-8: 9-13   Dec 11-15: 14-18
        //   Dec 18-22: 19-23; Mon 25, Tue 26 off; Dec 27-29: 24-26
        //   Mon 1 Jan 2018 off; Jan 2-5: 27-30
        //   Jan  8-12: 31-35   Jan 15-19: 36-40   Jan 22-26: 41-45   Jan 29-Feb 2: 46-50
        //   Feb  5- 9: 51-55   Feb 12-16: 56-60   Feb 19-23: 61-65   Feb 26-Mar 2: 66-70
        // so the written statement of action is due Fri 2 March 2018.
        #expect(try after(70, "2017-11-21") == "2018-03-02")
        #expect(try cal.workingDays(from: date("2017-11-21"), to: date("2018-03-02")) == 70)
        #expect(try cal.workingDays(from: date("2017-11-21"), to: date("2018-03-01")) == 69)
        // On Sat 3 March the deadline has passed by one working day.
        #expect(try cal.workingDays(from: date("2018-03-03"), to: date("2018-03-02")) == -1)
    }

    @Test func movedMayBankHoliday2020() throws {
        // 2020: early May bank holiday moved from Mon 4 May to Fri 8 May (VE Day 75).
        #expect(try cal.isWorkingDay(date("2020-05-04")))
        #expect(try !cal.isWorkingDay(date("2020-05-08")))
        #expect(cal.bankHoliday(on: date("2020-05-08"))?.hasPrefix("Early May bank holiday") == true)
        // Fri 1 May + 1 -> Mon 4 May (works); Thu 7 May + 1 -> Mon 11 May.
        #expect(try after(1, "2020-05-01") == "2020-05-04")
        #expect(try after(1, "2020-05-07") == "2020-05-11")
        // Mon 4 .. Fri 8 May 2020 has 4 working days.
        #expect(try cal.workingDays(from: date("2020-05-03"), to: date("2020-05-08")) == 4)
    }

    @Test func platinumJubilee2022() throws {
        // 2022: spring bank holiday moved from Mon 30 May to Thu 2 June, plus Fri 3 June.
        #expect(try cal.isWorkingDay(date("2022-05-30")))
        #expect(try !cal.isWorkingDay(date("2022-06-02")))
        #expect(try !cal.isWorkingDay(date("2022-06-03")))
        #expect(cal.bankHoliday(on: date("2022-06-03")) == "Platinum Jubilee bank holiday")
        // Wed 1 June + 1 -> Mon 6 June.
        #expect(try after(1, "2022-06-01") == "2022-06-06")
        // After Fri 27 May up to Mon 6 June: Mon 30, Tue 31, Wed 1, Mon 6 = 4.
        #expect(try cal.workingDays(from: date("2022-05-27"), to: date("2022-06-06")) == 4)
        // State funeral Mon 19 Sept 2022: Fri 16 + 1 -> Tue 20.
        #expect(try after(1, "2022-09-16") == "2022-09-20")
    }

    @Test func coronation2023() throws {
        // Mon 1 May (early May) and Mon 8 May (coronation) are both off: Fri 5 + 1 -> Tue 9.
        #expect(try after(1, "2023-05-05") == "2023-05-09")
        #expect(try after(1, "2023-04-28") == "2023-05-02")
    }

    // MARK: Out of range

    @Test func outOfRange() throws {
        let late = #expect(throws: ServiceError.self) { try cal.isWorkingDay(date("2031-01-02")) }
        #expect(late?.code == .invalid)
        #expect(late?.message == "2031-01-02 is outside the bank-holiday calendar, which covers 2016 to 2030")
        let early = #expect(throws: ServiceError.self) { try cal.isWorkingDay(date("2015-12-31")) }
        #expect(early?.message == "2015-12-31 is outside the bank-holiday calendar, which covers 2016 to 2030")

        // The edges are inside.
        #expect(try !cal.isWorkingDay(date("2016-01-01")))
        #expect(try cal.isWorkingDay(date("2030-12-31")))

        // Fri 27 Dec 2030: Mon 30 (1), Tue 31 (2), then 2031 -> the first date outside is named.
        #expect(try after(2, "2030-12-27") == "2030-12-31")
        let past = #expect(throws: ServiceError.self) { try after(3, "2030-12-27") }
        #expect(past?.message == "2031-01-01 is outside the bank-holiday calendar, which covers 2016 to 2030")
        // Backwards: Fri 1 Jan 2016 is a holiday, so Mon 4 Jan 2016 - 1 runs off the start.
        let before = #expect(throws: ServiceError.self) { try after(-1, "2016-01-04") }
        #expect(before?.message == "2015-12-31 is outside the bank-holiday calendar, which covers 2016 to 2030")
        // Starting outside throws even for n = 0; counting with either end outside throws.
        #expect(throws: ServiceError.self) { try after(0, "2031-06-02") }
        #expect(throws: ServiceError.self) { try cal.workingDays(from: date("2030-12-01"), to: date("2031-01-02")) }
        #expect(throws: ServiceError.self) { try cal.workingDays(from: date("2015-12-01"), to: date("2016-01-05")) }
        #expect(cal.bankHoliday(on: date("2031-01-01")) == nil)
    }

    // MARK: Properties

    @Test func countingInvertsAdding() throws {
        var rng = SplitMix64(seed: 0x5E4D_2017_1121)
        let lo = date("2016-07-01").dayNumber, hi = date("2030-06-30").dayNumber
        for _ in 0..<2000 {
            // |n| <= 120 working days is under six calendar months, so the ends stay inside 2016...2030.
            let start = LocalDate(dayNumber: lo + Int(rng.next() % UInt64(hi - lo + 1)))
            let n = Int(rng.next() % 241) - 120
            let end = try cal.adding(workingDays: n, to: start)
            #expect(try cal.workingDays(from: start, to: end) == n, "\(start) \(n) -> \(end)")
            if n != 0 { #expect(try cal.isWorkingDay(end), "\(start) \(n) -> \(end)") }
            #expect(n > 0 ? end > start : n < 0 ? end < start : end == start)
        }
    }

    @Test func countingMatchesDayByDay() throws {
        var rng = SplitMix64(seed: 42)
        let lo = date("2016-01-01").dayNumber, hi = date("2030-12-31").dayNumber
        for _ in 0..<300 {
            let a = lo + Int(rng.next() % UInt64(hi - lo + 1))
            let b = max(lo, min(hi, a + Int(rng.next() % 801) - 400))
            var expected = 0
            if a <= b {
                for d in stride(from: a + 1, through: b, by: 1) where isWorkingByHand(d) { expected += 1 }
            } else {
                for d in stride(from: b, to: a, by: 1) where isWorkingByHand(d) { expected -= 1 }
            }
            let from = LocalDate(dayNumber: a), to = LocalDate(dayNumber: b)
            #expect(try cal.workingDays(from: from, to: to) == expected, "\(from) -> \(to)")
        }
    }

    private func isWorkingByHand(_ day: Int) -> Bool {
        let d = LocalDate(dayNumber: day)
        return !d.isWeekend && cal.bankHoliday(on: d) == nil
    }
}

/// A small deterministic generator (SplitMix64), so failures reproduce.
private struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E4B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
