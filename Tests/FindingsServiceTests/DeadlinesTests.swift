import SendModel
import SendRuntime
import Testing
@testable import FindingsService

// Every expected date below was worked out by hand with a calendar; the counting is in the comments.
// "n WD" counts working days after the publication day (which never counts itself).
// Anchors: 2017-12-25 Mon, 2018-01-01 Mon, 2018-03-26 Mon; 2019-06-01 Sat; 2024-12-25 Wed; 2025-02-12 Wed.
// Bank holidays used: 2017-12-25/26, 2018-01-01, 2018-03-30 (Good Friday), 2018-04-02 (Easter Monday),
// 2019-08-26 (summer), 2024-12-25/26, 2025-01-01, 2025-04-18/21 (Easter).

@Suite("Deadlines")
struct DeadlinesTests {
    private func wsoa(_ published: String) throws -> Deadlines {
        try Deadlines.compute(framework: .framework2016, outcome: .wsoaRequired, published: date(published), papWorkingDays: 35)
    }

    private func pap(_ published: String, days: Int = 35) throws -> Deadlines {
        try Deadlines.compute(framework: .framework2023, outcome: .systemicFailings, published: date(published), papWorkingDays: days)
    }

    @Test func writtenStatementAcrossEaster() throws {
        // Tue 2018-01-16: Jan 17-19 = 3; 9 full weeks Jan 22 – Mar 23 = 48; Mar 26-29 = 52 (Fri 30 Good Friday,
        // Mon 2 Apr Easter Monday); Apr 3-6 = 56; Apr 9-13 = 61; Apr 16-20 = 66; Apr 23, 24, 25, 26 = 70.
        let d = try wsoa("2018-01-16")
        #expect(d.wsoaDue == date("2018-04-26"))
        // Without the two Easter holidays it would have been Tue 24 April.
        #expect(d.revisitWindowStart == date("2019-04-26"))
        #expect(d.revisitWindowEnd == date("2019-10-26"))
        #expect(d.papDue == nil && d.monitoringExpected == nil)
    }

    @Test func writtenStatementAcrossChristmasNewYearAndEaster() throws {
        // Wed 2017-12-20: Dec 21, 22 = 2; (25, 26 holidays) Dec 27-29 = 5; (1 Jan holiday) Jan 2-5 = 9;
        // 11 full weeks Jan 8 – Mar 23 = 64; Mar 26-29 = 68; (Mar 30, Apr 2 holidays) Apr 3 = 69, Apr 4 = 70.
        #expect(try wsoa("2017-12-20").wsoaDue == date("2018-04-04"))
    }

    @Test func writtenStatementFromASaturdayAcrossTheSummerBankHoliday() throws {
        // Sat 2019-06-15: the first working day is Mon 17 June. 10 full weeks Jun 17 – Aug 23 = 50;
        // (Mon 26 Aug holiday) Aug 27-30 = 54; Sep 2-6 = 59; Sep 9-13 = 64; Sep 16-20 = 69; Mon Sep 23 = 70.
        #expect(try wsoa("2019-06-15").wsoaDue == date("2019-09-23"))
    }

    @Test func priorityActionPlanDefaultIs35WorkingDays() throws {
        // Wed 2025-02-12: Feb 13, 14 = 2; 6 full weeks Feb 17 – Mar 28 = 32; Mar 31, Apr 1, Apr 2 = 35.
        let d = try pap("2025-02-12")
        #expect(d.papDue == date("2025-04-02"))
        #expect(d.monitoringExpected == date("2026-08-12"))
        #expect(d.wsoaDue == nil && d.revisitWindowStart == nil)
        #expect(FindingsSettings().papWorkingDays == 35)
    }

    @Test func priorityActionPlanAcrossChristmas() throws {
        // Mon 2024-12-02: Dec 3-6 = 4; Dec 9-13 = 9; Dec 16-20 = 14; Dec 23, 24 = 16; (25, 26 holidays) Fri 27 = 17;
        // Dec 30, 31 = 19; (1 Jan holiday) Jan 2, 3 = 21; Jan 6-10 = 26; Jan 13-17 = 31; Jan 20-23 = 35.
        #expect(try pap("2024-12-02").papDue == date("2025-01-23"))
    }

    @Test func priorityActionPlanWithAConfiguredPeriodAcrossEaster() throws {
        // From 35 on Wed 2 Apr 2025: Apr 3, 4 = 37; Apr 7-11 = 42; Apr 14-17 = 46; (18 Good Friday, 21 Easter
        // Monday) Apr 22-25 = 50.
        #expect(try pap("2025-02-12", days: 50).papDue == date("2025-04-25"))
    }

    @Test(arguments: [(Framework.framework2016, Outcome.noWsoaRequired), (.framework2023, .positive), (.framework2023, .inconsistent)])
    func outcomesWithoutAPlanHaveNoDeadlines(_ framework: Framework, _ outcome: Outcome) throws {
        let d = try Deadlines.compute(framework: framework, outcome: outcome, published: date("2024-06-03"), papWorkingDays: 35)
        #expect(d.entries.isEmpty)
        #expect(d.json == [:])
    }

    @Test func publicationBeforeTheCalendarIsRefusedNamingTheField() {
        #expect {
            _ = try Deadlines.compute(framework: .framework2016, outcome: .wsoaRequired, published: date("2015-06-01"),
                                      papWorkingDays: 35, field: "inspection.published")
        } throws: { error in
            guard let e = error as? ServiceError else { return false }
            return e.code == .invalid && e.field == "inspection.published" && e.message.contains("covers 2016 to 2030")
        }
    }

    @Test func aDeadlineBeyondTheCalendarIsRefusedNamingTheField() {
        // 70 working days after 1 November 2030 is in 2031, past the bank-holiday list.
        #expect {
            _ = try wsoa("2030-11-01")
        } throws: { error in
            guard let e = error as? ServiceError else { return false }
            return e.code == .invalid && e.field == "published" && e.message.contains("written statement of action")
                && e.message.contains("outside the bank-holiday calendar")
        }
        // The same publication with no deadline to compute is accepted.
        #expect(throws: Never.self) {
            _ = try Deadlines.compute(framework: .framework2016, outcome: .noWsoaRequired, published: date("2030-11-01"), papWorkingDays: 35)
        }
    }

    @Test func papWorkingDaysSetting() throws {
        #expect(try FindingsSettings.fromEnvironment([:]).papWorkingDays == 35)
        #expect(try FindingsSettings.fromEnvironment(["SEND_PAP_WORKING_DAYS": "50"]).papWorkingDays == 50)
        for bad in ["abc", "0", "-3", "251", "3.5"] {
            do {
                _ = try FindingsSettings.fromEnvironment(["SEND_PAP_WORKING_DAYS": bad])
                Issue.record("SEND_PAP_WORKING_DAYS='\(bad)' was accepted")
            } catch {
                #expect(error.message.contains("SEND_PAP_WORKING_DAYS"), "\(error.message)")
            }
        }
    }
}

@Suite("Identifiers")
struct IdentifierTests {
    @Test func slugs() {
        #expect(Identifiers.slug("Lancashire") == "lancashire")
        #expect(Identifiers.slug("Windsor and Maidenhead") == "windsor-and-maidenhead")
        #expect(Identifiers.slug("Bath & North East Somerset") == "bath-north-east-somerset")
        #expect(Identifiers.slug("  St. Helens ") == "st-helens")
        #expect(Identifiers.slug("Kingston upon Hull, City of") == "kingston-upon-hull-city-of")
    }

    @Test func derivedIDs() {
        #expect(Identifiers.inspectionID(localArea: "Lancashire", visitStart: date("2017-11-13")) == "INS-lancashire-2017")
        #expect(Identifiers.findingID(inspectionID: "INS-lancashire-2017", number: 4) == "INS-lancashire-2017-F04")
        #expect(Identifiers.findingID(inspectionID: "INS-lancashire-2017", number: 123) == "INS-lancashire-2017-F123")
        // A very long area name still leaves room for plan and finding suffixes within 64 characters.
        let long = Identifiers.inspectionID(localArea: String(repeating: "Long Name ", count: 20), visitStart: date("2024-01-08"))
        #expect(Identifiers.problem(with: long) == nil)
        #expect(Identifiers.problem(with: "\(long)-APP1-F001") == nil)
    }

    @Test func idRules() {
        #expect(Identifiers.problem(with: "INS-lancashire-2017-F01") == nil)
        #expect(Identifiers.problem(with: "") != nil)
        #expect(Identifiers.problem(with: "-x") != nil)
        #expect(Identifiers.problem(with: "has space") != nil)
        #expect(Identifiers.problem(with: String(repeating: "a", count: 65)) != nil)
    }
}
