import Foundation
import GRDB
import GRDBSQLite
import Logging
import Synchronization

/// Checkpoints the WAL from a thread and a connection of its own, so that no commit of the
/// writer waits for the database file's fsync.
///
/// The writer's connection has SQLite's auto-checkpoint replaced by a WAL hook that only asks
/// this thread to run: once the WAL holds `frames` pages, and once a second after any commit.
/// It runs PASSIVE checkpoints, which copy what no reader still needs into the database file and
/// fsync it without taking the write lock; the writer then starts the WAL again from its
/// beginning on its next commit, so the file is overwritten in place rather than grown. Should
/// readers keep a PASSIVE checkpoint from finishing until the WAL passes `walLimitBytes`, a
/// RESTART checkpoint bounds it: that one waits for readers and holds writers off meanwhile.
final class Checkpointer: @unchecked Sendable {
    // `@unchecked Sendable`: `connection` is used only by the checkpointer's thread (and by
    // `stop` after that thread ended); the flags are atomics and `wake` is a semaphore.
    let path: String
    let frames: Int32
    let walLimitBytes: Int64
    let logger: Logger
    private let wake = DispatchSemaphore(value: 0)
    private let asked = Atomic<Bool>(false)
    private let dirty = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private var connection: OpaquePointer?
    private var lastError: String?

    init(path: String, frames: Int32 = 1000, walLimitBytes: Int64 = 64 << 20, logger: Logger) throws {
        self.path = path
        self.frames = frames
        self.walLimitBytes = walLimitBytes
        self.logger = logger
        var db: OpaquePointer?
        let code = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
        sqlite3_busy_timeout(db, 5000)
        // FULL: the database file is fsynced after each checkpoint, before the WAL is reused.
        sqlite3_exec(db, "PRAGMA synchronous = FULL", nil, nil, nil)
        connection = db
    }

    /// Replaces auto-checkpoint on the writer's connection with a hook that wakes this thread.
    /// Call on the writer's connection (inside one of its accesses).
    func install(on writer: OpaquePointer) {
        sqlite3_wal_hook(writer, { context, _, _, pages in
            let me = Unmanaged<Checkpointer>.fromOpaque(context!).takeUnretainedValue()
            me.committed(pages: pages)
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Removes the hook; call on the writer's connection before this object goes away.
    static func uninstall(from writer: OpaquePointer) {
        sqlite3_wal_hook(writer, nil, nil)
    }

    /// From the WAL hook, on the writer's thread after each commit: cheap unless the WAL is full.
    private func committed(pages: Int32) {
        if !dirty.load(ordering: .relaxed) { dirty.store(true, ordering: .relaxed) }
        if pages >= frames && !asked.load(ordering: .relaxed) {
            asked.store(true, ordering: .relaxed)
            wake.signal()
        }
    }

    /// The thread's loop, until `stop`.
    func run() {
        while !stopping.load(ordering: .relaxed) {
            _ = wake.wait(timeout: .now() + 1)
            if stopping.load(ordering: .relaxed) { break }
            let full = asked.exchange(false, ordering: .relaxed)
            guard full || dirty.exchange(false, ordering: .relaxed) else { continue }
            checkpoint()
        }
    }

    /// Ends `run` (which returns within a moment) — call before joining its thread.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        wake.signal()
    }

    /// Closes the connection once the thread has ended.
    func close() {
        if let connection { sqlite3_close_v2(connection) }
        connection = nil
    }

    private func checkpoint() {
        guard let connection else { return }
        var log: Int32 = 0, done: Int32 = 0
        let code = sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, &log, &done)
        if code != SQLITE_OK && code != SQLITE_BUSY {
            // Once per cause (a full disk fails every second until there is room).
            let message = String(cString: sqlite3_errmsg(connection))
            if message != lastError { logger.warning("checkpoint failed", metadata: ["error": "\(message)"]) }
            lastError = message
            return
        }
        lastError = nil
        var st = stat()
        guard stat(path + "-wal", &st) == 0, Int64(st.st_size) > walLimitBytes, done < log else { return }
        // Readers held the WAL past its bound: wait for them (writers wait too) and start it again.
        if sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_RESTART, &log, &done) != SQLITE_OK {
            logger.warning("restart checkpoint did not finish", metadata: ["error": "\(String(cString: sqlite3_errmsg(connection)))"])
        }
    }
}
