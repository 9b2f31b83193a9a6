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
            guard let whole = try? spans.value(), let top = try? spans.members(of: whole) else { return nil }
            var id: String?
            var ok = false
            var result: Range<Int>?
            for (key, range) in top {
                switch key {
                case "id": id = (try? spans.parse(range))?.stringValue
                case "ok": ok = (try? spans.parse(range))?.boolValue ?? false
                case "result": result = range
                default: break
                }
            }
            guard ok, let result, let members = try? spans.members(of: result) else { return nil }
            var page = EventsPage(id: id, events: [], incarnation: nil, lastSeq: 0)
            var eventsRange: Range<Int>?
            for (key, range) in members {
                switch key {
                case "events": eventsRange = range
                case "incarnation": page.incarnation = (try? spans.parse(range))?.stringValue
                case "last_seq": page.lastSeq = (try? spans.parse(range))?.intValue ?? 0
                default: break
                }
            }
            guard let eventsRange, let elements = try? spans.elements(of: eventsRange) else { return nil }
            page.events.reserveCapacity(elements.count)
            for element in elements {
                guard let fields = try? spans.members(of: element),
                      let seqRange = fields.first(where: { $0.key == "seq" })?.value,
                      let seq = (try? spans.parse(seqRange))?.intValue else { continue }
                page.events.append(StoredEvent(seq: seq, bytes: body[element]))
            }
            return page
        }
    }
}
