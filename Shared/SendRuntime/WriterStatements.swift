import GRDB

/// The writer's hot SQL, prepared once on the writer's connection and kept for its life:
/// the transaction and savepoint statements, the stored replies and the outbox.
/// Used only by the command server's thread (the writer's), inside `pool.writeWithoutTransaction`.
final class WriterStatements {
    let begin: HeldStatement
    let commit: HeldStatement
    let rollback: HeldStatement
    let savepoint: HeldStatement
    let releaseSavepoint: HeldStatement
    let rollbackToSavepoint: HeldStatement
    private let selectReply: HeldStatement
    private let insertReply: HeldStatement
    private let insertEvent: HeldStatement
    /// `SELECT 1 … WHERE id IN (?, …)` by number of ids, made as batches of each size first come.
    private var anyOf: [Int: HeldStatement] = [:]
    private let connection: OpaquePointer

    /// Ids looked up per statement when a batch checks for repeats.
    static let lookupChunk = 32

    init(_ connection: OpaquePointer) throws {
        self.connection = connection
        begin = try HeldStatement(connection, "BEGIN IMMEDIATE TRANSACTION")
        commit = try HeldStatement(connection, "COMMIT TRANSACTION")
        rollback = try HeldStatement(connection, "ROLLBACK TRANSACTION")
        savepoint = try HeldStatement(connection, "SAVEPOINT send_job")
        releaseSavepoint = try HeldStatement(connection, "RELEASE SAVEPOINT send_job")
        rollbackToSavepoint = try HeldStatement(connection, "ROLLBACK TO SAVEPOINT send_job")
        selectReply = try HeldStatement(connection, "SELECT reply FROM send_requests WHERE id = ?")
        insertReply = try HeldStatement(connection, "INSERT INTO send_requests(id, command, at, reply) VALUES (?, ?, ?, ?)")
        insertEvent = try HeldStatement(connection, "INSERT INTO send_events(seq, type, at, body) VALUES (?, ?, ?, ?)")
    }

    func finalize() {
        for s in [begin, commit, rollback, savepoint, releaseSavepoint, rollbackToSavepoint, selectReply, insertReply, insertEvent] {
            s.finalize()
        }
        for s in anyOf.values { s.finalize() }
        anyOf = [:]
    }

    /// The stored reply to this id, if it was answered before. Replies are stored as BLOBs;
    /// rows written as TEXT by earlier versions read the same.
    func storedReply(_ id: String) throws -> [UInt8]? {
        defer { selectReply.reset() }
        selectReply.bindText(1, id)
        guard try selectReply.step() else { return nil }
        return selectReply.bytes(0)
    }

    /// True if any of these ids has a stored reply: one indexed look-up per `lookupChunk` ids.
    func anyStored(_ ids: [String]) throws -> Bool {
        var start = 0
        while start < ids.count {
            let end = min(ids.count, start + WriterStatements.lookupChunk)
            let statement = try lookup(count: end - start)
            defer { statement.reset() }
            for (n, id) in ids[start..<end].enumerated() { statement.bindText(Int32(n + 1), id) }
            if try statement.step() { return true }
            start = end
        }
        return false
    }

    private func lookup(count: Int) throws -> HeldStatement {
        if let s = anyOf[count] { return s }
        let marks = Array(repeating: "?", count: count).joined(separator: ", ")
        let s = try HeldStatement(connection, "SELECT 1 FROM send_requests WHERE id IN (\(marks)) LIMIT 1")
        anyOf[count] = s
        return s
    }

    func storeReply(id: String, command: String, at: String, reply: [UInt8]) throws {
        defer { insertReply.reset() }
        insertReply.bindText(1, id)
        insertReply.bindText(2, command)
        insertReply.bindText(3, at)
        try reply.withUnsafeBytes { bytes in
            insertReply.bindBlob(4, bytes)
            try insertReply.step()
        }
    }

    /// An outbox row; the body is stored as TEXT (its JSON), as `events.since` reads it.
    func storeEvent(seq: Int64, type: String, at: String, body: [UInt8]) throws {
        defer { insertEvent.reset() }
        insertEvent.bind(1, seq)
        insertEvent.bindText(2, type)
        insertEvent.bindText(3, at)
        try body.withUnsafeBytes { bytes in
            insertEvent.bindText(4, bytes)
            try insertEvent.step()
        }
    }
}
