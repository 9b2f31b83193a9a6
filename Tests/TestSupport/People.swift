public import SendModel
public import ZeroMQ

/// A person a test put in the register: the id the supervisor gave, the role and the key pair.
public struct TestPerson: Sendable, Hashable {
    public let id: String
    public let role: Role
    public let keys: CurveKeyPair
}

extension Role {
    /// A post a person of this role holds, for `people.add`.
    public var examplePost: String {
        switch self {
        case .operator: "Operator"
        case .boardChair: "Chair of the SEND Partnership Board"
        case .boardMember: "Board member"
        case .actionLead: "Head of SEND"
        case .commsOfficer: "Communications officer"
        case .parentCarerForum: "Parent carer forum chair"
        case .adviser: "DfE SEND adviser"
        case .portal: "family-portal"
        case .stack: "the stack"
        }
    }
}

extension TestClient {
    /// Registers a new key pair with `people.add` on the supervisor, as this client's key (the
    /// stack's, unless the test gave another). An action lead speaks for "Council" unless told.
    public func addPerson(_ role: Role, post: String? = nil, organisation: String? = nil) throws -> TestPerson {
        let keys = try CurveKeyPair.generate()
        var args: [String: JSONValue] = ["key": .string(keys.publicKey), "post": .string(post ?? role.examplePost), "role": .string(role.rawValue)]
        if let organisation = organisation ?? (role == .actionLead ? "Council" : nil) { args["organisation"] = .string(organisation) }
        let added = try call(ServiceName.supervisor, "people.add", .object(args))
        guard let id = added["person_id"]?.stringValue else {
            throw ServiceError(.internal, "people.add answered without a person_id: \(added)")
        }
        return TestPerson(id: id, role: role, keys: keys)
    }

    /// `people.revoke` of `person` on the supervisor.
    public func revokePerson(_ person: String) throws {
        _ = try call(ServiceName.supervisor, "people.revoke", ["person": .string(person)])
    }

    /// True once every one of `followers` has applied everything the supervisor has stored so far
    /// (its `follows.supervisor.cursor` ≥ the supervisor's `last_seq`): the register is theirs too.
    public func registerApplied(by followers: [String] = ServiceName.managed) -> Bool {
        guard let last = try? call(ServiceName.supervisor, "health", timeout: 2)["last_seq"]?.intValue else { return false }
        return followers.allSatisfy { follower in
            guard let health = try? call(follower, "health", timeout: 2),
                  let cursor = health["follows"]?[ServiceName.supervisor]?["cursor"]?.intValue else { return false }
            return cursor >= last
        }
    }

    /// Waits until every service that follows the supervisor has applied the register as it is now.
    @discardableResult
    public func waitRegisterApplied(by followers: [String] = ServiceName.managed, timeout: Double = 30) -> Bool {
        waitUntil(timeout: timeout, interval: 0.05) { registerApplied(by: followers) }
    }
}
