/// The register of people and their keys, kept by the supervisor and followed by every service
/// (docs/PROTOCOL.md, "Keys, people and roles"). Posts and roles, never names.

/// `person.added`: a key joins the register with a post and a role.
public struct PersonAdded: EventPayload, Hashable {
    public static let eventType = EventType.personAdded
    /// `P-3`: assigned by the supervisor.
    public var personID: String
    /// The person's CURVE public key, 40 Z85 characters.
    public var key: String
    public var post: String
    public var role: Role
    /// For an action lead: the lead organisation whose actions they report on (as actions name it).
    public var organisation: String?

    public init(personID: String, key: String, post: String, role: Role, organisation: String?) {
        self.personID = personID
        self.key = key
        self.post = post
        self.role = role
        self.organisation = organisation
    }

    enum CodingKeys: String, CodingKey { case personID = "person_id", key, post, role, organisation }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(personID, forKey: .personID)
        try c.encode(key, forKey: .key)
        try c.encode(post, forKey: .post)
        try c.encode(role, forKey: .role)
        try c.encode(organisation, forKey: .organisation)
    }

    public static var example: Self {
        .init(personID: "P-3", key: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", post: "Head of SEND", role: .actionLead, organisation: "Council")
    }
}

/// `person.revoked`: a key is refused from now on, at the handshake and on its next request.
public struct PersonRevoked: EventPayload, Hashable {
    public static let eventType = EventType.personRevoked
    public var personID: String

    public init(personID: String) { self.personID = personID }

    enum CodingKeys: String, CodingKey { case personID = "person_id" }

    public static var example: Self { .init(personID: "P-3") }
}
