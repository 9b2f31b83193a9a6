import Testing
@testable import SendModel

@Suite("Dates and timestamps")
struct DateTests {
    @Test("ISO dates: only real dates parse", arguments: [
        ("2024-02-29", true), ("2023-02-29", false), ("2026-11-31", false), ("2026-1-01", false), ("2026-13-01", false), ("2026-12-31", true),
    ])
    func isoDates(_ text: String, _ valid: Bool) {
        #expect((LocalDate(iso: text) != nil) == valid)
    }

    @Test("day numbers, weekdays and month arithmetic")
    func arithmetic() {
        let d = LocalDate(iso: "2026-11-29")!
        #expect(d.isoWeekday == 7)  // a Sunday
        #expect(LocalDate(dayNumber: d.dayNumber) == d)
        #expect(d.adding(days: 3).iso == "2026-12-02")
        #expect(LocalDate(iso: "2024-01-31")!.adding(months: 1).iso == "2024-02-29")
        #expect(LocalDate(iso: "2017-11-21")!.adding(months: 18).iso == "2019-05-21")
        #expect(LocalDate(iso: "1970-01-01")!.dayNumber == 0)
    }

    @Test("RFC 3339 timestamps parse with offsets and print in UTC with milliseconds")
    func timestamps() {
        let t = Timestamp(rfc3339: "2026-11-29T16:02:07.5+01:00")!
        #expect(t.description == "2026-11-29T15:02:07.500Z")
        #expect(Timestamp(rfc3339: "2026-11-29T15:02:07Z")!.millis % 1000 == 0)
        #expect(Timestamp(rfc3339: "2026-11-29 15:02:07Z") == nil)
        #expect(Timestamp(rfc3339: "2026-11-29T25:02:07Z") == nil)
    }

    @Test("SEND_TODAY sets today")
    func todayOverride() {
        #expect(LocalDate.today(environment: ["SEND_TODAY": "2018-03-02"]).iso == "2018-03-02")
    }
}
