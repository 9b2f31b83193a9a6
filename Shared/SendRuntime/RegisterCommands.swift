import Foundation
import GRDB
import Logging
import SendModel
import ZeroMQ

/// The register's commands, which the supervisor answers (`ServiceDefinition.keepsRegister`):
/// `people.add`, `people.revoke`, `people.list`. A change is stored in the register's table and
/// emitted as `person.added` / `person.revoked`, which every other service follows into its own
/// copy; the register in memory changes once the change is committed.
enum RegisterCommands {
    static func commands(_ register: Register) -> [String: CommandHandler] {
        [
            "people.add": .write { ctx in try add(ctx, register) },
            "people.revoke": .write { ctx in try revoke(ctx, register) },
            "people.list": .read { ctx in
                let people = try Register.fetchAll(ctx.db)
                return ["people": .array(try people.map { try JSONValue(encoding: $0) })]
            },
        ]
    }

    static func add(_ ctx: WriteContext, _ register: Register) throws -> JSONValue {
        let v = ctx.validator()
        let key = v.string("key", maxLength: 64)
        let post = v.string("post", maxLength: 100)
        let role = v.oneOf("role", Role.self)
        let organisation = v.string("organisation", required: false, maxLength: 100)
        if let key, !Curve.isKey(key) { v.fail("key", "must be a CURVE public key: 40 Z85 characters, as `sendctl keys new` prints") }
        if let post, post.contains(where: \.isNewline) { v.fail("post", "must be one line") }
        if role == .stack { v.fail("role", "stack is the stack's own key, never a person's; choose one of \(Role.people.map(\.rawValue).joined(separator: ", "))") }
        if role == .actionLead && organisation == nil {
            v.fail("organisation", "an action lead needs the lead organisation whose actions they report on (as actions name it, e.g. Council)")
        }
        if let role, role != .actionLead, organisation != nil {
            v.fail("organisation", "only an action lead has an organisation")
        }
        try v.check()
        guard let key, let post, let role else { throw ServiceError(.internal, "checked above") }
        return try add(ctx, register, key: key, post: post, role: role, organisation: organisation)
    }

    static func add(_ ctx: WriteContext, _ register: Register, key: String, post: String, role: Role, organisation: String?) throws -> JSONValue {
        if key == register.stackKey {
            throw ServiceError.conflict("this is the stack's own key; a person needs a key of their own (`sendctl keys new`)")
        }
        if let holder = try Row.fetchOne(ctx.db, sql: "SELECT person_id, revoked_at FROM send_people WHERE key = ?", arguments: [key]) {
            let id: String = holder["person_id"]
            if let revoked: String = holder["revoked_at"] {
                throw ServiceError.conflict("this key was \(id)'s and was revoked at \(revoked); a revoked key is never taken back: make a new one")
            }
            throw ServiceError.conflict("this key is already \(id)'s")
        }
        let n = (try Int.fetchOne(ctx.db, sql: "SELECT COUNT(*) FROM send_people") ?? 0) + 1
        let person = Person(personID: "P-\(n)", key: key, post: post, role: role, organisation: organisation,
                            addedAt: ctx.now.description, revokedAt: nil)
        try Register.insert(ctx.db, person)
        try ctx.emit(PersonAdded(personID: person.personID, key: key, post: post, role: role, organisation: organisation))
        ctx.afterCommit { register.remember(person) }
        return try JSONValue(encoding: person)
    }

    static func revoke(_ ctx: WriteContext, _ register: Register) throws -> JSONValue {
        let v = ctx.validator()
        let id = v.string("person", maxLength: 32)
        try v.check()
        guard let id else { throw ServiceError(.internal, "checked above") }
        guard let person = try Register.person(ctx.db, id: id) else { throw ServiceError.notFound("person \(id)") }
        if let revoked = person.revokedAt {
            return ["person": .string(id), "revoked_at": .string(revoked), "changed": false]
        }
        if person.role == .operator {
            let others = try Int.fetchOne(ctx.db, sql: "SELECT COUNT(*) FROM send_people WHERE role = 'operator' AND revoked_at IS NULL AND person_id <> ?",
                                          arguments: [id]) ?? 0
            if others == 0 {
                throw ServiceError.conflict("\(id) is the only operator: register another operator first (`sendctl people add --role operator …`), "
                    + "or nobody could manage the register")
            }
        }
        try revoke(ctx, register, person)
        return ["person": .string(id), "revoked_at": .string(ctx.now.description), "changed": true]
    }

    static func revoke(_ ctx: WriteContext, _ register: Register, _ person: Person) throws {
        var person = person
        person.revokedAt = ctx.now.description
        try Register.insert(ctx.db, person)
        try ctx.emit(PersonRevoked(personID: person.personID))
        let revoked = person
        ctx.afterCommit { register.remember(revoked) }
    }

    /// At the supervisor's start: the first operator (`SEND_OPERATOR_KEY`, else the public key of
    /// the starting user's own key file) when the register has no operator, and family-portal's key
    /// (made in `<data>/keys/portal.key` when missing) with the portal role. When that key is made
    /// anew (a restore from a backup, which holds no keys, or a lost keys directory), the portal
    /// key the stack registered before is revoked: nobody holds it any more, or somebody should not.
    /// The post the stack registers family-portal's own key under.
    static let portalPost = "family-portal"

    static func bootstrap(host: ServiceHost, register: Register) {
        let environment = currentEnvironment()
        var found: String?
        if let text = environment["SEND_OPERATOR_KEY"], !text.isEmpty {
            if Curve.isKey(text) { found = text } else {
                host.logger.error("SEND_OPERATOR_KEY is not a CURVE public key (40 Z85 characters); no operator was registered from it")
            }
        } else if let pair = try? KeyFile.read(KeyFile.personalPath(environment: environment)) {
            found = pair.publicKey
        }
        let operatorKey = found
        let portalKey: String?
        let portalKeyIsNew = access(host.options.directories.portalKeyPath, F_OK) != 0
        do {
            portalKey = try KeyFile.readOrCreate(host.options.directories.portalKeyPath).publicKey
        } catch {
            host.logger.error("cannot make family-portal's key: \(error.message)")
            portalKey = nil
        }
        do {
            try host.write { ctx in
                let people = try Register.fetchAll(ctx.db)
                if let operatorKey, !people.contains(where: { $0.role == .operator && $0.revokedAt == nil }) {
                    if let holder = people.first(where: { $0.key == operatorKey }) {
                        ctx.logger.warning("the first operator's key is already \(holder.personID)'s (\(holder.role.rawValue)); no operator was added")
                    } else {
                        _ = try add(ctx, register, key: operatorKey, post: "Operator", role: .operator, organisation: nil)
                        ctx.logger.info("registered the first operator's key")
                    }
                }
                if let portalKey, !people.contains(where: { $0.key == portalKey }) {
                    if portalKeyIsNew {
                        for old in people where old.role == .portal && old.post == portalPost && old.revokedAt == nil {
                            try revoke(ctx, register, old)
                            ctx.logger.info("revoked the portal key the stack had before its key was made anew", metadata: ["person.id": "\(old.personID)"])
                        }
                    }
                    _ = try add(ctx, register, key: portalKey, post: portalPost, role: .portal, organisation: nil)
                }
                return JSONValue.null
            }
        } catch {
            host.logger.error("cannot register the first operator and the portal: \(error)")
        }
    }
}

