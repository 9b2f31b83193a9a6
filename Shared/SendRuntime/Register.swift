import GRDB
public import SendModel
import Synchronization

/// One person of the register, as every service keeps it (`send_people`).
public struct Person: Sendable, Hashable, Codable {
    public var personID: String
    public var key: String
    public var post: String
    public var role: Role
    public var organisation: String?
    public var addedAt: String
    public var revokedAt: String?

    public var actor: Actor { Actor(person: personID, role: role, organisation: organisation, post: post) }

    enum CodingKeys: String, CodingKey {
        case personID = "person_id", key, post, role, organisation, addedAt = "added_at", revokedAt = "revoked_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(personID, forKey: .personID)
        try c.encode(key, forKey: .key)
        try c.encode(post, forKey: .post)
        try c.encode(role, forKey: .role)
        try c.encode(organisation, forKey: .organisation)
        try c.encode(addedAt, forKey: .addedAt)
        try c.encode(revokedAt, forKey: .revokedAt)
    }
}

/// The service's register in memory: who each key is, for the ZAP handler (at the handshake)
/// and the command server (on every request). Changed only after the commit that stored the change.
public final class Register: Sendable {
    /// The user id the ZAP handler gives the stack's own key.
    public static let stackUser = "stack"

    struct State {
        var byKey: [String: Person] = [:]
        var byID: [String: Person] = [:]
    }

    private let state = Mutex(State())
    let stackKey: String

    init(stackKey: String) { self.stackKey = stackKey }

    func load(_ db: Database) throws {
        let people = try Register.fetchAll(db)
        state.withLock { s in
            for p in people { s.byKey[p.key] = p; s.byID[p.personID] = p }
        }
    }

    func remember(_ person: Person) {
        state.withLock { s in s.byKey[person.key] = person; s.byID[person.personID] = person }
    }

    /// The ZAP handler's answer for a client's public key: its user id, or why it is refused.
    enum Handshake: Equatable {
        case user(String)
        case refused(String)
    }

    func authenticate(_ key: String) -> Handshake {
        if key == stackKey { return .user(Register.stackUser) }
        return state.withLock { s in
            guard let person = s.byKey[key] else { return .refused("the key is not in the register") }
            if person.revokedAt != nil { return .refused("the key of \(person.personID) was revoked") }
            return .user(person.personID)
        }
    }

    /// Who sent a request, from the user id its connection was given; `forbidden` for a key
    /// revoked since its handshake.
    func actor(_ user: String?) -> Result<Actor, ServiceError> {
        guard let user else { return .failure(ServiceError(.forbidden, "the request came without a key")) }
        if user == Register.stackUser { return .success(.stack()) }
        return state.withLock { s in
            guard let person = s.byID[user] else { return .failure(ServiceError(.forbidden, "the key is not in the register")) }
            if let revoked = person.revokedAt {
                return .failure(ServiceError(.forbidden, "the key of \(person.personID) was revoked at \(revoked); nothing was done. "
                    + "Ask an operator to register a new key"))
            }
            return .success(person.actor)
        }
    }

    // MARK: The table

    static let columns = "person_id, key, post, role, organisation, added_at, revoked_at"

    static func fetchAll(_ db: Database) throws -> [Person] {
        try Row.fetchAll(db, sql: "SELECT \(columns) FROM send_people ORDER BY added_at, person_id").compactMap(person(from:))
    }

    /// A row of `send_people` (nil for a role this build does not know: it can hold no key of this register).
    static func person(from row: Row) -> Person? {
        guard let role = Role(rawValue: row["role"]) else { return nil }
        return Person(personID: row["person_id"], key: row["key"], post: row["post"], role: role,
                      organisation: row["organisation"], addedAt: row["added_at"], revokedAt: row["revoked_at"])
    }

    static func insert(_ db: Database, _ person: Person) throws {
        try db.execute(sql: """
            INSERT INTO send_people(person_id, key, post, role, organisation, added_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(person_id) DO UPDATE SET key = excluded.key, post = excluded.post, role = excluded.role,
                organisation = excluded.organisation, added_at = excluded.added_at, revoked_at = excluded.revoked_at
            """, arguments: [person.personID, person.key, person.post, person.role.rawValue, person.organisation, person.addedAt, person.revokedAt])
    }

    static func person(_ db: Database, id: String) throws -> Person? {
        try Row.fetchOne(db, sql: "SELECT \(columns) FROM send_people WHERE person_id = ?", arguments: [id]).flatMap(person(from:))
    }

    /// Applies one of the supervisor's register events to this service's copy (in the follower's
    /// transaction), and to the register in memory once it is committed. Other events: nothing.
    func apply(_ ctx: WriteContext, _ event: Event) throws {
        switch event.type {
        case EventType.personAdded:
            let added = try event.decode(as: PersonAdded.self)
            let person = Person(personID: added.personID, key: added.key, post: added.post, role: added.role,
                                organisation: added.organisation, addedAt: event.at.description, revokedAt: nil)
            // A key's row goes first if another id held it (it cannot: the supervisor refuses a key twice).
            try ctx.db.execute(sql: "DELETE FROM send_people WHERE key = ? AND person_id <> ?", arguments: [person.key, person.personID])
            try Register.insert(ctx.db, person)
            ctx.afterCommit { [self] in remember(person) }
        case EventType.personRevoked:
            let revoked = try event.decode(as: PersonRevoked.self)
            try ctx.db.execute(sql: "UPDATE send_people SET revoked_at = ? WHERE person_id = ? AND revoked_at IS NULL",
                               arguments: [event.at.description, revoked.personID])
            if let person = try Register.person(ctx.db, id: revoked.personID) {
                ctx.afterCommit { [self] in remember(person) }
            }
        default:
            return
        }
    }
}
