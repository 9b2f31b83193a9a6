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

/// An event a change emits, for the outbox.
public struct DomainEvent: Sendable, Hashable {
    public let type: String
    public let data: JSONValue
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

    func emit(_ type: String, _ data: JSONValue) {
        events.append(DomainEvent(type: type, data: data))
    }

    var stamp: String { now.description }
}
