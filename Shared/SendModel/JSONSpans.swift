/// Finds the values inside a JSON text without building them: each value is a byte range, so a
/// large text (an `events.since` reply of thousands of stored events) can be taken apart and its
/// pieces passed on as they are, with only the few small values that are needed parsed.
///
/// Skipping checks the structure (strings, nesting, separators) but not every literal: a value
/// that is used should be parsed with `JSONValue.parse`.
public struct JSONSpans {
    let buffer: UnsafeBufferPointer<UInt8>

    public init(_ buffer: UnsafeBufferPointer<UInt8>) { self.buffer = buffer }

    /// The range of the one value of the whole text (spaces around it left out).
    public func value() throws(JSONParseError) -> Range<Int> {
        var i = skipSpace(0)
        let start = i
        i = try skipValue(i, depth: 0)
        let end = i
        guard skipSpace(i) == buffer.count else { throw error("unexpected data after the JSON value", i) }
        return start..<end
    }

    /// The members of the object at `range`, in the order written: each key and its value's range.
    public func members(of range: Range<Int>) throws(JSONParseError) -> [(key: String, value: Range<Int>)] {
        var out: [(key: String, value: Range<Int>)] = []
        _ = try forEachMember(at: range.lowerBound, depth: 0) { (key, start) throws(JSONParseError) -> Int in
            let end = try skipValue(start, depth: 1)
            out.append((key, start..<end))
            return end
        }
        return out
    }

    /// The ranges of the elements of the array at `range`.
    public func elements(of range: Range<Int>) throws(JSONParseError) -> [Range<Int>] {
        var out: [Range<Int>] = []
        _ = try forEachElement(at: range.lowerBound, depth: 0) { (start) throws(JSONParseError) -> Int in
            let end = try skipValue(start, depth: 1)
            out.append(start..<end)
            return end
        }
        return out
    }

    /// Walks the object that starts at `from` (after spaces): `body` gets each key and where its value
    /// starts, and returns where the value ends (skipping it, or reading into it). Returns the index
    /// just past the object. One pass: a caller that reads into a value does not scan it twice.
    public func forEachMember(at from: Int, depth: Int,
                              _ body: (String, Int) throws(JSONParseError) -> Int) throws(JSONParseError) -> Int {
        var i = skipSpace(from)
        guard i < buffer.count, buffer[i] == UInt8(ascii: "{") else { throw error("expected an object", i) }
        if depth >= JSONValue.maxDepth { throw error("nested deeper than \(JSONValue.maxDepth) levels", i) }
        i = skipSpace(i + 1)
        if i < buffer.count, buffer[i] == UInt8(ascii: "}") { return i + 1 }
        while true {
            guard i < buffer.count, buffer[i] == UInt8(ascii: "\"") else { throw error("expected a string key", i) }
            var parser = JSONByteParser(buffer: buffer)
            parser.index = i
            let key = try parser.parseString()
            i = skipSpace(parser.index)
            guard i < buffer.count, buffer[i] == UInt8(ascii: ":") else { throw error("expected ':'", i) }
            i = skipSpace(try body(key, skipSpace(i + 1)))
            guard i < buffer.count else { throw error("unexpected end of input", i) }
            if buffer[i] == UInt8(ascii: "}") { return i + 1 }
            guard buffer[i] == UInt8(ascii: ",") else { throw error("expected ',' or '}'", i) }
            i = skipSpace(i + 1)
        }
    }

    /// Walks the array that starts at `from` as `forEachMember` walks an object: `body` gets where each
    /// element starts and returns where it ends. Returns the index just past the array.
    public func forEachElement(at from: Int, depth: Int,
                               _ body: (Int) throws(JSONParseError) -> Int) throws(JSONParseError) -> Int {
        var i = skipSpace(from)
        guard i < buffer.count, buffer[i] == UInt8(ascii: "[") else { throw error("expected an array", i) }
        if depth >= JSONValue.maxDepth { throw error("nested deeper than \(JSONValue.maxDepth) levels", i) }
        i = skipSpace(i + 1)
        if i < buffer.count, buffer[i] == UInt8(ascii: "]") { return i + 1 }
        while true {
            i = skipSpace(try body(i))
            guard i < buffer.count else { throw error("unexpected end of input", i) }
            if buffer[i] == UInt8(ascii: "]") { return i + 1 }
            guard buffer[i] == UInt8(ascii: ",") else { throw error("expected ',' or ']'", i) }
            i = skipSpace(i + 1)
        }
    }

    /// The value at `range`, parsed (for the small values a caller needs).
    public func parse(_ range: Range<Int>) throws(JSONParseError) -> JSONValue {
        try JSONValue.parse(UnsafeBufferPointer(rebasing: buffer[range]))
    }

    func error(_ message: String, _ offset: Int) -> JSONParseError { JSONParseError(message: message, offset: offset) }

    func skipSpace(_ from: Int) -> Int {
        var i = from
        while i < buffer.count {
            switch buffer[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return i
            }
        }
        return i
    }

    /// The index just past the value that starts at `from`, nested `depth` levels deep.
    public func skipValue(_ from: Int, depth: Int) throws(JSONParseError) -> Int {
        guard from < buffer.count else { throw error("unexpected end of input", from) }
        switch buffer[from] {
        case UInt8(ascii: "\""):
            return try skipString(from)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            // Brackets are counted outside strings; each close must match its open. The open ones are
            // bits of one word (1 for an object), as nesting stops at `maxDepth` (64) anyway.
            var open: UInt64 = 0
            var levels = 0
            var i = from
            while i < buffer.count {
                let byte = buffer[i]
                switch byte {
                case UInt8(ascii: "\""):
                    i = try skipString(i)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    if depth + levels >= JSONValue.maxDepth { throw error("nested deeper than \(JSONValue.maxDepth) levels", i) }
                    open = open << 1 | (byte == UInt8(ascii: "{") ? 1 : 0)
                    levels += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    guard levels > 0, (open & 1 == 1) == (byte == UInt8(ascii: "}")) else { throw error("unbalanced brackets", i) }
                    open >>= 1
                    levels -= 1
                    if levels == 0 { return i + 1 }
                default:
                    break
                }
                i += 1
            }
            throw error("unexpected end of input", i)
        default:
            // A number or a literal: up to the next separator.
            var i = from
            while i < buffer.count {
                switch buffer[i] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09:
                    guard i > from else { throw error("unexpected character", i) }
                    return i
                case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"),
                     UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "E"):
                    i += 1
                default:
                    throw error("unexpected character", i)
                }
            }
            return i
        }
    }

    /// The index just past the string whose opening quote is at `from`.
    func skipString(_ from: Int) throws(JSONParseError) -> Int {
        var i = from + 1
        while i < buffer.count {
            switch buffer[i] {
            case UInt8(ascii: "\""): return i + 1
            case UInt8(ascii: "\\"): i += 2
            case 0..<0x20: throw error("control character in a string", i)
            default: i += 1
            }
        }
        throw error("unterminated string", i)
    }
}
