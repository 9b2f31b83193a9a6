import Foundation
import GRDB
public import SendModel

#if canImport(Glibc)
import Glibc
#endif

/// `sendctl restore`: a backup put back into an empty data directory, offline (no stack running).
///
/// It refuses, changing nothing and naming what is wrong: a data directory that is not empty, a
/// supervisor or service running on the run directory, a missing or unreadable manifest, a
/// missing file, a size or SHA-256 that is not the manifest's, any of `BackupManifest.problems()`,
/// and an encrypted backup without an identity or with the wrong one. Each copy is decrypted
/// (`age -d -i FILE`) or copied into a staging directory inside the data directory, checked there
/// (its SHA-256, `PRAGMA integrity_check`, its log identity, last seq and cursors against the
/// manifest), given a new log identity (docs/PROTOCOL.md: "a database restored from a backup must
/// have a new incarnation") with every cursor of a restored source re-pointed to its source's new
/// one, and only then renamed into place. Blocking: call it on a thread of your own.
public struct StackRestore: Sendable {
    public struct Outcome: Sendable {
        public let manifest: BackupManifest
        /// Each restored service's log identity: the backup's, and the new one.
        public let incarnations: [String: (was: String, now: String)]
    }

    /// The staging directory's name inside the data directory.
    static let stagingName = ".send-restore.partial"

    public let directories: RuntimeDirectories

    public init(directories: RuntimeDirectories) { self.directories = directories }

    /// Restores the backup in `backup`; `identity` is the age identity file for an encrypted one.
    public func run(from backup: String, identity: String?) throws(BackupError) -> Outcome {
        let backup = RuntimeDirectories(run: backup, data: backup).run
        try checkNothingRuns()
        let dataExists = try checkDataDirectoryEmpty()
        let manifest = try readManifest(backup)
        let problems = manifest.problems()
        if !problems.isEmpty {
            throw BackupError(.damaged, "the backup \(backup) cannot be restored; nothing was changed:\n  " + problems.joined(separator: "\n  "))
        }
        let encrypted = manifest.recipient != nil || manifest.services.contains { $0.file.hasSuffix(".age") }
        if encrypted {
            guard let identity, !identity.isEmpty else {
                throw BackupError(.usage, "the backup \(backup) is encrypted (to \(manifest.recipient ?? "an age recipient")); "
                    + "give its age identity file with --identity FILE or SEND_BACKUP_IDENTITY. Nothing was changed")
            }
            guard access(identity, R_OK) == 0 else {
                throw BackupError(.usage, "cannot read the identity file \(identity): \(String(cString: strerror(errno))); nothing was changed")
            }
        }
        for copy in manifest.services {
            let path = "\(backup)/\(copy.file)"
            guard access(path, F_OK) == 0 else {
                throw BackupError(.damaged, "\(copy.file) is missing from \(backup): the backup is incomplete; nothing was changed")
            }
            let stored: (sha256: String, bytes: Int64)
            do { stored = try BackupFiles.digest(ofFile: path) } catch {
                throw BackupError(.damaged, "\(copy.file): \(error); nothing was changed")
            }
            if stored.bytes != copy.bytes {
                throw BackupError(.damaged, "\(copy.file) is \(stored.bytes) bytes; the manifest says \(copy.bytes): the file is damaged. Nothing was changed")
            }
            if stored.sha256 != copy.sha256 {
                throw BackupError(.damaged, "\(copy.file) does not match its SHA-256 in the manifest: the file is damaged. Nothing was changed")
            }
        }

        let staging = "\(directories.data)/\(Self.stagingName)"
        let createdData = !dataExists
        if createdData {
            do { try RuntimeDirectories.makeDirectories(directories.data, role: "data directory") } catch { throw BackupError(.destination, error.message) }
        }
        do {
            guard mkdir(staging, 0o700) == 0 else { throw BackupFiles.Failure("make the staging directory", staging) }
            var staged: [(copy: BackupCopy, path: String)] = []
            for copy in manifest.services {
                let path = "\(staging)/\(copy.service).sqlite"
                try place(copy, from: "\(backup)/\(copy.file)", to: path, identity: encrypted ? identity : nil)
                try check(copy, at: path)
                staged.append((copy, path))
            }
            // Every copy is sound: new identities, cursors re-pointed, then into place.
            var fresh: [String: String] = [:]
            for copy in manifest.services { fresh[copy.service] = Self.newIncarnation(avoiding: copy.incarnation) }
            for (copy, path) in staged {
                let queue = try DatabaseQueue(path: path)
                try queue.write { db in
                    try db.execute(sql: "UPDATE send_identity SET incarnation = ?", arguments: [fresh[copy.service]])
                    for cursor in copy.cursors {
                        guard let now = fresh[cursor.source] else { continue }
                        try db.execute(sql: "UPDATE send_cursors SET incarnation = ? WHERE source = ?", arguments: [now, cursor.source])
                    }
                }
                try queue.close()
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: staging)
            for name in names.sorted() {
                guard rename("\(staging)/\(name)", "\(directories.data)/\(name)") == 0 else {
                    throw BackupFiles.Failure("move into place", "\(directories.data)/\(name)")
                }
            }
            rmdir(staging)
            try BackupFiles.syncDirectory(directories.data)
            var incarnations: [String: (was: String, now: String)] = [:]
            for copy in manifest.services { incarnations[copy.service] = (copy.incarnation, fresh[copy.service]!) }
            return Outcome(manifest: manifest, incarnations: incarnations)
        } catch {
            // Leave the data directory as it was: empty (or absent, when this made it).
            if let entries = try? FileManager.default.contentsOfDirectory(atPath: directories.data) {
                for name in entries where name.hasSuffix(".sqlite") || name.hasSuffix(".sqlite-wal") || name.hasSuffix(".sqlite-shm") {
                    unlink("\(directories.data)/\(name)")
                }
            }
            try? FileManager.default.removeItem(atPath: staging)
            if createdData { rmdir(directories.data) }
            if let error = error as? BackupError { throw error }
            throw BackupError(.failed, "the restore failed: \(error); the data directory \(directories.data) is as it was")
        }
    }

    /// The copy decrypted or copied to `path`, and its plain bytes' SHA-256 checked.
    private func place(_ copy: BackupCopy, from source: String, to path: String, identity: String?) throws {
        let fd = try BackupFiles.create(path)
        do {
            defer { close(fd) }
            if let identity {
                do {
                    try BackupFiles.runAge(["-d", "-i", identity, source], input: nil, output: fd, what: "decrypt \(copy.file)")
                } catch {
                    throw BackupError(.damaged, "cannot decrypt \(copy.file) with the identity \(identity): \(error.description); nothing was changed")
                }
            } else {
                try BackupFiles.copy(from: source, to: fd, path: path)
            }
            try BackupFiles.sync(fd, path: path)
        }
        let plain = try BackupFiles.digest(ofFile: path)
        if plain.sha256 != copy.databaseSHA256 {
            throw BackupError(.damaged, "\(copy.file) does not hold the database the backup took (its SHA-256 is not the manifest's database_sha256); nothing was changed")
        }
    }

    /// The copy is a sound database holding what the manifest says.
    private func check(_ copy: BackupCopy, at path: String) throws {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        let damaged = { (what: String) in BackupError(.damaged, "\(copy.file): \(what); nothing was changed") }
        let (integrity, incarnation, lastSeq, cursors, migrations) = try queue.read { db in
            (try String.fetchAll(db, sql: "PRAGMA integrity_check"),
             try ServiceDatabase.incarnation(db),
             try ServiceDatabase.lastSeq(db),
             try Row.fetchAll(db, sql: "SELECT source, seq, incarnation FROM send_cursors ORDER BY source")
                .map { BackupCursor(source: $0["source"], seq: $0["seq"], incarnation: $0["incarnation"]) },
             try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid"))
        }
        if integrity != ["ok"] { throw damaged("SQLite's integrity check failed (\(integrity.prefix(3).joined(separator: "; ")))") }
        if incarnation != copy.incarnation { throw damaged("its log is \(incarnation); the manifest says \(copy.incarnation)") }
        if lastSeq != copy.lastSeq { throw damaged("its last event is \(lastSeq); the manifest says \(copy.lastSeq)") }
        if cursors != copy.cursors { throw damaged("its follower cursors are not the manifest's") }
        if migrations != copy.migrations { throw damaged("its migrations are not the manifest's") }
    }

    private func checkNothingRuns() throws(BackupError) {
        for name in [ServiceName.supervisor] + BackupManifest.order + [ServiceName.portal] {
            if let lock = InstanceLock.inspect(directories.lockPath(name)), lock.held {
                let who = name == ServiceName.supervisor ? "the supervisor" : name
                throw BackupError(.destination, "\(who) (pid \(lock.pid.map(String.init) ?? "?")) is running on \(directories.run): "
                    + "stop the stack first (deploy/stack down). Nothing was changed")
            }
        }
    }

    /// Refuses a data directory with anything in it; true when it exists (empty).
    private func checkDataDirectoryEmpty() throws(BackupError) -> Bool {
        let data = directories.data
        var st = stat()
        if stat(data, &st) != 0 { return false }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw BackupError(.destination, "the data directory \(data) is not a directory; nothing was changed")
        }
        // A staging directory left by a restore that was killed is the only thing that may be there.
        try? FileManager.default.removeItem(atPath: "\(data)/\(Self.stagingName)")
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: data)) ?? []
        if !entries.isEmpty {
            let shown = entries.sorted().prefix(5).joined(separator: ", ") + (entries.count > 5 ? ", …" : "")
            throw BackupError(.destination, "the data directory \(data) is not empty (\(shown)): a restore goes only into an empty one, "
                + "so nothing there is overwritten. Choose another with --data-dir or SEND_DATA_DIR, or move its contents away. Nothing was changed")
        }
        return true
    }

    private func readManifest(_ backup: String) throws(BackupError) -> BackupManifest {
        let path = "\(backup)/\(BackupManifest.fileName)"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BackupError(.noBackup, "no \(BackupManifest.fileName) in \(backup): it is not a backup made by sendctl backup, "
                + "or that backup did not finish. Nothing was changed")
        }
        let bytes = Array(data)
        let manifest: BackupManifest
        do {
            manifest = try JSONDecoder().decode(BackupManifest.self, from: data)
        } catch {
            throw BackupError(.damaged, "\(BackupManifest.fileName) in \(backup) cannot be read: the file is damaged. Nothing was changed")
        }
        if manifest.v != BackupManifest.currentVersion {
            throw BackupError(.damaged, "\(BackupManifest.fileName) is version \(manifest.v); this sendctl reads version \(BackupManifest.currentVersion). Nothing was changed")
        }
        if manifest.manifestSHA256 == nil || !StackBackup.checksumMatches(bytes) {
            throw BackupError(.damaged, "\(BackupManifest.fileName) in \(backup) does not match its own SHA-256: the file is damaged. Nothing was changed")
        }
        return manifest
    }

    static func newIncarnation(avoiding old: String) -> String {
        var g = SystemRandomNumberGenerator()
        while true {
            let value = g.next() as UInt64
            let text = String(value, radix: 16)
            let id = String(repeating: "0", count: 16 - text.count) + text
            if id != old { return id }
        }
    }
}
