import GRDB
import SendModel

/// The keys a family holds instead of its reference (docs/PROTOCOL.md, "The families' door"):
/// response tokens and stop tokens (32 hex digits) and short codes (`ShortCode`).
///
/// Every key is drawn from the system's random source. Codes are unique through unique indexes:
/// whoever inserts one draws again the rows whose code was taken, so no family is ever left out.
enum Keys {
    /// SQL for a new token: 128 random bits as 32 lower-case hex digits.
    static let tokenSQL = "lower(hex(randomblob(16)))"

    /// SQL for a new short code (the function `comms_short_code()`, which `prepare` installs).
    static let codeSQL = "comms_short_code()"

    /// `comms_short_code()`: a new random code per call.
    static let codeFunction = DatabaseFunction("comms_short_code", argumentCount: 0, pure: false) { _ in shortCode() }

    /// Installs `comms_short_code()` on the connection (cheap; done before each statement that draws codes).
    static func prepare(_ db: Database) {
        db.add(function: codeFunction)
    }

    /// A new token, as `tokenSQL` makes it.
    static func token() -> String {
        var g = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for _ in 0..<2 {
            let n = g.next()
            for shift in stride(from: 60, through: 0, by: -4) { out.append(hex[Int((n >> UInt64(shift)) & 0xF)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A new short code in canonical form: 45 random bits as nine base-32 digits, then the check
    /// character (`ShortCode`); one random word per draw, drawn again when the check is not a symbol.
    static func shortCode() -> String {
        var g = SystemRandomNumberGenerator()
        while true {
            if let code = shortCode(g.next()) { return code }
        }
    }

    /// The short code of 45 of `random`'s bits, or nil when its check character is not a symbol (draw again).
    static func shortCode(_ random: UInt64) -> String? {
        let value = random & ((1 << 45) - 1)
        let check = Int(value % 37)
        guard check < 32 else { return nil }
        return String(unsafeUninitializedCapacity: ShortCode.length) { out in
            for i in 0..<(ShortCode.length - 1) {
                out[i] = codeAlphabet[Int((value >> UInt64(5 * (ShortCode.length - 2 - i))) & 31)]
            }
            out[ShortCode.length - 1] = codeAlphabet[check]
            return ShortCode.length
        }
    }

    private static let codeAlphabet: [UInt8] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// A stop token drawn during a bulk import: `prefix` (8 hex digits of the import's start, Unix
    /// seconds), then 96 random bits. A chunk's new tokens then sort together at the end of the
    /// unique index instead of landing on every page of it, so each commit writes only new pages
    /// (with 128 random bits, every 50,000-row chunk of 638,745 families rewrote the whole index).
    static func importToken(prefix: [UInt8], _ random: inout RandomPool) -> String {
        String(unsafeUninitializedCapacity: 32) { out in
            importToken(prefix: prefix, &random, into: UnsafeMutableBufferPointer(rebasing: out[0..<32]))
            return 32
        }
    }

    /// `importToken(prefix:_:)` written into `out` (32 bytes).
    static func importToken(prefix: [UInt8], _ random: inout RandomPool, into out: UnsafeMutableBufferPointer<UInt8>) {
        let high = random.next(), low = random.next()
        for i in 0..<8 { out[i] = prefix[i] }
        for i in 0..<16 { out[8 + i] = hexDigits[Int((high >> UInt64(60 - 4 * i)) & 0xF)] }
        for i in 0..<8 { out[24 + i] = hexDigits[Int((low >> UInt64(28 - 4 * i)) & 0xF)] }
    }

    /// The 8 hex digits of Unix seconds that start a bulk import's stop tokens.
    static func importTokenPrefix(now: Timestamp) -> [UInt8] {
        let seconds = UInt32(clamping: max(0, now.millis / 1000))
        let hex = String(seconds, radix: 16)
        return Array((String(repeating: "0", count: 8 - hex.count) + hex).utf8)
    }

    /// What a typed key is: a token (lower-cased) or a code (canonical), or nothing a key could be.
    enum Typed: Equatable {
        case token(String)
        case code(String)
    }

    static func parse(_ key: String) -> Typed? {
        let trimmed = key.trimmingSpaces
        let bytes = Array(trimmed.utf8)
        if bytes.count == 32, bytes.allSatisfy(isHexDigit) { return .token(trimmed.lowercased()) }
        return ShortCode.normalise(trimmed).map(Typed.code)
    }

    static func isHexDigit(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46)
    }

    /// Whether two secrets are equal, in a time that depends only on their lengths.
    static func equalInConstantTime(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<x.count { difference |= x[i] ^ y[i] }
        return difference == 0
    }

    /// Draws `column` again (with `expression`) in every row of `table` whose value another row
    /// also has, until none is shared; for a backfill, before the column's unique index exists.
    static func redrawShared(_ db: Database, table: String, column: String, expression: String) throws {
        for _ in 0..<100 {
            try db.execute(sql: """
                UPDATE \(table) SET \(column) = \(expression)
                WHERE \(column) IN (SELECT \(column) FROM \(table) WHERE \(column) IS NOT NULL GROUP BY \(column) HAVING COUNT(*) > 1)
                """)
            if db.changesCount == 0 { return }
        }
        throw DatabaseError(message: "\(table).\(column): values still shared after 100 draws")
    }

    /// Runs `insert` again (each run draws new keys) while it fails only because a drawn key was
    /// taken (a unique constraint on one of `columns`); at most 20 times.
    static func retryingTakenKeys<T>(columns: [String], _ insert: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                return try insert()
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
                && attempt < 20 && columns.contains(where: { (error.message ?? "").contains($0) }) {
                attempt += 1
            }
        }
    }
}
