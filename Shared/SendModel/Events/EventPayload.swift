/// The data of one event type: the contract between the service that emits it and every
/// follower that reads it. The emitter builds the value, the follower decodes the same type, so a
/// renamed or retyped field fails to compile instead of reading as "?" on the other side.
///
/// Payloads carry ids, titles, dates, kinds and counts only — never a name, contact detail or
/// answer (DESIGN.md, personal data).
public protocol EventPayload: Codable, Sendable {
    /// The event type this payload is the data of (also the PUB topic frame).
    static var eventType: String { get }
    /// Whether an event of `type` carries this payload: `type == eventType`, except for payloads
    /// published under several types (a notification takes its source event's type).
    static func accepts(_ type: String) -> Bool
    /// A value with every field set, for the tests that compare the types with docs/PROTOCOL.md.
    static var example: Self { get }
}

extension EventPayload {
    public static func accepts(_ type: String) -> Bool { type == eventType }

    /// This payload as the event's `data` (built directly: no bytes in between).
    public func eventData() throws(ServiceError) -> JSONValue {
        do {
            return try JSONValueEncoder().encode(self)
        } catch {
            throw ServiceError(.internal, "could not encode a \(Self.eventType) payload: \(error)")
        }
    }

    /// `example` as data.
    public static func exampleData() throws -> JSONValue { try example.eventData() }
}

extension Event {
    /// The event's data decoded as `P`. An event of another type, or data that does not decode,
    /// is an error naming the event and the field: a follower never invents a value.
    public func decode<P: EventPayload>(as type: P.Type) throws(ServiceError) -> P {
        guard P.accepts(self.type) else {
            throw ServiceError(.invalid, "\(source)#\(seq) is a \(self.type) event, not \(P.eventType)")
        }
        do {
            return try data.decode(P.self)
        } catch {
            let fields = error.details.map { "data.\($0.field) \($0.message)" }.joined(separator: "; ")
            throw ServiceError(.invalid, "\(source)#\(seq) \(self.type): \(fields.isEmpty ? error.message : fields)")
        }
    }
}
