import Testing
@testable import SendModel

@Suite("JSON and envelopes")
struct JSONTests {
    @Test("parses and serialises round trip, with escapes and unicode")
    func roundTrip() throws {
        let text = #"{"a":[1,-2.5,true,false,null],"b":"line\nquote\" tab\t \u00e9 \ud83d\ude00","c":{}}"#
        let value = try JSONValue.parse(text)
        #expect(value["b"]?.stringValue == "line\nquote\" tab\t é 😀")
        #expect(value["a"]?.arrayValue?.count == 5)
        #expect(try JSONValue.parse(value.jsonBytes) == value)
    }

    @Test("refuses what is not JSON, with where it stopped", arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "tru", "\"unterminated", "{\"a\":1} extra", "01", "1.", "\"\\x\"", "\"\\ud800\"", "NaN",
    ])
    func refusesInvalid(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test("refuses nesting deeper than the limit without recursing into it")
    func deepNesting() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
        let ok = String(repeating: "[", count: JSONValue.maxDepth) + String(repeating: "]", count: JSONValue.maxDepth)
        #expect((try? JSONValue.parse(ok)) != nil)
    }

    @Test("object keys are serialised sorted, so equal values have equal bytes")
    func sortedKeys() {
        let v: JSONValue = ["z": 1, "a": 2, "m": ["y": true, "b": nil]]
        #expect(v.jsonString == #"{"a":2,"m":{"b":null,"y":true},"z":1}"#)
    }

    @Test("a request envelope names the field that is wrong")
    func requestErrors() {
        func code(_ text: String) -> (ErrorCode?, String?) {
            let (_, result) = Request.decode(Array(text.utf8))
            if case .failure(let e) = result { return (e.code, e.field) }
            return (nil, nil)
        }
        #expect(code("nope").0 == .badRequest)
        #expect(code("[]").0 == .badRequest)
        #expect(code(#"{"id":"a","command":"x"}"#) == (.badRequest, "v"))
        #expect(code(#"{"v":2,"id":"a","command":"x"}"#) == (.badRequest, "v"))
        #expect(code(#"{"v":1,"command":"x"}"#) == (.badRequest, "id"))
        #expect(code(#"{"v":1,"id":5,"command":"x"}"#) == (.badRequest, "id"))
        #expect(code(#"{"v":1,"id":"","command":"x"}"#) == (.badRequest, "id"))
        #expect(code(#"{"v":1,"id":"a"}"#) == (.badRequest, "command"))
        #expect(code(#"{"v":1,"id":"a","command":7}"#) == (.badRequest, "command"))
        #expect(code(#"{"v":1,"id":"a","command":"x","args":[1]}"#) == (.badRequest, "args"))
        let (id, ok) = Request.decode(Array(#"{"v":1,"id":"r1","command":"x.y"}"#.utf8))
        #expect(id == "r1")
        #expect((try? ok.get())?.args == .object([:]))
    }

    @Test("replies and events round trip through their JSON")
    func replyAndEvent() throws {
        let failure = Reply.failure("q", .invalid([FieldError(field: "findings[2].kind", message: "bad"), FieldError(field: "due", message: "late")]))
        let decoded = try Reply.decode(failure.bytes)
        #expect(decoded == failure)
        let event = Event(source: "board", seq: 42, type: "action.updated", at: Timestamp(millis: 1_700_000_000_123), data: ["action_id": "A-0001"])
        #expect(try Event.decode(event.json.jsonBytes) == event)
        #expect(Event.encode(source: "board", seq: 42, type: "action.updated", at: event.at.description, data: event.data) == event.json.jsonBytes)
        // An ok reply written directly is the very text of its envelope, keys sorted.
        let ok = Reply.ok("r\"1", ["item_id": 7, "note": "é\n", "list": [1, "x"]])
        #expect(Reply.okBytes("r\"1", ["item_id": 7, "note": "é\n", "list": [1, "x"]]) == ok.json.jsonBytes)
        #expect(try Reply.decode(ok.bytes) == ok)
    }

    @Test("the validator collects every bad field with its JSON path")
    func validatorPaths() {
        let args = try! JSONValue.parse(#"{"title":"","due":"2023-02-30","items":[{"kind":"x"},{"kind":"strength"},3],"n":"7"}"#)
        enum Kind: String, CaseIterable { case strength, weakness }
        let v = Validator(args)
        _ = v.string("title")
        _ = v.date("due")
        _ = v.int("n")
        _ = v.string("missing")
        for item in v.objects("items") ?? [] { _ = item.oneOf("kind", Kind.self) }
        let fields = v.errors.map(\.field)
        #expect(Set(fields) == ["title", "due", "n", "missing", "items[0].kind", "items[2]"])
        #expect(fields.count == 6)
        #expect(throws: ServiceError.self) { try v.check() }
    }
}
