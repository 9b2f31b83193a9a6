import GRDB
import GRDBSQLite

/// A prepared statement the writer keeps for its hot SQL, driven through SQLite's C API: no SQL
/// looked up, no argument array built, no value boxed per request. Bound text and blobs are
/// `SQLITE_STATIC`: the caller keeps the bytes alive until the statement is reset.
/// Errors are GRDB's `DatabaseError`, so the writer's storage-failure rules see them as before.
package final class HeldStatement {
    package let handle: OpaquePointer
    private let connection: OpaquePointer

    package init(_ connection: OpaquePointer, _ sql: String) throws {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)), sql: sql)
        }
        self.handle = statement
        self.connection = connection
    }

    /// Must run on the writer's connection before it closes.
    package func finalize() { sqlite3_finalize(handle) }

    package func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(handle, index, value) }

    /// Text from bytes that stay alive until `reset()`.
    package func bindText(_ index: Int32, _ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return bindText(index, "") }
        sqlite3_bind_text(handle, index, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
    }

    /// A blob from bytes that stay alive until `reset()`.
    package func bindBlob(_ index: Int32, _ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return _ = sqlite3_bind_zeroblob(handle, index, 0) }
        sqlite3_bind_blob(handle, index, base, Int32(bytes.count), nil)
    }

    package func bindNull(_ index: Int32) { sqlite3_bind_null(handle, index) }

    /// A Swift string, copied by SQLite.
    package func bindText(_ index: Int32, _ text: String) {
        sqlite3_bind_text(handle, index, text, -1, HeldStatement.transient)
    }

    /// One step: true when it produced a row. Errors throw after the statement is reset.
    @discardableResult
    package func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let message = String(cString: sqlite3_errmsg(connection))
            sqlite3_reset(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message,
                                sql: sqlite3_sql(handle).map { String(cString: $0) })
        }
    }

    /// Runs a statement that returns no row, then resets it.
    package func execute() throws {
        defer { reset() }
        try step()
    }

    /// The bytes of a column of the current row: a BLOB, or the UTF-8 of a TEXT value.
    package func bytes(_ column: Int32) -> [UInt8] {
        guard let base = sqlite3_column_blob(handle, column) else { return [] }
        // The size after the blob was asked for, as SQLite advises (a conversion may change it).
        return [UInt8](UnsafeRawBufferPointer(start: base, count: Int(sqlite3_column_bytes(handle, column))))
    }

    /// Clears bindings and makes it ready to run again.
    package func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// `SQLITE_TRANSIENT`: SQLite copies the value at bind time.
    private static var transient: sqlite3_destructor_type { unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self) }
}
