import Foundation
import NotificationsService
import SendModel
import SendRuntime
import Testing
import TestSupport

/// A write the load sent, and what it should have left behind.
enum Write: Sendable {
    case report(id: String)
    case finding(inspection: String, summary: String)
    case action(title: String)
    case progress(action: String, note: String)
    case retitle(action: String, title: String)
    case family(ref: String)
    case enquiry(ref: String)
    case questionnaire(title: String)

    var name: String {
        switch self {
        case .report: "findings.import"
        case .finding: "findings.add"
        case .action: "actions.create"
        case .progress: "actions.progress"
        case .retitle: "actions.update"
        case .family: "families.import"
        case .enquiry: "enquiries.add"
        case .questionnaire: "questionnaires.create"
        }
    }
}

/// What the load did, shared by its threads. `@unchecked Sendable`: every field is guarded by `lock`.
final class Ledger: @unchecked Sendable {
    private let lock = NSLock()
    private var _acked: [(write: Write, result: JSONValue)] = []
    private var _unacknowledged: [Write] = []
    private var _refused: [String] = []
    private var _reads = 0
    private var _retries = 0

    func ack(_ w: Write, _ result: JSONValue) { lock.withLock { _acked.append((w, result)) } }
    func unacknowledged(_ w: Write) { lock.withLock { _unacknowledged.append(w) } }
    func refuse(_ s: String) { lock.withLock { _refused.append(s) } }
    func read() { lock.withLock { _reads += 1 } }
    func retry() { lock.withLock { _retries += 1 } }

    var acked: [(write: Write, result: JSONValue)] { lock.withLock { _acked } }
    var unacknowledged: [Write] { lock.withLock { _unacknowledged } }
    var refused: [String] { lock.withLock { _refused } }
    var reads: Int { lock.withLock { _reads } }
    var retries: Int { lock.withLock { _retries } }
    /// Commands answered: reads and writes (acknowledged or refused).
    var commands: Int { lock.withLock { _reads + _acked.count + _refused.count } }
}

/// One client thread of the load: mixed reads and writes on all four services, each write retried
/// under its own id until it is acknowledged (a retry after a kill gets the stored reply).
final class Worker: @unchecked Sendable {
    // `@unchecked Sendable`: used by the one thread that runs it.
    let id: Int
    let client: TestClient
    let ledger: Ledger
    let stop: StopFlag
    let weaknesses: [String]
    private var actions: [String] = []
    private var inspections: [String] = []
    private var families: [String] = []
    private var progressed: Set<String> = []
    private var k = 0

    init(id: Int, dir: TestDirectory, ledger: Ledger, stop: StopFlag, weaknesses: [String]) throws {
        self.id = id
        self.client = try TestClient(dir)
        self.ledger = ledger
        self.stop = stop
        self.weaknesses = weaknesses
    }

    func run() {
        defer { client.close() }
        while !stop.isSet {
            k += 1
            let roll = Int.random(in: 0..<100)
            switch roll {
            case 0..<50: read()
            case 50..<52:
                let inspection = "INS-chaos-\(id)-\(k)"
                if write(.findings, "findings.import", .report(id: inspection),
                         smallReport(k, area: "Chaos \(id)").replacing(inspectionID: inspection)) != nil {
                    inspections.append(inspection)
                }
            case 52..<59:
                // Findings go to the worker's latest inspection (a report holds tens of findings, not thousands).
                let inspection = inspections.last ?? ChaosTests.seedInspection
                let summary = "Chaos finding \(id)-\(k)"
                write(.findings, "findings.add", .finding(inspection: inspection, summary: summary),
                      ["inspection_id": .string(inspection), "kind": "area_for_improvement", "theme": "chaos",
                       "summary": .string(summary), "bodies": ["schools"]])
            case 59..<66:
                let title = "Chaos action \(id)-\(k)"
                if let result = write(.board, "actions.create", .action(title: title), [
                    "title": .string(title), "finding_ids": [.string(weaknesses.randomElement()!)],
                    "lead_organisation": "Chaos County Council", "sponsoring_director": "Director of Children's Services",
                    "action_lead": "Head of SEND", "start": "2026-03-02", "due": "2026-09-30",
                    "success_criteria": "The chaos test finds it after every kill",
                ]), let action = result["action"]?["action_id"]?.stringValue {
                    actions.append(action)
                }
            case 66..<78:
                guard let action = actions.randomElement() else { continue }
                let note = "Chaos note \(id)-\(k)"
                var args: JSONValue = ["action_id": .string(action), "note": .string(note), "author_role": "Head of SEND"]
                if !progressed.contains(action) { args = args.merging(["status": "in_progress"]) }
                if write(.board, "actions.progress", .progress(action: action, note: note), args) != nil { progressed.insert(action) }
            case 78..<82:
                guard let action = actions.randomElement() else { continue }
                let title = "Chaos action \(id)-\(k), retitled"
                write(.board, "actions.update", .retitle(action: action, title: title), ["action_id": .string(action), "title": .string(title)])
            case 82..<90:
                let ref = "CHAOS-\(id)-\(k)"
                if write(.comms, "families.import", .family(ref: ref),
                         ["csv": .string("family_ref,child_ref,ehc_plan,consent\n\(ref),C1,yes,no\n")]) != nil {
                    families.append(ref)
                }
            case 90..<98:
                guard let ref = families.randomElement() else { continue }
                write(.comms, "enquiries.add", .enquiry(ref: ref), ["family_ref": .string(ref), "text": .string("Chaos enquiry \(id)-\(k)")])
            default:
                let title = "Chaos questionnaire \(id)-\(k)"
                write(.comms, "questionnaires.create", .questionnaire(title: title), [
                    "title": .string(title), "anonymous": true, "closes": "2026-03-31",
                    "questions": [["kind": "yes_no", "text": "Did it survive?"]],
                ])
            }
        }
    }

    /// A read of one of the four services, retried until answered (or the load stops).
    private func read() {
        let choices: [(String, String, JSONValue)] = [
            (ServiceName.findings, "findings.list", ["inspection_id": .string(inspections.last ?? ChaosTests.seedInspection)]),
            (ServiceName.findings, "inspections.show", ["inspection_id": .string(inspections.randomElement() ?? ChaosTests.seedInspection)]),
            (ServiceName.board, "actions.list", ["limit": 20]),
            (ServiceName.board, "kpis.list", [:]),
            (ServiceName.comms, "enquiries.list", ["status": "overdue"]),
            (ServiceName.comms, "families.list", ["limit": 5]),
            (ServiceName.notifications, "notifications.list", ["after": .int(Int64.random(in: 0...1000)), "limit": 10]),
            (ServiceName.notifications, "health", [:]),
        ]
        let (service, command, args) = choices.randomElement()!
        while !stop.isSet {
            if let reply = try? client.send(service, Request(id: RequestID.make(), command: command, args: args), timeout: 2),
               case .success = reply.outcome {
                ledger.read()
                return
            }
            ledger.retry()
            usleep(20_000)
        }
    }

    /// Sends a write under one id until it is acknowledged; after the load stops, keeps trying for 45 s.
    @discardableResult
    private func write(_ service: Target, _ command: String, _ what: Write, _ args: JSONValue) -> JSONValue? {
        let request = Request(id: RequestID.make(), command: command, args: args)
        var giveUp: Date?
        while true {
            if let reply = try? client.send(service.name, request, timeout: 2) {
                switch reply.outcome {
                case .success(let result):
                    ledger.ack(what, result)
                    return result
                case .failure(let error) where error.code != .unavailable:
                    ledger.refuse("\(command) \(args.jsonString.prefix(200)): \(error.code.rawValue): \(error.message)")
                    return nil
                case .failure:
                    usleep(50_000)
                }
            }
            ledger.retry()
            if stop.isSet {
                if giveUp == nil { giveUp = Date().addingTimeInterval(45) }
                if Date() > giveUp! {
                    ledger.unacknowledged(what)
                    return nil
                }
            }
        }
    }

    enum Target {
        case findings, board, comms
        var name: String {
            switch self {
            case .findings: ServiceName.findings
            case .board: ServiceName.board
            case .comms: ServiceName.comms
            }
        }
    }
}

extension JSONValue {
    func merging(_ other: JSONValue) -> JSONValue {
        guard case .object(var o) = self, case .object(let more) = other else { return self }
        for (k, v) in more { o[k] = v }
        return .object(o)
    }
}

/// Reads back the effect of every acknowledged write.
enum Verify {
    static func writes(_ ledger: Ledger, client c: TestClient, report: inout Report, weaknesses: [String]) throws {
        try writes(acked: ledger.acked, unsure: ledger.unacknowledged, client: c, report: &report, weaknesses: weaknesses)
    }

    /// Every write of `acked` is there once; each of `unsure` (never acknowledged, or acknowledged
    /// after a backup began) may be there once or not at all.
    static func writes(acked: [(write: Write, result: JSONValue)], unsure unacked: [Write], client c: TestClient,
                       report: inout Report, weaknesses: [String]) throws {
        func maybe(_ name: String) -> Int { unacked.filter { $0.name == name }.count }
        func within(_ found: Int, _ ackedCount: Int, _ name: String) -> Bool { found >= ackedCount && found <= ackedCount + maybe(name) }

        // findings
        let inspections = Set((try c.call(ServiceName.findings, "inspections.list", timeout: 30)["inspections"]?.arrayValue ?? [])
            .compactMap { $0["inspection_id"]?.stringValue })
        let reports = acked.compactMap { if case .report(let id) = $0.write { id } else { nil } }
        let lostReports = reports.filter { !inspections.contains($0) }
        let chaosInspections = inspections.filter { $0.hasPrefix("INS-chaos-") && $0 != ChaosTests.seedInspection }
        report.check(lostReports.isEmpty && within(chaosInspections.count, reports.count, "findings.import"),
                     "findings.import: \(reports.count) acknowledged, \(lostReports.count) lost, \(chaosInspections.count) recorded")
        let allFindings = try c.call(ServiceName.findings, "findings.list", timeout: 30)["findings"]?.arrayValue ?? []
        // "<inspection>|<summary>" of every finding that findings.add made.
        let addedRecorded = allFindings.filter { $0["kind"]?.stringValue == "area_for_improvement" }
            .compactMap { f in f["summary"]?.stringValue.map { "\(f["inspection_id"]?.stringValue ?? "")|\($0)" } }
        let addedSet = Set(addedRecorded)
        let added = acked.compactMap { if case .finding(let i, let s) = $0.write { "\(i)|\(s)" } else { nil } }
        let lostFindings = added.filter { !addedSet.contains($0) }
        let duplicateFindings = addedRecorded.count - addedSet.count
        report.check(lostFindings.isEmpty && duplicateFindings == 0 && within(addedRecorded.count, added.count, "findings.add"),
                     "findings.add: \(added.count) acknowledged, \(lostFindings.count) lost, \(duplicateFindings) duplicated")

        // board: every action once, its title, each progress note once
        var listed: [JSONValue] = []
        var after: String?
        repeat {
            var args: JSONValue = ["limit": 10000]
            if let after { args = args.merging(["after": .string(after)]) }
            let page = try c.call(ServiceName.board, "actions.list", args, timeout: 30)
            listed += page["actions"]?.arrayValue ?? []
            after = page["next_after"]?.stringValue
        } while after != nil
        let created = acked.compactMap { a -> (id: String, title: String)? in
            if case .action(let title) = a.write, let id = a.result["action"]?["action_id"]?.stringValue { (id, title) } else { nil }
        }
        let listedIDs = listed.compactMap { $0["action_id"]?.stringValue }
        let lostActions = created.filter { !listedIDs.contains($0.id) }
        report.check(lostActions.isEmpty && within(listed.count, created.count, "actions.create"),
                     "actions.create: \(created.count) acknowledged, \(lostActions.count) lost, \(listed.count) listed")
        var expectedTitle: [String: String] = Dictionary(created.map { ($0.id, $0.title) }, uniquingKeysWith: { a, _ in a })
        var notes: [String: [String]] = [:]
        for a in acked {
            switch a.write {
            case .retitle(let action, let title): expectedTitle[action] = title
            case .progress(let action, let note): notes[action, default: []].append(note)
            default: break
            }
        }
        // A retitle that may or may not have applied (unacknowledged, or after a backup began) may be the last title instead.
        var unsureTitles: [String: Set<String>] = [:]
        for w in unacked { if case .retitle(let action, let title) = w { unsureTitles[action, default: []].insert(title) } }
        var wrongTitles = 0, lostNotes = 0, duplicateNotes = 0, extraNotes = 0
        for (action, title) in expectedTitle {
            let shown = try c.call(ServiceName.board, "actions.show", ["action_id": .string(action)], timeout: 10)
            let now = shown["action"]?["title"]?.stringValue ?? ""
            if now != title && !(unsureTitles[action]?.contains(now) ?? false) { wrongTitles += 1 }
            let recorded = (shown["updates"]?.arrayValue ?? []).compactMap { $0["note"]?.stringValue }
            let wanted = notes[action] ?? []
            lostNotes += wanted.filter { !recorded.contains($0) }.count
            duplicateNotes += recorded.count - Set(recorded).count
            extraNotes += Set(recorded).subtracting(wanted).count
        }
        let progress = acked.filter { if case .progress = $0.write { true } else { false } }.count
        let retitles = acked.filter { if case .retitle = $0.write { true } else { false } }.count
        report.check(lostNotes == 0 && duplicateNotes == 0 && extraNotes <= maybe("actions.progress"),
                     "actions.progress: \(progress) acknowledged, \(lostNotes) lost, \(duplicateNotes) duplicated")
        report.check(wrongTitles == 0, "actions.update: \(retitles) acknowledged, \(wrongTitles) actions without their last title")

        // board ← findings: the board knows every weakness the findings service recorded (coverage counts them)
        let needing = allFindings.filter { ["fundamental_failing", "area_of_significant_weakness", "priority_area"].contains($0["kind"]?.stringValue ?? "") }.count
        let coverage = try c.call(ServiceName.board, "actions.coverage", timeout: 30)
        report.check(coverage["required"]?.intValue == Int64(needing),
                     "board's coverage counts \(coverage["required"]?.intValue ?? -1) weaknesses; findings recorded \(needing)")

        // comms
        var families: [String] = []
        var familyAfter: String?
        repeat {
            var args: JSONValue = ["limit": 10000]
            if let familyAfter { args = args.merging(["after": .string(familyAfter)]) }
            let page = try c.call(ServiceName.comms, "families.list", args, timeout: 30)
            families += (page["families"]?.arrayValue ?? []).compactMap { $0["family_ref"]?.stringValue }
            familyAfter = page["next_after"]?.stringValue
        } while familyAfter != nil
        let importedRefs = acked.compactMap { if case .family(let ref) = $0.write { ref } else { nil } }
        let familySet = Set(families)
        report.check(importedRefs.allSatisfy(familySet.contains) && within(families.count, importedRefs.count, "families.import")
                     && families.count == familySet.count,
                     "families.import: \(importedRefs.count) acknowledged, \(importedRefs.filter { !familySet.contains($0) }.count) lost, \(families.count) recorded")
        let enquiries = try c.call(ServiceName.comms, "enquiries.list", ["status": "all"], timeout: 30)["enquiries"]?.arrayValue ?? []
        let enquiryIDs = Set(enquiries.compactMap { $0["enquiry_id"]?.intValue })
        let ackedEnquiries = acked.compactMap { a -> Int64? in if case .enquiry = a.write { a.result["enquiry_id"]?.intValue } else { nil } }
        var perFamily: [String: Int] = [:]
        for a in acked { if case .enquiry(let ref) = a.write { perFamily[ref, default: 0] += 1 } }
        var recordedPerFamily: [String: Int] = [:]
        for e in enquiries { if let ref = e["family_ref"]?.stringValue { recordedPerFamily[ref, default: 0] += 1 } }
        let enquiryDuplicates = perFamily.filter { (recordedPerFamily[$0.key] ?? 0) > $0.value + maybe("enquiries.add") }.count
        report.check(ackedEnquiries.allSatisfy(enquiryIDs.contains) && within(enquiries.count, ackedEnquiries.count, "enquiries.add") && enquiryDuplicates == 0,
                     "enquiries.add: \(ackedEnquiries.count) acknowledged, \(ackedEnquiries.filter { !enquiryIDs.contains($0) }.count) lost, "
                     + "\(enquiries.count) recorded")
        let questionnaires = (try c.call(ServiceName.comms, "questionnaires.list", timeout: 30)["questionnaires"]?.arrayValue ?? [])
            .compactMap { $0["title"]?.stringValue }
        let ackedQuestionnaires = acked.compactMap { if case .questionnaire(let t) = $0.write { t } else { nil } }
        report.check(ackedQuestionnaires.allSatisfy(questionnaires.contains) && within(questionnaires.count, ackedQuestionnaires.count, "questionnaires.create"),
                     "questionnaires.create: \(ackedQuestionnaires.count) acknowledged, "
                     + "\(ackedQuestionnaires.filter { !questionnaires.contains($0) }.count) lost, \(questionnaires.count) recorded")
    }

    /// Every service's events are gapless; every follower's cursor is its source's last seq, and none
    /// is stalled. The events, by service.
    static func logs(_ c: TestClient, report: inout Report) throws -> [String: [Event]] {
        var events: [String: [Event]] = [:]
        for service in ServiceName.managed + [ServiceName.supervisor] {
            let list = try c.allEvents(service)
            events[service] = list
            let gapless = list.map(\.seq) == (0..<list.count).map { Int64($0) + 1 }
            report.check(gapless, "\(service): \(list.count) events, seq 1…\(list.last?.seq ?? 0) without a gap")
        }
        for (follower, sources) in [(ServiceName.board, [ServiceName.findings]), (ServiceName.comms, [ServiceName.board]),
                                    (ServiceName.notifications, ServiceName.managed.filter { $0 != ServiceName.notifications } + [ServiceName.supervisor])] {
            let follows = try #require(c.health(follower)?["follows"])
            for source in sources {
                let cursor = follows[source]?["cursor"]?.intValue
                let stalled = follows[source]?["stalled"]
                report.check(cursor == events[source]?.last?.seq && stalled?.isNull == true,
                             "\(follower) follows \(source): cursor \(cursor ?? -1) = last seq \(events[source]?.last?.seq ?? 0), stalled: \(stalled?.jsonString ?? "-")")
            }
        }
        return events
    }

    /// The notification log holds each source event that makes a notification exactly once, in the source's order.
    static func notificationLog(_ events: [String: [Event]], report: inout Report) {
        let log = events[ServiceName.notifications] ?? []
        for source in ServiceName.managed.filter({ $0 != ServiceName.notifications }) + [ServiceName.supervisor] {
            let expected = (events[source] ?? []).filter { !((try? Rules.notifications(for: $0)) ?? []).isEmpty }.map(\.seq)
            let actual = log.compactMap { n -> Int64? in
                n.data["source"]?["service"]?.stringValue == source ? n.data["source"]?["seq"]?.intValue : nil
            }
            let duplicates = actual.count - Set(actual).count
            let outOfOrder = zip(actual, actual.dropFirst()).filter { $0 >= $1 }.count
            let missing = Set(expected).subtracting(actual).count
            let extra = Set(actual).subtracting(expected).count
            report.check(actual == expected, "notifications from \(source): \(actual.count) of \(expected.count) expected; "
                + "\(missing) lost, \(duplicates) duplicated, \(outOfOrder) out of order, \(extra) unexpected")
        }
    }
}
