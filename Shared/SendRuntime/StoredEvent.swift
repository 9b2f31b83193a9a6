public import SendModel

/// An event as its source stored it: its seq and its JSON text exactly as `events.since` and the
/// PUB socket carry it (the bytes `Event.encode` wrote, which are what `event.json.jsonBytes`
/// gives), so a client that only passes events on writes them out without parsing them.
public struct StoredEvent: Sendable {
    public let seq: Int64
    public let bytes: ArraySlice<UInt8>

    public init(seq: Int64, bytes: ArraySlice<UInt8>) {
        self.seq = seq
        self.bytes = bytes
    }

    /// The event, parsed.
    public func decode() throws -> Event { try Event.decode(bytes) }
}

/// An `events.since` reply taken apart without building its events: one pass over its bytes
/// finds each stored event and its seq; nothing else of the events is parsed.
struct EventsPage {
    var id: String?
    var events: [StoredEvent]
    var incarnation: String?
    var lastSeq: Int64

    /// The page in `body`, or nil when it is not an `ok: true` reply of that shape (then read it as a `Reply`).
    /// An event without a readable integer `seq` is left out, as an unreadable one always was.
    static func read(_ body: [UInt8]) -> EventsPage? {
        body.withUnsafeBufferPointer { buffer -> EventsPage? in
            let spans = JSONSpans(buffer)
            var page = EventsPage(id: nil, events: [], incarnation: nil, lastSeq: 0)
            var ok = false
            var sawEvents = false
            // One descent: the events are walked where they lie, each byte of the reply looked at once.
            do throws(JSONParseError) {
                _ = try spans.forEachMember(at: 0, depth: 0) { (key, start) throws(JSONParseError) -> Int in
                    switch key {
                    case "id", "ok":
                        let end = try spans.skipValue(start, depth: 1)
                        let value = try spans.parse(start..<end)
                        if key == "id" { page.id = value.stringValue } else { ok = value.boolValue ?? false }
                        return end
                    case "result":
                        return try spans.forEachMember(at: start, depth: 1) { (key, start) throws(JSONParseError) -> Int in
                            switch key {
                            case "events":
                                sawEvents = true
                                return try spans.forEachElement(at: start, depth: 2) { (start) throws(JSONParseError) -> Int in
                                    var seq: Int64?
                                    let end = try spans.forEachMember(at: start, depth: 3) { (key, start) throws(JSONParseError) -> Int in
                                        let end = try spans.skipValue(start, depth: 4)
                                        if key == "seq" { seq = try spans.parse(start..<end).intValue }
                                        return end
                                    }
                                    // An event without a readable integer seq is left out, as an unreadable one always was.
                                    if let seq { page.events.append(StoredEvent(seq: seq, bytes: body[start..<end])) }
                                    return end
                                }
                            case "incarnation", "last_seq":
                                let end = try spans.skipValue(start, depth: 2)
                                let value = try spans.parse(start..<end)
                                if key == "last_seq" { page.lastSeq = value.intValue ?? 0 } else { page.incarnation = value.stringValue }
                                return end
                            default:
                                return try spans.skipValue(start, depth: 2)
                            }
                        }
                    default:
                        return try spans.skipValue(start, depth: 1)
                    }
                }
            } catch {
                return nil
            }
            return ok && sawEvents ? page : nil
        }
    }
}
