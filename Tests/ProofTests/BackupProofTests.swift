import Foundation
import SendModel
import SendRuntime
import Testing
import TestSupport

/// Issue 17's proof: a backup taken with `sendctl backup` while the chaos load (without kills) goes
/// on, restored with `deploy/stack restore` into a fresh directory, as an operator would after a lost
/// disk. Every write acknowledged before the backup began is there exactly once; writes acknowledged
/// after it began are there at most once; every service's log is gapless; every follower reaches its
/// source's last seq and the notification log holds each source event once, in order; every restored
/// log has a new identity; and the restored stack takes new writes and follows them.
@Suite("Backup under load, restored into a fresh directory", .serialized)
struct BackupProofTests {
    @Test("A backup taken under a steady mixed load restores into an empty directory: nothing acknowledged before it is lost or doubled, every follower catches up exactly once, new writes are taken")
    func backupUnderLoadRestores() throws {
        let dir = TestDirectory()
        let backups = TestDirectory()
        let fresh = TestDirectory()
        var report = Report()
        var keep = true
        defer {
            if !keep {
                dir.remove()
                backups.remove()
                fresh.remove()
            }
        }

        // 1. The stack and its load.
        let stack = try ProofStack(directory: dir, environment: ["SEND_RATE_LIMIT_PER_MINUTE": "0"])
        #expect(stack.waitReady(), "the stack did not become ready:\n\(stack.startupReport)")
        let c = stack.client
        let seed = try c.call(ServiceName.findings, "findings.import", smallReport(0, area: "Backup seed").replacing(inspectionID: ChaosTests.seedInspection), timeout: 30)
        let weaknesses = (seed["findings"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(weaknesses.count == 3)
        #expect(c.waitSettled())

        let ledger = Ledger()
        let stop = StopFlag()
        var workers: [Done] = []
        for w in 0..<4 {
            let done = Done()
            let worker = try Worker(id: w, dir: dir, ledger: ledger, stop: stop, weaknesses: weaknesses)
            Thread { worker.run(); done.set() }.start()
            workers.append(done)
        }
        #expect(waitUntil(timeout: 60, interval: 0.05) { ledger.acked.count >= 150 }, "the load made only \(ledger.acked.count) writes")

        // 2. The backup, while the writes go on.
        let acknowledgedBefore = ledger.acked.count
        let backup = try runTool(Binaries.path("sendctl"), ["backup", "--out", backups.path] + dir.flags, directory: dir, timeout: 180)
        let acknowledgedDuring = ledger.acked.count - acknowledgedBefore
        #expect(backup.status == 0, "sendctl backup exited \(backup.status):\n\(backup.output)")
        _ = waitUntil(timeout: 30, interval: 0.05) { ledger.acked.count >= acknowledgedBefore + acknowledgedDuring + 50 }
        stop.set()
        for done in workers { #expect(done.wait(timeout: 90), "a load thread did not finish") }
        #expect(ledger.refused.isEmpty, "writes refused: \(ledger.refused.prefix(5))")
        let acked = ledger.acked
        report.line("load: \(acked.count) writes acknowledged, \(acknowledgedBefore) before the backup began, "
            + "\(acknowledgedDuring) while it ran, \(ledger.reads) reads, \(ledger.unacknowledged.count) never acknowledged")
        #expect(acknowledgedDuring > 0, "no write was acknowledged while the backup ran: it did not run under load")

        let entries = (try? FileManager.default.contentsOfDirectory(atPath: backups.path)) ?? []
        let made = entries.filter { $0.hasPrefix("send-backup-") }
        let backupPath = "\(backups.path)/\(try #require(made.first, "no send-backup-… directory in \(entries)"))"
        #expect(made.count == 1 && backup.output.contains(backupPath), "sendctl backup printed:\n\(backup.output)")
        let manifest = try JSONValueDecoder().decode(BackupManifest.self,
            from: try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(backupPath)/\(BackupManifest.fileName)")))))
        report.check(manifest.problems().isEmpty && manifest.services.map(\.service) == BackupManifest.order,
                     "manifest: \(manifest.services.map { "\($0.service) #\($0.lastSeq)" }.joined(separator: ", ")), taken in the order "
            + "\(manifest.services.map(\.service).joined(separator: ", ")); \(manifest.problems())")
        var oldIdentity: [String: String] = [:]
        for service in ServiceName.managed + [ServiceName.supervisor] {
            oldIdentity[service] = try c.call(service, "events.since", ["after": 0, "limit": 1], timeout: 10)["incarnation"]?.stringValue
        }
        stack.finish(keep: true)

        // 3. The restore into a fresh directory, which starts the stack.
        var environment = ["SEND_RUN_DIR": fresh.run, "SEND_DATA_DIR": fresh.data, "SEND_BIN_DIR": Binaries.directory,
                           "SEND_TODAY": proofToday, "SEND_RATE_LIMIT_PER_MINUTE": "0", "SEND_PORTAL_ADDRESS": "127.0.0.1:0"]
        environment["XDG_CONFIG_HOME"] = "\(fresh.path)/config"
        let restore = try runTool("\(repositoryRoot)/deploy/stack", ["restore", backupPath, "--detach"], environment: environment,
                                  directory: fresh, timeout: 300)
        #expect(restore.status == 0, "deploy/stack restore exited \(restore.status):\n\(restore.output)")
        let restored = try TestClient(fresh)
        defer {
            restored.close()
            stopDetachedSupervisor(fresh)
        }
        #expect(waitUntil(timeout: 60, interval: 0.1) {
            (try? restored.call(ServiceName.supervisor, "status", timeout: 2)["ready"]?.boolValue) == true
        }, "the restored stack did not become ready:\n\(restore.output)")
        #expect(restored.waitSettled(timeout: 90), "the restored followers did not catch up")

        // 4. What the restored stack holds.
        var unsure = acked.dropFirst(acknowledgedBefore).map(\.write)
        unsure += ledger.unacknowledged
        try Verify.writes(acked: Array(acked.prefix(acknowledgedBefore)), unsure: unsure, client: restored, report: &report, weaknesses: weaknesses)
        let events = try Verify.logs(restored, report: &report)
        Verify.notificationLog(events, report: &report)
        for copy in manifest.services {
            let page = try restored.call(copy.service, "events.since", ["after": 0, "limit": 1], timeout: 10)
            let now = page["incarnation"]?.stringValue
            let last = events[copy.service]?.last?.seq ?? 0
            report.check(now != nil && now != oldIdentity[copy.service] && now != copy.incarnation && last >= copy.lastSeq,
                         "\(copy.service): restored with a new log identity (\(now ?? "-"), was \(copy.incarnation)), "
                + "last seq \(last) ≥ the backup's \(copy.lastSeq)")
        }

        // 5. New writes are taken and followed: a finding reaches the board's coverage and a notification.
        let lastNotification = restored.lastSeq(ServiceName.notifications) ?? 0
        let added = try restored.call(ServiceName.findings, "findings.add", [
            "inspection_id": .string(ChaosTests.seedInspection), "kind": "area_of_significant_weakness", "theme": "restore",
            "summary": "Written after the restore", "bodies": ["local_authority"],
        ], timeout: 10)
        let findingID = try #require(added["finding"]?["finding_id"]?.stringValue ?? added["finding_id"]?.stringValue, "findings.add answered \(added.jsonString)")
        #expect(restored.waitSettled(timeout: 30))
        let coverage = try restored.call(ServiceName.board, "actions.coverage", timeout: 10)
        let gaps = (coverage["gaps"]?.arrayValue ?? []).compactMap { $0["finding_id"]?.stringValue }
        report.check(gaps.contains(findingID), "a finding added after the restore (\(findingID)) is a gap in the board's coverage")
        let notified = try restored.call(ServiceName.notifications, "notifications.list", ["after": .int(lastNotification), "limit": 100], timeout: 10)
        let about = (notified["notifications"]?.arrayValue ?? []).filter { $0["data"]?["subject"]?["id"]?.stringValue == findingID }
        report.check(about.count == 1, "notifications about \(findingID) after the restore: "
            + "\(about.compactMap { $0["data"]?["title"]?.stringValue })")

        print(report.text)
        #expect(report.failures.isEmpty, "\(report.failures.joined(separator: "\n"))")
        keep = !report.failures.isEmpty
    }

    /// SIGTERM to the supervisor `deploy/stack … --detach` started on `dir`, then waits for its lock (every service stops first).
    private func stopDetachedSupervisor(_ dir: TestDirectory) {
        guard let held = InstanceLock.inspect("\(dir.run)/supervisor.lock"), held.held, let pid = held.pid else { return }
        kill(pid, SIGTERM)
        if !waitUntil(timeout: 60, interval: 0.05, { !lockIsHeld("\(dir.run)/supervisor.lock") }) { kill(pid, SIGKILL) }
    }
}
