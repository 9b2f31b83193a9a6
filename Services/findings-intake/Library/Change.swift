public import GRDB
public import SendModel
public import SendRuntime

/// The findings service's settings, read once at start-up.
public struct FindingsSettings: Sendable, Hashable {
    /// Working days after publication within which a 2023 outcome-3 priority action plan is due.
    public var papWorkingDays: Int

    public init(papWorkingDays: Int = Deadlines.defaultPapWorkingDays) {
        self.papWorkingDays = papWorkingDays
    }

    /// Reads `SEND_PAP_WORKING_DAYS` (a whole number from 1 to 250; default 35).
    public static func fromEnvironment(_ environment: [String: String] = currentEnvironment()) throws(StartupError) -> FindingsSettings {
        var s = FindingsSettings()
        if let text = environment["SEND_PAP_WORKING_DAYS"], !text.isEmpty {
            guard let n = Int(text), (1...250).contains(n) else {
                throw StartupError("SEND_PAP_WORKING_DAYS must be a whole number of working days from 1 to 250; got '\(text)'")
            }
            s.papWorkingDays = n
        }
        return s
    }
}

/// An event a change emits, for the outbox: its type and its data, encoded from its payload type.
public struct DomainEvent: Sendable, Hashable {
    public let payload: any EventPayload
    public var type: String { Swift.type(of: payload).eventType }
    /// The payload as data (for tests: the outbox encodes the payload itself).
    public var data: JSONValue { (try? payload.eventData()) ?? .null }

    init<P: EventPayload>(_ payload: P) {
        self.payload = payload
    }

    public static func == (a: DomainEvent, b: DomainEvent) -> Bool { a.type == b.type && a.data == b.data }
    public func hash(into hasher: inout Hasher) { hasher.combine(type); hasher.combine(data) }

    /// Adds this event to a write's outbox.
    public func emit(into ctx: WriteContext) throws { try ctx.emit(payload) }
}

/// One change to the findings database: where it writes, what day it is, and the events it emits.
/// Commands run it inside the writer's savepoint; tests run it inside a plain transaction.
public final class Change {
    public let db: Database
    public let today: LocalDate
    public let now: Timestamp
    public let settings: FindingsSettings
    public private(set) var events: [DomainEvent] = []

    public init(db: Database, today: LocalDate, now: Timestamp = .now(), settings: FindingsSettings = FindingsSettings()) {
        self.db = db
        self.today = today
        self.now = now
        self.settings = settings
    }

    func emit<P: EventPayload>(_ payload: P) {
        events.append(DomainEvent(payload))
    }

    var stamp: String { now.description }
}
