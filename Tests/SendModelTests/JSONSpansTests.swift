import Testing
@testable import SendModel

@Suite("JSON spans")
struct JSONSpansTests {
    @Test("finds each member and element as the bytes written, strings with brackets and escapes included")
    func membersAndElements() throws {
        let events = [
            Event.encode(source: "notifications", seq: 7, type: "action.updated", at: "2026-01-02T03:04:05.678Z",
                         data: ["title": "a \"quoted\" [bracket] {brace} \\ é", "n": 1.5, "list": [1, [2, [3]], ["k": nil]]]),
            Event.encode(source: "notifications", seq: 8, type: "x", at: "2026-01-02T03:04:05.678Z", data: [:]),
        ]
        let text = Array(#"{"id":"r1","ok":true,"result":{"events":["#.utf8) + events[0] + [UInt8(ascii: ",")] + events[1]
            + Array(#"],"last_seq":8}, "v" : 1 }"#.utf8)
        try text.withUnsafeBufferPointer { buffer in
            let spans = JSONSpans(buffer)
            let top = try spans.members(of: try spans.value())
            #expect(top.map(\.key) == ["id", "ok", "result", "v"])
            #expect(try spans.parse(top[0].value) == "r1")
            let result = try spans.members(of: top[2].value)
            #expect(result.map(\.key) == ["events", "last_seq"])
            let elements = try spans.elements(of: result[0].value)
            #expect(elements.map { Array(text[$0]) } == events)
            let seq = try spans.members(of: elements[1]).first { $0.key == "seq" }!.value
            #expect(try spans.parse(seq) == 8)
        }
    }

    @Test("refuses broken structure: unbalanced brackets, an unterminated string, trailing data")
    func refusesBrokenStructure() {
        for text in [#"{"a":[1,2}"#, #"{"a":"open}"#, #"[1] x"#, #"{"a" 1}"#, #"[1,,2]"#] {
            let bytes = Array(text.utf8)
            let refused = bytes.withUnsafeBufferPointer { buffer -> Bool in
                let spans = JSONSpans(buffer)
                do {
                    let whole = try spans.value()
                    if bytes[whole.lowerBound] == UInt8(ascii: "{") { _ = try spans.members(of: whole) } else { _ = try spans.elements(of: whole) }
                    return false
                } catch { return true }
            }
            #expect(refused, "\(text)")
        }
    }
}
