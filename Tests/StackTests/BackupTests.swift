import Foundation
import GRDB
import SendModel
import SendRuntime
import Testing
import TestSupport

/// `sendctl backup` of a running stack and `sendctl restore` into a fresh data directory, with
/// the real supervisor, services, sendctl and Debian's age.
@Suite("Backup and restore", .serialized)
struct BackupTests {
    /// sendctl with the test directory's stack key (the operator's rights) and its directories.
    func sendctl(_ arguments: [String], _ dir: TestDirectory, environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        try runTool(Binaries.path("sendctl"), arguments + dir.flags,
                    environment: ["SEND_KEY_FILE": dir.stackKeyPath].merging(environment) { $1 }, directory: dir)
    }

    /// Some writes in every log: an inspection and a finding (board follows it), a family, a person (everyone follows the register).
    func write(_ stack: Stack, familyRef: String) throws -> String {
        let inspection = try stack.client.call(ServiceName.findings, "inspections.add", [
            "local_area": "Lancashire", "inspectorates": ["Ofsted", "CQC"], "framework": "2016",
            "visit_start": "2017-11-13", "visit_end": "2017-11-17", "published": "2018-01-23", "outcome": "wsoa_required",
        ])
        let inspectionID = try #require(inspection["inspection_id"]?.stringValue ?? inspection["inspection"]?["inspection_id"]?.stringValue)
        let added = try stack.client.call(ServiceName.findings, "findings.add", [
            "inspection_id": .string(inspectionID), "kind": "area_of_significant_weakness", "theme": "Engagement with parents",
            "summary": "Leaders fail to engage effectively with parents and carers", "evidence": ["Quoted from the report"],
            "bodies": ["local_authority"],
        ])
        let finding = try #require(added["finding_id"]?.stringValue ?? added["finding"]?["finding_id"]?.stringValue)
        _ = try stack.client.call(ServiceName.comms, "families.import",
                                  ["csv": .string("family_ref,child_ref,ehc_plan,consent\n\(familyRef),C1,yes,no\n")])
        _ = try stack.client.addPerson(.boardChair)
        #expect(stack.client.waitRegisterApplied())
        #expect(waitUntil(timeout: 30) { boardKnows(stack.client, finding) })
        return finding
    }

    func boardKnows(_ client: TestClient, _ finding: String) -> Bool {
        ((try? client.call(ServiceName.board, "actions.coverage"))?["gaps"]?.arrayValue ?? []).contains { $0["finding_id"]?.stringValue == finding }
    }

    /// Takes a backup with sendctl and returns its directory (the first line: `backup: PATH`).
    func backup(_ dir: TestDirectory, out: String, _ extra: [String] = []) throws -> (path: String, output: String) {
        let run = try sendctl(["backup", "--out", out] + extra, dir)
        #expect(run.status == 0, "\(run.output)")
        let first = try #require(run.output.split(separator: "\n").first)
        #expect(first.hasPrefix("backup: \(out)/send-backup-"))
        let path = String(first.dropFirst("backup: ".count).prefix { $0 != " " })
        return (path, run.output)
    }

    func manifest(_ path: String) throws -> BackupManifest {
        try JSONDecoder().decode(BackupManifest.self, from: Data(contentsOf: URL(fileURLWithPath: "\(path)/manifest.json")))
    }

    func mode(_ path: String) -> Int {
        var st = stat()
        _ = stat(path, &st)
        return Int(st.st_mode & 0o777)
    }

    func entries(_ path: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }

    @Test("a backup of a running stack restores into a fresh data directory: followers catch up, new logs, new writes followed")
    func backupThenRestore() throws {
        let stack = try Stack()
        defer { stack.finish() }
        #expect(stack.waitReady())
        let finding = try write(stack, familyRef: "BACKUP-FAMILY-1")
        let out = "\(stack.dir.path)/backups"
        let (path, output) = try backup(stack.dir, out: out)

        // Files 0600 in a 0700 directory, one line per service in words.
        #expect(mode(path) == 0o700)
        #expect(entries(path) == ["board.sqlite", "comms.sqlite", "findings.sqlite", "manifest.json", "notifications.sqlite", "supervisor.sqlite"])
        for name in entries(path) { #expect(mode("\(path)/\(name)") == 0o600, "\(name)") }
        let m = try manifest(path)
        #expect(m.services.map(\.service) == BackupManifest.order)
        #expect(m.problems().isEmpty)
        for copy in m.services {
            #expect(output.contains("  \(copy.service): \(copy.service).sqlite, "), "\(output)")
            #expect(output.contains(copy.lastSeq == 0 ? "no events yet" : "last event \(copy.lastSeq)"))
            // The manifest is what the copy holds.
            let queue = try DatabaseQueue(path: "\(path)/\(copy.file)")
            let (last, incarnation, cursors) = try queue.read { db in
                (try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM send_events") ?? -1,
                 try String.fetchOne(db, sql: "SELECT incarnation FROM send_identity") ?? "",
                 try Row.fetchAll(db, sql: "SELECT source, seq, incarnation FROM send_cursors ORDER BY source")
                    .map { BackupCursor(source: $0["source"], seq: $0["seq"], incarnation: $0["incarnation"]) })
            }
            try queue.close()
            #expect(last == copy.lastSeq && incarnation == copy.incarnation && cursors == copy.cursors, "\(copy.service)")
            let live = try stack.client.call(copy.service, "health")
            #expect((live["last_seq"]?.intValue ?? -1) >= copy.lastSeq)
        }
        #expect(try #require(m.copy(of: ServiceName.findings)).lastSeq >= 2)
        #expect(try #require(m.copy(of: ServiceName.board)).cursors.contains { $0.source == ServiceName.findings && $0.seq >= 2 })
        stack.client.close()
        stack.supervisor.stop()

        // Restore into a fresh directory and start the stack there.
        let fresh = TestDirectory()
        let restored = try sendctl(["restore", path], fresh)
        #expect(restored.status == 0, "\(restored.output)")
        #expect(restored.output.contains("restored \(path)"))
        #expect(entries(fresh.data) == ["board.sqlite", "comms.sqlite", "findings.sqlite", "notifications.sqlite", "supervisor.sqlite"])
        let again = try Stack(directory: fresh)
        defer { again.finish() }
        #expect(again.waitReady())
        for copy in m.services {
            let events = try again.client.allEvents(copy.service)
            #expect(events.map(\.seq) == Array(stride(from: Int64(1), through: Int64(events.count), by: 1)), "\(copy.service): gapless")
            #expect(Int64(events.count) >= copy.lastSeq)
            let page = try again.client.call(copy.service, "events.since", ["after": .int(0), "limit": 1])
            #expect(page["incarnation"]?.stringValue != copy.incarnation, "\(copy.service) has a new log identity")
        }
        // Every follower reaches its source's last seq, in the source's new log.
        #expect(waitUntil(timeout: 30) {
            m.services.allSatisfy { copy in
                copy.cursors.allSatisfy { cursor in
                    guard let source = try? again.client.call(cursor.source, "health")["last_seq"]?.intValue,
                          let health = try? again.client.call(copy.service, "health"),
                          let at = health["follows"]?[cursor.source]?["cursor"]?.intValue else { return false }
                    return at == source
                }
            }
        })
        // What was there is there, once; new writes are taken and followed.
        let families = try again.client.call(ServiceName.comms, "families.list")
        #expect("\(families)".contains("BACKUP-FAMILY-1"))
        #expect(boardKnows(again.client, finding))
        let newFinding = try write(again, familyRef: "BACKUP-FAMILY-2")
        #expect(boardKnows(again.client, newFinding))
        // The portal got a new key; the one the stack had before is revoked.
        let people = try again.client.call(ServiceName.supervisor, "people.list")["people"]?.arrayValue ?? []
        let portals = people.filter { $0["role"]?.stringValue == "portal" }
        #expect(portals.count == 2 && portals.filter { $0["revoked_at"]?.stringValue == nil }.count == 1)
        #expect(again.state(ServiceName.portal) == "running")
    }

    @Test("the drill (restore --check) passes a good backup beside the running stack; a damaged, incomplete or misplaced restore is refused naming the file, and the data directory stays as it was")
    func damagedBackupsRefused() throws {
        let stack = try Stack()
        defer { stack.finish() }
        #expect(stack.waitReady())
        _ = try write(stack, familyRef: "DAMAGE-FAMILY-1")
        let (path, _) = try backup(stack.dir, out: "\(stack.dir.path)/backups")

        // Onto a running stack: refused.
        let running = try sendctl(["restore", path], stack.dir)
        #expect(running.status == 73)
        #expect(running.output.contains("the supervisor (pid \(stack.supervisor.pid)) is running on \(stack.dir.run)"), "\(running.output)")

        // The drill, with the stack running: the backup restores, and nothing of the stack's is touched.
        let dataBefore = entries(stack.dir.data)
        let drill = try sendctl(["restore", path, "--check"], stack.dir)
        #expect(drill.status == 0, "\(drill.output)")
        #expect(drill.output.contains("\(path) (taken ") && drill.output.contains(" restores: every file's checksum, every database's integrity and log position checked (notifications ")
                && drill.output.contains("the scratch copy is removed, nothing else was touched"), "\(drill.output)")
        #expect(entries(stack.dir.data) == dataBefore)

        // A flipped byte in each file: refused by the drill and by the restore.
        for name in entries(path) {
            let target = TestDirectory("damaged-\(name)")
            defer { target.remove() }
            let copy = "\(target.path)/backup"
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(copy)/\(name)")))
            bytes[bytes.count / 2] ^= 0x01
            try Data(bytes).write(to: URL(fileURLWithPath: "\(copy)/\(name)"))
            try FileManager.default.createDirectory(atPath: target.data, withIntermediateDirectories: true)
            let checked = try sendctl(["restore", copy, "--check"], target)
            #expect(checked.status == 65 && checked.output.contains("\(name)"), "\(name), --check: \(checked.output)")
            let run = try sendctl(["restore", copy], target)
            #expect(run.status == 65, "\(name): \(run.output)")
            #expect(run.output.contains("\(name)") && run.output.contains("damaged") && run.output.contains("Nothing was changed"), "\(run.output)")
            #expect(entries(target.data).isEmpty, "\(name): the data directory stays empty")
        }

        // A missing file.
        let incomplete = TestDirectory("incomplete")
        defer { incomplete.remove() }
        try FileManager.default.copyItem(atPath: path, toPath: "\(incomplete.path)/backup")
        try FileManager.default.removeItem(atPath: "\(incomplete.path)/backup/board.sqlite")
        let missing = try sendctl(["restore", "\(incomplete.path)/backup"], incomplete)
        #expect(missing.status == 65)
        #expect(missing.output.contains("board.sqlite is missing from \(incomplete.path)/backup: the backup is incomplete"), "\(missing.output)")
        #expect(access(incomplete.data, F_OK) != 0)

        // Not a backup at all.
        let none = try sendctl(["restore", incomplete.path], incomplete)
        #expect(none.status == 66)
        #expect(none.output.contains("no manifest.json in \(incomplete.path)"))

        // Onto a data directory that is not empty: refused, and it is unchanged.
        let occupied = TestDirectory("occupied")
        defer { occupied.remove() }
        try FileManager.default.createDirectory(atPath: occupied.data, withIntermediateDirectories: true)
        try "keep me\n".write(toFile: "\(occupied.data)/notes.txt", atomically: true, encoding: .utf8)
        let refused = try sendctl(["restore", path], occupied)
        #expect(refused.status == 73)
        #expect(refused.output.contains("the data directory \(occupied.data) is not empty (notes.txt)"), "\(refused.output)")
        #expect(entries(occupied.data) == ["notes.txt"])
        #expect(try String(contentsOfFile: "\(occupied.data)/notes.txt", encoding: .utf8) == "keep me\n")
    }

    @Test("an encrypted backup holds no plain value, is refused without its identity or with another, and restores with it")
    func encryptedBackup() throws {
        let stack = try Stack()
        defer { stack.finish() }
        #expect(stack.waitReady())
        let seeded = "ZEBRA-QUOKKA-7319"
        _ = try write(stack, familyRef: seeded)
        func keygen(_ name: String) throws -> (file: String, recipient: String) {
            let file = "\(stack.dir.path)/\(name).txt"
            let made = try runTool("/usr/bin/env", ["age-keygen", "-o", file], directory: stack.dir)
            #expect(made.status == 0, "\(made.output)")
            let recipient = try runTool("/usr/bin/env", ["age-keygen", "-y", file], directory: stack.dir).output
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return (file, recipient)
        }
        let key = try keygen("backup-identity")
        let other = try keygen("other-identity")
        let run = try sendctl(["backup", "--out", "\(stack.dir.path)/backups"], stack.dir, environment: ["SEND_BACKUP_RECIPIENT": key.recipient])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("(encrypted to \(key.recipient))"))
        #expect(run.output.contains("  comms: comms.sqlite.age, "))
        let path = String(try #require(run.output.split(separator: "\n").first).dropFirst("backup: ".count).prefix { $0 != " " })
        #expect(entries(path) == ["board.sqlite.age", "comms.sqlite.age", "findings.sqlite.age", "manifest.json",
                                  "notifications.sqlite.age", "supervisor.sqlite.age"])
        let cipher = try Data(contentsOf: URL(fileURLWithPath: "\(path)/comms.sqlite.age"))
        #expect(cipher.range(of: Data(seeded.utf8)) == nil)
        #expect(try Data(contentsOf: URL(fileURLWithPath: stack.dir.directories.databasePath(ServiceName.comms))).range(of: Data(seeded.utf8)) != nil
                || (try Data(contentsOf: URL(fileURLWithPath: stack.dir.directories.databasePath(ServiceName.comms) + "-wal"))).range(of: Data(seeded.utf8)) != nil)

        let fresh = TestDirectory("encrypted-restore")
        defer { fresh.remove() }
        let without = try sendctl(["restore", path], fresh)
        #expect(without.status == 64)
        #expect(without.output.contains("is encrypted (to \(key.recipient)); give its age identity file with --identity FILE or SEND_BACKUP_IDENTITY"))
        let wrong = try sendctl(["restore", path, "--identity", other.file], fresh)
        #expect(wrong.status == 65)
        #expect(wrong.output.contains("cannot decrypt notifications.sqlite.age with the identity \(other.file): age could not decrypt"), "\(wrong.output)")
        #expect(access(fresh.data, F_OK) != 0 || entries(fresh.data).isEmpty)
        let right = try sendctl(["restore", path], fresh, environment: ["SEND_BACKUP_IDENTITY": key.file])
        #expect(right.status == 0, "\(right.output)")
        #expect(entries(fresh.data) == ["board.sqlite", "comms.sqlite", "findings.sqlite", "notifications.sqlite", "supervisor.sqlite"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: fresh.directories.databasePath(ServiceName.comms))).range(of: Data(seeded.utf8)) != nil)
    }

    @Test("--keep N keeps the newest N complete backups and nothing else in the directory is touched")
    func keepPrunes() throws {
        let stack = try Stack()
        defer { stack.finish() }
        #expect(stack.waitReady())
        let out = "\(stack.dir.path)/backups"
        let first = try backup(stack.dir, out: out).path
        let second = try backup(stack.dir, out: out).path
        // Something else in the directory is never touched.
        try FileManager.default.createDirectory(atPath: "\(out)/send-backup-notes", withIntermediateDirectories: true)
        let (third, output) = try backup(stack.dir, out: out, ["--keep", "2"])
        #expect(output.contains("removed the older backup \(first)"))
        #expect(entries(out) == [second, third].map { ($0 as NSString).lastPathComponent }.sorted() + ["send-backup-notes"])
        let bad = try sendctl(["backup", "--out", out, "--keep", "0"], stack.dir)
        #expect(bad.status == 64)
    }

    @Test("backup needs every service running and an operator's key")
    func backupRefusals() throws {
        // A stack without board.
        let stack = try Stack(config: """
            {"services": [
              {"name": "findings", "executable": "findings-intake", "args": [], "env": {}},
              {"name": "comms", "executable": "parent-comms", "args": [], "env": {}},
              {"name": "notifications", "executable": "notifications", "args": [], "env": {}}
            ]}
            """)
        defer { stack.finish() }
        #expect(stack.waitReady())
        let person = try stack.client.addPerson(.boardChair)
        #expect(stack.client.waitRegisterApplied(by: [ServiceName.notifications]))
        let keyFile = "\(stack.dir.path)/chair.key"
        try "public-key = \(person.keys.publicKey)\nsecret-key = \(person.keys.secretKey)\n".write(toFile: keyFile, atomically: true, encoding: .utf8)
        let out = "\(stack.dir.path)/backups"
        let chair = try sendctl(["backup", "--out", out], stack.dir, environment: ["SEND_KEY_FILE": keyFile])
        #expect(chair.status == 77, "\(chair.output)")
        #expect(chair.output.contains("notifications: "), "\(chair.output)")
        let stopped = try sendctl(["backup", "--out", out], stack.dir)
        #expect(stopped.status == 69)
        #expect(stopped.output.contains("board: board is not running: no socket at \(stack.dir.run)/board.cmd"), "\(stopped.output)")
        #expect(entries(out).isEmpty, "no partial backup is left")
    }
}
