import ArgumentParser
import Foundation

/// Splits a CSV file into requests: the header, then up to `rows` records (and about `maxBytes`)
/// per chunk, cut only between records (a quoted field may hold line breaks). Each chunk knows the
/// file line of its first record, so the service reports bad rows by their line in the file.
struct CSVChunks {
    struct Chunk {
        var number: Int
        var text: String
        var firstRowLine: Int
        var rows: Int
    }

    let chunks: [Chunk]
    /// 16 hex digits identifying the file's content (FNV-1a, 64 bits).
    let fileHash: String

    /// `maxBytes`: a chunk ends once its rows take this many bytes as a JSON string (well under the
    /// 16 MiB request limit: one more record, the header and the envelope fit).
    init(bytes: [UInt8], rows perChunk: Int, maxBytes: Int = 12 << 20) throws {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        let hex = String(hash, radix: 16)
        fileHash = String(repeating: "0", count: 16 - hex.count) + hex

        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        // Skip empty lines before the header.
        while index < bytes.count && (bytes[index] == 0x0A || bytes[index] == 0x0D) {
            if bytes[index] == 0x0A { line += 1 }
            index += 1
        }
        guard index < bytes.count else { throw CSVChunkError("the file is empty: it needs a header line and rows") }
        let headerStart = index
        let (headerEnd, headerLines) = CSVChunks.recordEnd(bytes, from: index)
        let header = Array(bytes[headerStart..<headerEnd])
        index = headerEnd
        line += headerLines
        var chunks: [Chunk] = []
        while index < bytes.count {
            let start = index
            let startLine = line
            var rows = 0
            var encoded = 0  // the chunk's size as a JSON string, which is what the request limit counts
            while index < bytes.count && rows < perChunk && encoded < maxBytes {
                let (end, lines) = CSVChunks.recordEnd(bytes, from: index)
                encoded += CSVChunks.jsonLength(bytes[index..<end])
                let blank = bytes[index..<end].allSatisfy { $0 == 0x0A || $0 == 0x0D }
                if !blank { rows += 1 }
                index = end
                line += lines
            }
            if rows == 0 { continue }
            var text = header
            if text.last != 0x0A { text.append(0x0A) }
            text += bytes[start..<index]
            chunks.append(Chunk(number: chunks.count + 1, text: String(decoding: text, as: UTF8.self), firstRowLine: startLine, rows: rows))
        }
        self.chunks = chunks
    }

    /// The length of `text` in a JSON string: quotes, backslashes and control characters are escaped.
    static func jsonLength(_ text: ArraySlice<UInt8>) -> Int {
        var n = text.count
        for b in text where b < 0x20 || b == 0x22 || b == 0x5C {
            n += (b == 0x0A || b == 0x0D || b == 0x09 || b == 0x22 || b == 0x5C) ? 1 : 5
        }
        return n
    }

    /// The index just past the record starting at `from` (past its line break) and the line breaks it holds.
    static func recordEnd(_ bytes: [UInt8], from: Int) -> (Int, Int) {
        var i = from
        var quoted = false
        var lines = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x22 { quoted.toggle() }
            if b == 0x0A {
                lines += 1
                if !quoted { return (i + 1, lines) }
            }
            i += 1
        }
        return (i, lines)
    }
}

struct CSVChunkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Reads a file named on the command line; a clear error when it cannot.
func readInputFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        printError("sendctl: cannot read \(path): no such file, or not readable")
        throw ExitCode(64)
    }
    return [UInt8](data)
}
