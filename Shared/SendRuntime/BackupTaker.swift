import Foundation
import GRDB
import GRDBSQLite
import Logging
import SendModel
import Synchronization
import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// The built-in `backup {"dir": ABSOLUTE_DIR, "recipient": "age1…"}`: one consistent copy of the
/// service's database, taken on a thread of its own (never the writer's or the reader's) and
/// answered through the reader-replies socket, like a read. One at a time: a second while one
/// runs is refused as `unavailable`.
///
/// The copy is the database as one read transaction sees it (`sqlite3_serialize` of a pooled
/// read connection: the pages of that snapshot, WAL included, in memory), written to
/// `<dir>/<service>.sqlite` (new file, 0600, fsynced) or, with a recipient, piped into
/// `age -r RECIPIENT` whose output is `<dir>/<service>.sqlite.age`: the plain copy never touches
/// the disk. The reply is the copy's `BackupCopy`.
final class BackupTaker: Sendable {
    let service: String
    let pool: DatabasePool
    let logger: Logger
    let context: ZeroMQ.Context
    let repliesEndpoint: String
    private let running = Mutex<Completion<Bool>?>(nil)

    init(service: String, pool: DatabasePool, logger: Logger, context: ZeroMQ.Context, repliesEndpoint: String) {
        self.service = service
        self.pool = pool
        self.logger = logger
        self.context = context
        self.repliesEndpoint = repliesEndpoint
    }

    /// What `start` did: began the copy on its own thread, found one running, or refused the arguments.
    enum Start {
        case started
        case busy
        case refused(ServiceError)
    }

    /// Checks the arguments here, on the caller's thread (a bad request is answered at once and never
    /// waits behind, or blocks, a real backup), then starts the copy on a thread of its own.
    func start(_ request: Request, route: [[UInt8]]) -> Start {
        let target: (dir: String, recipient: String?)
        do { target = try Self.arguments(request.args, service: service) } catch { return .refused(error) }
        return running.withLock { current in
            if let current, !current.isDone { return .busy }
            current = startThread("\(service)-backup") { [self] in
                // Below the service's own threads: a backup may take longer, a command may not. (Linux keeps the
                // nice value per thread, and `who` 0 is the calling thread.)
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
                let reply = answer(request, into: target.dir, recipient: target.recipient)
                guard let push = try? Socket(context, .push) else { return }
                _ = try? push.setLinger(1000)
                _ = try? push.connect(repliesEndpoint)
                _ = try? push.send(frames: [ReaderFrame.reply] + route + [reply])
                push.close()
            }
            return .started
        }
    }

    /// `dir` (an absolute directory the service can see) and `recipient` (an age public key), or the error naming the field.
    static func arguments(_ args: JSONValue, service: String) throws(ServiceError) -> (dir: String, recipient: String?) {
        let v = Validator(args)
        let dir = v.string("dir", maxLength: 4096)
        let recipient = v.string("recipient", required: false, maxLength: 200)
        if let dir, !dir.hasPrefix("/") { v.fail("dir", "must be an absolute path (the service runs in another directory than yours)") }
        if let recipient, !(recipient.hasPrefix("age1") && recipient.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })) {
            v.fail("recipient", "must be an age public key (age1…, as age-keygen prints)")
        }
        try v.check()
        guard let dir else { throw ServiceError(.invalid, "dir is required", field: "dir") }
        var st = stat()
        guard stat(dir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw ServiceError(.invalid, "\(dir) is not a directory \(service) can see", field: "dir")
        }
        return (dir, recipient)
    }

    /// Waits for a backup in flight to end (before the host closes the database).
    func wait() {
        if let current = running.withLock({ $0 }) { _ = current.wait() }
    }

    private func answer(_ request: Request, into dir: String, recipient: String?) -> [UInt8] {
        do {
            let started = monotonicMillis()
            let copy = try take(into: dir, recipient: recipient)
            logger.info("backup taken", metadata: ["backup.file": "\(copy.file)", "backup.bytes": "\(copy.bytes)",
                                                   "backup.last_seq": "\(copy.lastSeq)", "backup.ms": "\(monotonicMillis() - started)"])
            return Reply.ok(request.id, try JSONValue(encoding: copy)).bytes
        } catch let error as ServiceError {
            return Reply.failure(request.id, error).bytes
        } catch {
            logger.error("backup failed", metadata: ["error": "\(error)"])
            return Reply.failure(request.id, ServiceError(.internal, "\(service)'s backup failed: \(error)")).bytes
        }
    }

    private func take(into dir: String, recipient: String?) throws -> BackupCopy {
        let file = recipient == nil ? "\(service).sqlite" : "\(service).sqlite.age"
        let path = "\(dir)/\(file)"
        return try pool.read { db -> BackupCopy in
            // The reads first: they begin the snapshot the copy is made of.
            let incarnation = try ServiceDatabase.incarnation(db)
            let lastSeq = try ServiceDatabase.lastSeq(db)
            let migrations = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
            let cursors = try Row.fetchAll(db, sql: "SELECT source, seq, incarnation FROM send_cursors ORDER BY source")
                .map { BackupCursor(source: $0["source"], seq: $0["seq"], incarnation: $0["incarnation"]) }
            let takenAt = Timestamp.now().description
            guard let connection = db.sqliteConnection else { throw ServiceError(.internal, "the database is closed") }
            var size: sqlite3_int64 = 0
            guard let image = sqlite3_serialize(connection, "main", &size, 0) else {
                throw ServiceError(.internal, "SQLite could not copy \(service)'s database: \(String(cString: sqlite3_errmsg(connection)))")
            }
            defer { sqlite3_free(image) }
            let bytes = UnsafeRawBufferPointer(start: image, count: Int(size))
            let databaseSHA256 = BackupFiles.sha256(bytes)
            let fd = try BackupFiles.create(path)
            var stored: (sha256: String, bytes: Int64)
            do {
                defer { close(fd) }
                if let recipient {
                    try BackupFiles.runAge(["-r", recipient], input: bytes, output: fd, what: "encrypt \(service)'s copy")
                    try BackupFiles.sync(fd, path: path)
                    stored = try BackupFiles.digest(ofFile: path)
                } else {
                    try BackupFiles.writeAll(fd, bytes, path: path, syncEvery: 8 << 20)
                    try BackupFiles.sync(fd, path: path)
                    stored = (databaseSHA256, Int64(size))
                }
            } catch {
                unlink(path)
                throw ServiceError(.internal, "\(service)'s backup was not written: \(error)")
            }
            return BackupCopy(service: service, file: file, sha256: stored.sha256, bytes: stored.bytes,
                              databaseSHA256: databaseSHA256, migrations: migrations, incarnation: incarnation,
                              lastSeq: lastSeq, cursors: cursors, takenAt: takenAt)
        }
    }
}
