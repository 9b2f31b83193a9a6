public import GRDB
public import SendModel
public import SendRuntime

/// A write in progress: the database inside the writer's transaction, the day and the instant,
/// and where the events it causes go. Built from a `WriteContext` by the service, and directly
/// by tests and the benchmark, so the domain's rules run the same way in both.
public struct BoardChange {
    public let db: Database
    public let today: LocalDate
    public let now: Timestamp
    /// Who is making the change (the request's key, or the service itself for followers and
    /// timers): an action lead's scope is checked against it, and the status history records it.
    public let actor: Actor
    let sink: (any EventPayload) throws -> Void

    /// For tests and the benchmark: `emit` receives each event's type and its data, encoded from its payload.
    public init(db: Database, today: LocalDate, now: Timestamp, actor: Actor = .stack(ServiceName.board),
                emit: @escaping (String, JSONValue) -> Void) {
        self.db = db
        self.today = today
        self.now = now
        self.actor = actor
        self.sink = { payload in emit(type(of: payload).eventType, try payload.eventData()) }
    }

    public init(_ ctx: WriteContext) {
        self.db = ctx.db
        self.today = ctx.today
        self.now = ctx.now
        self.actor = ctx.actor
        self.sink = { payload in try ctx.emit(payload) }
    }

    /// Adds an event to the change's outbox: ids, titles, roles and counts only.
    func emit<P: EventPayload>(_ payload: P) throws { try sink(payload) }

    var at: String { now.description }
}

/// Readable, stable ids: a prefix and a zero-padded sequence number (`A-0001`, `K-001`).
enum BoardID {
    static let action = (prefix: "A", width: 4)
    static let update = (prefix: "U", width: 6)
    static let kpi = (prefix: "K", width: 3)
    static let member = (prefix: "M", width: 3)
    static let meeting = (prefix: "MTG", width: 3)
    static let decision = (prefix: "D", width: 4)
    static let changeRequest = (prefix: "CR", width: 4)

    static func make(_ kind: (prefix: String, width: Int), _ number: Int64) -> String {
        let digits = String(number)
        return "\(kind.prefix)-" + String(repeating: "0", count: max(0, kind.width - digits.count)) + digits
    }

    /// The canonical form of an id typed by a person: `a-7` and `A-0007` are the same action.
    /// Text that is not `<prefix>-<digits>` comes back unchanged (it then matches nothing).
    static func canonical(_ kind: (prefix: String, width: Int), _ text: String) -> String {
        let trimmed = text.trimmingSpaces
        let parts = trimmed.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].uppercased() == kind.prefix, !parts[1].isEmpty,
              parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int64(parts[1]), n > 0 else { return trimmed }
        return make(kind, n)
    }

    /// The next number for a table whose `n` column is its integer primary key.
    static func next(_ db: Database, table: String) throws -> Int64 {
        (try Int64.fetchOne(db, sql: "SELECT MAX(n) FROM \(table)") ?? 0) + 1
    }
}

extension JSONValue {
    /// A number as JSON: whole values as integers.
    static func number(_ value: Double) -> JSONValue {
        value.rounded() == value && abs(value) < 9.0e15 ? .int(Int64(value)) : .double(value)
    }

    static func date(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
}

extension Validator {
    /// An id of one of the board's kinds, in canonical form.
    func boardID(_ key: String, _ kind: (prefix: String, width: Int), required: Bool = true) -> String? {
        string(key, required: required, maxLength: 64).map { BoardID.canonical(kind, $0) }
    }
}

/// Reads JSON text stored in a column.
func storedJSON(_ text: String?) -> JSONValue {
    guard let text, let value = try? JSONValue.parse(Array(text.utf8)) else { return .null }
    return value
}
