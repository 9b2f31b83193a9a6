import Testing
@testable import SendModel
@testable import SendRuntime

@Suite("events.since pages read without parsing their events")
struct EventsPageTests {
    @Test("each stored event comes back as its very bytes, with its seq; the page's id, incarnation and last seq are read")
    func storedBytesAndSeqs() throws {
        let events = (1...3).map { seq in
            Event.encode(source: "notifications", seq: Int64(seq), type: "action.updated", at: "2026-01-02T03:04:05.678Z",
                         data: ["title": "quote \" and ] and } in a title", "n": .int(Int64(seq))], incarnation: "abc")
        }
        var body = Array(#"{"id":"e1","ok":true,"result":{"events":["#.utf8)
        for (i, e) in events.enumerated() { if i > 0 { body.append(UInt8(ascii: ",")) }; body += e }
        body += Array(#"],"incarnation":"abc","last_seq":9},"v":1}"#.utf8)
        let page = try #require(EventsPage.read(body))
        #expect(page.id == "e1")
        #expect(page.incarnation == "abc")
        #expect(page.lastSeq == 9)
        #expect(page.events.map(\.seq) == [1, 2, 3])
        #expect(page.events.map { Array($0.bytes) } == events)
        // The bytes are what encoding the parsed event gives: printing them is printing its JSON.
        #expect(try page.events.map { try $0.decode().json.jsonBytes } == events)
    }

    @Test("a refusal, or a reply of another shape, is not a page")
    func notAPage() {
        let refusal = Reply.failure("e2", ServiceError(.badRequest, "limit: must be 1 to 10000")).bytes
        #expect(EventsPage.read(refusal) == nil)
        #expect(EventsPage.read(Array(#"{"id":"e3","ok":true,"result":{"last_seq":1}}"#.utf8)) == nil)
        #expect(EventsPage.read(Array(#"{"id":"e4","ok":true,"result":{"events":[{"seq":1}"#.utf8)) == nil)
    }
}
