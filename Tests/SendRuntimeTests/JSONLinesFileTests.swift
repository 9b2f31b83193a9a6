import Foundation
import SendModel
@testable import SendRuntime
import TestSupport
import Testing

@Suite("A JSON Lines file that is its own cursor")
struct JSONLinesFileTests {
    private func line(_ seq: Int64) -> [UInt8] {
        (["v": 1, "source": "notifications", "seq": .int(seq), "type": "action.overdue", "data": [:]] as JSONValue).jsonBytes
    }

    @Test("a new file has no position; appended lines are there after reopening, and the last seq is the position")
    func appendAndReopen() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let path = "\(dir.path)/feed.jsonl"
        let file = try JSONLinesFile(path: path)
        #expect(file.lastSeq == nil)
        try file.append([line(1), line(2)], lastSeq: 2)
        try file.append([line(3)], lastSeq: 3)
        file.close()
        let again = try JSONLinesFile(path: path)
        #expect(again.lastSeq == 3)
        #expect(again.cutBytes == 0)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 3)
        #expect(text.hasSuffix("\n"))
    }

    @Test("a line torn by a crash is cut off, and the position is the last complete line's seq")
    func tornLineIsCut() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let path = "\(dir.path)/feed.jsonl"
        let torn = Array(line(8).prefix(20))
        let content = line(6) + [0x0A] + line(7) + [0x0A] + torn
        #expect(FileManager.default.createFile(atPath: path, contents: Data(content)))
        let file = try JSONLinesFile(path: path)
        #expect(file.lastSeq == 7)
        #expect(file.cutBytes == torn.count)
        try file.append([line(8)], lastSeq: 8)
        file.close()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        let seqs = try lines.map { try #require(try JSONValue.parse(Array($0.utf8))["seq"]?.intValue) }
        #expect(seqs == [6, 7, 8])
    }

    @Test("a long file is resumed from its tail (lines longer than a read step included)")
    func longLines() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let path = "\(dir.path)/feed.jsonl"
        let file = try JSONLinesFile(path: path)
        let big: JSONValue = ["seq": 41, "data": ["text": .string(String(repeating: "x", count: 200_000))]]
        try file.append((1...40).map(line) + [big.jsonBytes], lastSeq: 41)
        file.close()
        #expect(try JSONLinesFile(path: path).lastSeq == 41)
    }

    @Test("a file whose last line is not an event is refused, naming the file, and left as it was")
    func foreignFileRefused() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let path = "\(dir.path)/notes.txt"
        try "my shopping list\neggs\n".write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: ServiceError.self) { try JSONLinesFile(path: path) }
        #expect(error?.message.contains("\(path) is not an event with a seq") == true, "\(String(describing: error))")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "my shopping list\neggs\n")
    }
}
