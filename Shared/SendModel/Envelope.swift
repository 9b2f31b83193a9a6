/// The protocol version every envelope carries as `v`.
public let protocolVersion: Int64 = 1

/// A command request: `{"v":1,"id":"…","command":"actions.update","args":{…}}`.
public struct Request: Sendable, Hashable {
    public static let maxIDLength = 128

    public var id: String
    public var command: String
    public var args: JSONValue

    public init(id: String, command: String, args: JSONValue = [:]) {
        self.id = id
        self.command = command
        self.args = args
    }

    public var json: JSONValue {
        ["v": .int(protocolVersion), "id": .string(id), "command": .string(command), "args": args]
    }

    /// Reads an envelope; the error is `bad_request` naming the field that is wrong.
    /// `id` is filled in whenever the text had a usable one, so the reply can carry it.
    public static func decode(_ bytes: some Collection<UInt8>) -> (id: String?, result: Result<Request, ServiceError>) {
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch {
            return (nil, .failure(.badRequest("the request is not valid JSON: \(error)")))
        }
        guard case .object(let o) = value else {
            return (nil, .failure(.badRequest("the request must be a JSON object, got \(value.typeName)")))
        }
        let id = o["id"]?.stringValue
        let usableID = id.flatMap { !$0.isEmpty && $0.utf8.count <= maxIDLength ? $0 : nil }
        guard let v = o["v"] else { return (usableID, .failure(.badRequest("missing field 'v' (the protocol version, 1)", field: "v"))) }
        guard v.intValue == protocolVersion else {
            return (usableID, .failure(.badRequest("unsupported protocol version \(v.jsonString); this service speaks v=1", field: "v")))
        }
        guard let idValue = o["id"] else { return (nil, .failure(.badRequest("missing field 'id' (a unique request id)", field: "id"))) }
        guard let idText = idValue.stringValue else {
            return (nil, .failure(.badRequest("'id' must be a string, got \(idValue.typeName)", field: "id")))
        }
        guard !idText.isEmpty, idText.utf8.count <= maxIDLength else {
            return (nil, .failure(.badRequest("'id' must be 1 to \(maxIDLength) bytes", field: "id")))
        }
        guard let commandValue = o["command"] else {
            return (idText, .failure(.badRequest("missing field 'command'", field: "command")))
        }
        guard let command = commandValue.stringValue, !command.isEmpty else {
            return (idText, .failure(.badRequest("'command' must be a non-empty string, got \(commandValue.typeName)", field: "command")))
        }
        let args = o["args"] ?? .object([:])
        if case .null = args {
            return (idText, .success(Request(id: idText, command: command, args: .object([:]))))
        }
        guard case .object = args else {
            return (idText, .failure(.badRequest("'args' must be an object, got \(args.typeName)", field: "args")))
        }
        return (idText, .success(Request(id: idText, command: command, args: args)))
    }
}

/// A reply: `{"v":1,"id":"…","ok":true,"result":{…}}` or `{"v":1,"id":"…","ok":false,"error":{…}}`.
public struct Reply: Sendable, Hashable {
    public var id: String?
    public var outcome: Result<JSONValue, ServiceError>

    public init(id: String?, outcome: Result<JSONValue, ServiceError>) {
        self.id = id
        self.outcome = outcome
    }

    public static func ok(_ id: String?, _ result: JSONValue) -> Reply { Reply(id: id, outcome: .success(result)) }
    public static func failure(_ id: String?, _ error: ServiceError) -> Reply { Reply(id: id, outcome: .failure(error)) }

    public var json: JSONValue {
        var o: [String: JSONValue] = ["v": .int(protocolVersion), "id": id.map { .string($0) } ?? .null]
        switch outcome {
        case .success(let result):
            o["ok"] = true
            o["result"] = result
        case .failure(let error):
            o["ok"] = false
            o["error"] = error.json
        }
        return .object(o)
    }

    public var bytes: [UInt8] {
        if case .success(let result) = outcome, let id { return Reply.okBytes(id, result) }
        return json.jsonBytes
    }

    /// The bytes of `Reply.ok(id, result)`, written directly: the same text as `json.jsonBytes`
    /// (keys in sorted order), without building the envelope's dictionary.
    public static func okBytes(_ id: String, _ result: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + id.utf8.count)
        out.append(contentsOf: #"{"id":"#.utf8)
        JSONValue.writeString(id, into: &out)
        out.append(contentsOf: #","ok":true,"result":"#.utf8)
        JSONValue.write(result, into: &out)
        out.append(contentsOf: #","v":1}"#.utf8)
        return out
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws -> Reply {
        let value = try JSONValue.parse(bytes)
        guard let ok = value["ok"]?.boolValue else { throw ServiceError(.internal, "reply has no 'ok' field") }
        let id = value["id"]?.stringValue
        if ok { return Reply(id: id, outcome: .success(value["result"] ?? .null)) }
        guard let errorValue = value["error"], let error = ServiceError(json: errorValue) else {
            throw ServiceError(.internal, "reply has ok:false and no valid 'error'")
        }
        return Reply(id: id, outcome: .failure(error))
    }
}

/// An event from a service's outbox: published on `<service>.pub` with the type as topic frame.
public struct Event: Sendable, Hashable {
    public var source: String
    public var seq: Int64
    public var type: String
    public var at: Timestamp
    public var data: JSONValue
    /// The identity of the log that stored it (its source's `incarnation`); nil from a source that does not say.
    public var incarnation: String?
    /// Who made the change that stored it (a person's id and role, or a service as `stack`); nil
    /// from a source that does not say.
    public var actor: Actor?
    /// The JSON it was read from, kept so that passing it on costs no rebuild.
    private var original: JSONValue?

    public init(source: String, seq: Int64, type: String, at: Timestamp, data: JSONValue) {
        self.source = source
        self.seq = seq
        self.type = type
        self.at = at
        self.data = data
    }

    public var json: JSONValue {
        if let original { return original }
        return ["v": .int(protocolVersion), "source": .string(source), "seq": .int(seq), "type": .string(type),
                "at": .string(at.description), "data": data]
    }

    public static func == (a: Event, b: Event) -> Bool {
        a.source == b.source && a.seq == b.seq && a.type == b.type && a.at == b.at && a.data == b.data
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(source)
        hasher.combine(seq)
        hasher.combine(type)
    }

    /// The event's JSON bytes, as `json.jsonBytes` would give, with `at` already formatted.
    public static func encode(source: String, seq: Int64, type: String, at: String, data: JSONValue,
                              incarnation: String? = nil, actor: Actor? = nil) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(224)
        out.append(contentsOf: #"{"#.utf8)
        if let actor {
            out.append(contentsOf: #""actor":{"person":"#.utf8)
            JSONValue.writeString(actor.person, into: &out)
            out.append(contentsOf: #","role":"#.utf8)
            JSONValue.writeString(actor.role.rawValue, into: &out)
            out.append(contentsOf: #"},"#.utf8)
        }
        out.append(contentsOf: #""at":"#.utf8)
        JSONValue.writeString(at, into: &out)
        out.append(contentsOf: #","data":"#.utf8)
        JSONValue.write(data, into: &out)
        if let incarnation {
            out.append(contentsOf: #","incarnation":"#.utf8)
            JSONValue.writeString(incarnation, into: &out)
        }
        out.append(contentsOf: #","seq":"#.utf8)
        out.append(contentsOf: String(seq).utf8)
        out.append(contentsOf: #","source":"#.utf8)
        JSONValue.writeString(source, into: &out)
        out.append(contentsOf: #","type":"#.utf8)
        JSONValue.writeString(type, into: &out)
        out.append(contentsOf: #","v":1}"#.utf8)
        return out
    }

    public init(json value: JSONValue) throws {
        guard let source = value["source"]?.stringValue, let seq = value["seq"]?.intValue,
              let type = value["type"]?.stringValue,
              let atText = value["at"]?.stringValue, let at = Timestamp(rfc3339: atText) else {
            throw ServiceError(.badRequest, "not an event envelope")
        }
        self.init(source: source, seq: seq, type: type, at: at, data: value["data"] ?? .object([:]))
        incarnation = value["incarnation"]?.stringValue
        actor = Actor(json: value["actor"])
        original = value
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws -> Event {
        try Event(json: try JSONValue.parse(bytes))
    }
}
