import Foundation
import SendModel
import TestSupport
import Testing

/// Against a real `findings-intake` process, through its socket and through the built `sendctl`.
@Suite("findings-intake process")
struct FindingsProcessTests {
    @Test func theDemoReportImportsListsAndImportsAgainAsNothingNew() throws {
        let live = try LiveFindings()
        defer { live.stop() }
        let first = try live.sendctl(["findings", "import", demoReportPath])
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("Recorded INS-lancashire-2017: 11 findings (2 fundamental failings, 7 areas of significant weakness, 2 strengths)"))
        #expect(first.output.contains("written statement of action due  2018-04-26"))

        let listed = try live.sendctl(["findings", "list"])
        #expect(listed.status == 0)
        for n in 1...11 { #expect(listed.output.contains("INS-lancashire-2017-F\(n < 10 ? "0" : "")\(n)"), "F\(n)") }
        #expect(listed.output.contains("11 findings"))
        let asJSON = try live.sendctl(["findings", "list", "--json", "--kind", "strength"])
        let strengths = try JSONValue.parse(Array(asJSON.output.utf8))
        #expect(strengths["count"] == 2)

        let eventsBefore = try live.client.allEvents(ServiceName.findings)
        let again = try live.sendctl(["findings", "import", demoReportPath])
        #expect(again.status == 0)
        #expect(again.output.contains("Nothing new: INS-lancashire-2017 and its 11 findings are already recorded."))
        #expect(try live.client.allEvents(ServiceName.findings) == eventsBefore)
        #expect(try live.call("findings.list")["count"] == 11)

        let shown = try live.sendctl(["inspections", "show", "INS-lancashire-2017"])
        #expect(shown.status == 0)
        #expect(shown.output.contains("written statement of action due  2018-04-26"))
        let inspections = try live.sendctl(["inspections", "list"])
        #expect(inspections.output.contains("INS-lancashire-2017  Lancashire  2016"))
    }

    @Test func theDemoLoaderImportsIntoTheRunningStack() throws {
        let live = try LiveFindings()
        defer { live.stop() }
        func load() throws -> (status: Int32, output: String) {
            let run = try ChildRun.run("/usr/bin/env", ["bash", repositoryRoot.appendingPathComponent("deploy/demo/load").path],
                                       environment: ["SEND_RUN_DIR": live.directory.run, "SEND_DATA_DIR": live.directory.data,
                                                     "SENDCTL": Binaries.path("sendctl")],
                                       timeout: 120, mergeOutput: true)
            return (run.status, run.output)
        }
        let first = try load()
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("Recorded INS-lancashire-2017: 11 findings"))
        let second = try load()
        #expect(second.status == 0)
        #expect(second.output.contains("Nothing new"))
        #expect(try live.call("findings.list")["count"] == 11)
    }

    @Test func theEventsCanBeReadBackAndFollowedInOrder() throws {
        let live = try LiveFindings()
        defer { live.stop() }
        _ = try live.call("findings.import", try demoReport())
        let events = try live.client.allEvents(ServiceName.findings)
        #expect(events.map(\.seq) == Array(1...12))
        #expect(events.allSatisfy { $0.source == ServiceName.findings })
        #expect(events[0].type == EventType.inspectionRecorded)
        #expect(events[0].data["deadlines"]?["wsoa_due"] == "2018-04-26")
        #expect(events.dropFirst().map { $0.data["finding_id"]?.stringValue } == (1...11).map { "INS-lancashire-2017-F\($0 < 10 ? "0" : "")\($0)" })
        // A follower resuming from a cursor gets exactly the rest.
        let rest = try live.client.allEvents(ServiceName.findings, after: 10)
        #expect(rest.map(\.seq) == [11, 12])
    }

    @Test func aBadReportIsRefusedWithEveryPathAndNothingRecorded() throws {
        let live = try LiveFindings()
        defer { live.stop() }
        var bad = edited(try demoReport(), ["findings", 2, "kind"], with: "significant_weakness")
        bad = edited(bad, ["findings", 5, "summary"], with: nil)
        bad = edited(bad, ["inspection", "published"], with: "2018-02-29")  // 2018 is not a leap year
        let path = live.write("bad-report.json", bad)
        let refused = try live.sendctl(["findings", "import", path])
        #expect(refused.status == 65, "\(refused.output)")
        for field in ["findings[2].kind", "findings[5].summary", "inspection.published"] {
            #expect(refused.output.contains("  \(field): "), "\(field) in \(refused.output)")
        }
        let error = try #require(try live.refusal("findings.import", bad))
        #expect(error.code == .invalid)
        #expect(Set(error.details.map(\.field)) == ["findings[2].kind", "findings[5].summary", "inspection.published"])
        #expect(try live.call("findings.list")["count"] == 0)
        #expect(try live.call("inspections.list")["count"] == 0)
        #expect(try live.client.allEvents(ServiceName.findings).isEmpty)

        let notJSON = "\(live.directory.path)/not-json.json"
        try "{\"inspection\": ".write(toFile: notJSON, atomically: true, encoding: .utf8)
        let unreadable = try live.sendctl(["findings", "import", notJSON])
        #expect(unreadable.status == 65)
        #expect(unreadable.output.contains("is not valid JSON"))
    }

    @Test func aDateOutsideTheHolidayCalendarReachesTheClientAsInvalid() throws {
        let live = try LiveFindings()
        defer { live.stop() }
        let report = edited(edited(try demoReport(), ["inspection", "published"], with: "2031-01-06"), ["inspection", "inspection_id"], with: nil)
        let error = try #require(try live.refusal("findings.import", report))
        #expect(error.code == .invalid)
        #expect(error.field == "inspection.published")
        #expect(error.message.contains("which covers 2016 to 2030"))
    }

    @Test func theRevisitFlowThroughSendctlCarriesExactlyTheNotSufficient() throws {
        let live = try LiveFindings(environment: ["SEND_TODAY": "2020-06-01"])
        defer { live.stop() }
        _ = try live.call("findings.import", try demoReport())
        let one = try live.sendctl(["findings", "judge", "INS-lancashire-2017-F04", "--not-sufficient", "--date", "2020-03-06",
                                    "--note", "The pathway is still not compliant with NICE guidance."])
        #expect(one.status == 0, "\(one.output)")
        #expect(one.output.contains("Carried into INS-lancashire-2017-APP1 (accelerated progress plan) as INS-lancashire-2017-APP1-F01."))
        let revisit: JSONValue = ["inspection_id": "INS-lancashire-2017", "date": "2020-03-06", "judgements": .array(
            [1, 2, 3, 5, 8, 9].map { ["finding_id": .string("INS-lancashire-2017-F0\($0)"), "judgement": "sufficient"] }
                + [6, 7].map { ["finding_id": .string("INS-lancashire-2017-F0\($0)"), "judgement": "not_sufficient"] }
                + [["finding_id": "INS-lancashire-2017-F04", "judgement": "not_sufficient",
                    "note": "The pathway is still not compliant with NICE guidance."]])]
        let file = live.write("revisit.json", revisit)
        let all = try live.sendctl(["findings", "judge", "--file", file])
        #expect(all.status == 0, "\(all.output)")
        #expect(all.output.contains("6 sufficient, 3 not sufficient (1 already recorded)"))

        let carried = try live.call("findings.list", ["plan_id": "INS-lancashire-2017-APP1"])["findings"]?.arrayValue ?? []
        #expect(carried.map { $0["carried_from"]?.stringValue } == ["INS-lancashire-2017-F04", "INS-lancashire-2017-F06", "INS-lancashire-2017-F07"])
        let events = try live.client.allEvents(ServiceName.findings)
        #expect(events.filter { $0.type == EventType.findingCarriedOver }.map { $0.data["new_finding_id"]?.stringValue }
            == (1...3).map { "INS-lancashire-2017-APP1-F0\($0)" })
        #expect(events.filter { $0.type == EventType.findingJudged }.count == 9)

        let shown = try live.sendctl(["findings", "show", "INS-lancashire-2017-APP1-F01"])
        #expect(shown.output.contains("lineage: INS-lancashire-2017-F04 → INS-lancashire-2017-APP1-F01"))
        // A different judgement of a judged weakness is refused.
        let rewrite = try live.sendctl(["findings", "judge", "INS-lancashire-2017-F04", "--sufficient", "--date", "2020-03-06"])
        #expect(rewrite.status == 65)
        #expect(rewrite.output.contains("never rewritten"))
    }

    @Test func recordsSurviveAKill() throws {
        let live = try LiveFindings()
        defer { live.stop() }
        _ = try live.call("findings.import", try demoReport())
        live.process.signal(SIGKILL)
        _ = live.process.waitForExit()
        let restarted = try ServiceProcess("findings-intake", live.directory.flags, directory: live.directory)
        defer { restarted.stop() }
        #expect(live.client.waitReady(ServiceName.findings))
        #expect(try live.call("findings.list")["count"] == 11)
        #expect(try live.call("findings.import", try demoReport())["unchanged"] == true)
        #expect(try live.client.allEvents(ServiceName.findings).count == 12)
        // SIGTERM from a parent whose threads block it (this test runner) still stops the service cleanly.
        restarted.signal(SIGTERM)
        #expect(restarted.waitForExit(timeout: 10) == 0)
        #expect(restarted.output.contains("findings stopped"))
    }

    @Test func thePriorityActionPlanPeriodIsConfigurable() throws {
        let live = try LiveFindings(environment: ["SEND_PAP_WORKING_DAYS": "50"])
        defer { live.stop() }
        let added = try live.sendctl(["inspections", "add", "--local-area", "Test Vale", "--framework", "2023", "--visit-start", "2025-01-06",
                                      "--visit-end", "2025-01-10", "--published", "2025-02-12", "--outcome", "systemic_failings", "--json"])
        #expect(added.status == 0, "\(added.output)")
        let result = try JSONValue.parse(Array(added.output.utf8))
        // 50 working days after Wed 12 Feb 2025, across Easter (see DeadlinesTests).
        #expect(result["inspection"]?["deadlines"] == ["pap_due": "2025-04-25", "monitoring_expected": "2026-08-12"])

        let dir = TestDirectory()
        defer { dir.remove() }
        let refused = try ServiceProcess("findings-intake", dir.flags, directory: dir, environment: ["SEND_PAP_WORKING_DAYS": "soon"])
        #expect(refused.waitForExit(timeout: 20) == 78)
        #expect(refused.output.contains("SEND_PAP_WORKING_DAYS must be a whole number"))
    }
}
