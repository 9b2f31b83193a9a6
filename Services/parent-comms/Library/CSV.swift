import SendModel

/// A CSV reader after RFC 4180: comma-separated, fields optionally in double quotes, where a
/// quoted field may hold commas, line breaks and doubled quotes (`""`). Lines end in LF or CRLF.
/// A UTF-8 byte order mark is skipped; empty lines are skipped but counted.
struct CSVReader {
    /// One record and the line of the file it starts on.
    struct Record {
        var line: Int
        var fields: [String]
    }

    /// A record that could not be read, and why (no field values: they may be personal data).
    struct Malformed: Error {
        var line: Int
        var message: String
    }

    private let bytes: [UInt8]
    private var scanner: CSVScanner
    private var spans: [CSVScanner.Span] = []

    /// `firstLine` is the line number of the first byte of `bytes` in the original file.
    init(_ bytes: [UInt8], firstLine: Int = 1) {
        self.bytes = bytes
        self.scanner = CSVScanner(startingAt: CSVScanner.start(of: bytes), line: firstLine)
    }

    /// The line number the next record will get (for example after a header, when the rows come from later in a file).
    mutating func setLine(_ n: Int) { scanner.line = n }

    /// The next record, a malformed one (the reader has moved past it), or nil at the end.
    mutating func next() -> Result<Record, Malformed>? {
        var fields: [String] = []
        switch next(into: &fields) {
        case nil: return nil
        case .malformed(let m)?: return .failure(m)
        case .record(let line)?: return .success(Record(line: line, fields: fields))
        }
    }

    /// What `next(into:)` read: a record starting on `line`, or a malformed one.
    enum Step {
        case record(line: Int)
        case malformed(Malformed)
    }

    /// The next record's fields into `fields` (emptied first, its storage kept), a malformed record, or nil at the end.
    mutating func next(into fields: inout [String]) -> Step? {
        fields.removeAll(keepingCapacity: true)
        let step = bytes.withUnsafeBufferPointer { scanner.next($0, into: &spans) }
        if case .record? = step {
            bytes.withUnsafeBufferPointer { input in fields = scanner.strings(spans, input) }
        }
        return step
    }
}

/// The record parser under `CSVReader`, for a caller that reads the cells as bytes (a bulk import:
/// no `String` per cell). A field is a span of the input, or, for a quoted field with doubled
/// quotes, of the scanner's scratch buffer, which holds the current record's undoubled fields.
struct CSVScanner {
    /// One field: `start..<end` of the input, or of the scratch buffer when `inScratch`.
    struct Span {
        var start: Int
        var end: Int
        var inScratch: Bool

        func bytes(_ input: UnsafeBufferPointer<UInt8>, _ scratch: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: (inScratch ? scratch : input)[start..<end])
        }
    }

    private var index: Int
    var line: Int
    private var scratch: [UInt8] = []
    /// Whether every byte of the record last read is ASCII.
    private(set) var recordIsASCII = true

    /// Where the text starts: after a UTF-8 byte order mark, if any.
    static func start(of bytes: some Collection<UInt8>) -> Int { bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0 }

    init(startingAt index: Int, line: Int) {
        self.index = index
        self.line = line
    }

    /// The scratch buffer the spans with `inScratch` point into; valid until the next record is read.
    func withScratch<T>(_ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try scratch.withUnsafeBufferPointer(body)
    }

    /// The fields of the record last read as strings (a header).
    func strings(_ spans: [Span], _ input: UnsafeBufferPointer<UInt8>) -> [String] {
        withScratch { scratch in spans.map { String(decoding: $0.bytes(input, scratch), as: UTF8.self) } }
    }

    /// Reads the next record of `bytes` (always the same input) into `fields` (emptied first, its storage kept).
    mutating func next(_ bytes: UnsafeBufferPointer<UInt8>, into fields: inout [Span]) -> CSVReader.Step? {
        fields.removeAll(keepingCapacity: true)
        scratch.removeAll(keepingCapacity: true)
        // Skip empty lines.
        while index < bytes.count && (bytes[index] == 0x0A || bytes[index] == 0x0D) {
            if bytes[index] == 0x0A { line += 1 }
            index += 1
        }
        guard index < bytes.count else { return nil }
        let startLine = line
        var problem: String?
        var high: UInt8 = 0
        fieldLoop: while true {
            if index < bytes.count && bytes[index] == 0x22 {
                // Quoted field.
                index += 1
                let start = index
                var closed = false
                var doubled = false
                while index < bytes.count {
                    let b = bytes[index]
                    high |= b
                    if b == 0x22 {
                        if index + 1 < bytes.count && bytes[index + 1] == 0x22 {
                            doubled = true
                            index += 2
                            continue
                        }
                        closed = true
                        break
                    }
                    if b == 0x0A { line += 1 }
                    index += 1
                }
                if doubled {
                    let from = scratch.count
                    var i = start
                    while i < index {
                        scratch.append(bytes[i])
                        i += bytes[i] == 0x22 ? 2 : 1
                    }
                    fields.append(Span(start: from, end: scratch.count, inScratch: true))
                } else {
                    fields.append(Span(start: start, end: index, inScratch: false))
                }
                if !closed {
                    problem = problem ?? "a quoted field opened on line \(startLine) is never closed"
                    break fieldLoop
                }
                index += 1  // the closing quote
                // After the closing quote: a separator, the end of the line, or the end of the text.
                if index < bytes.count && bytes[index] != 0x2C && bytes[index] != 0x0A && bytes[index] != 0x0D {
                    problem = problem ?? "field \(fields.count) has text after its closing quote"
                    while index < bytes.count && bytes[index] != 0x2C && bytes[index] != 0x0A && bytes[index] != 0x0D { index += 1 }
                }
            } else {
                let start = index
                while index < bytes.count {
                    let b = bytes[index]
                    if b == 0x2C || b == 0x0A || b == 0x0D { break }
                    high |= b
                    if b == 0x22 { problem = problem ?? "field \(fields.count + 1) has a quote but does not start with one" }
                    index += 1
                }
                fields.append(Span(start: start, end: index, inScratch: false))
            }
            if index >= bytes.count { break }
            switch bytes[index] {
            case 0x2C:
                index += 1
                continue fieldLoop
            case 0x0D:
                index += 1
                if index < bytes.count && bytes[index] == 0x0A { index += 1 }
                line += 1
                break fieldLoop
            default:  // LF
                index += 1
                line += 1
                break fieldLoop
            }
        }
        recordIsASCII = high < 0x80
        if let problem { return .malformed(CSVReader.Malformed(line: startLine, message: problem)) }
        return .record(line: startLine)
    }
}
/// A CSV header: column names (trimmed, lower case) to positions, checked against what a file must and may have.
struct CSVHeader {
    let positions: [String: Int]
    let count: Int

    /// Reads the header record; every problem is a `FieldError` on `header.<column>` or `csv`.
    init(_ record: CSVReader.Record, required: [String], optional: [String], pattern: ((String) -> Bool)? = nil) throws(ServiceError) {
        var positions: [String: Int] = [:]
        var errors: [FieldError] = []
        for (i, raw) in record.fields.enumerated() {
            let name = raw.trimmingSpaces.lowercased()
            if name.isEmpty {
                errors.append(FieldError(field: "header", message: "column \(i + 1) has no name"))
            } else if !(required.contains(name) || optional.contains(name) || pattern?(name) == true) {
                errors.append(FieldError(field: "header.\(name)",
                    message: "unknown column; the columns are \((required + optional).joined(separator: ", "))"))
            } else if positions[name] != nil {
                errors.append(FieldError(field: "header.\(name)", message: "the column appears twice"))
            } else {
                positions[name] = i
            }
        }
        for name in required where positions[name] == nil {
            errors.append(FieldError(field: "header.\(name)", message: "the required column is missing"))
        }
        if !errors.isEmpty {
            throw ServiceError.invalid(errors, summary: "the CSV header (line \(record.line)) is not usable: "
                + errors.map(\.description).joined(separator: "; "))
        }
        self.positions = positions
        self.count = record.fields.count
    }

    func has(_ name: String) -> Bool { positions[name] != nil }

    /// The trimmed cell, or nil when the column is absent or the cell is empty.
    func value(_ name: String, in record: CSVReader.Record) -> String? {
        CSVHeader.value(at: positions[name], in: record.fields)
    }

    /// The trimmed cell at `column` (a position from `positions`), or nil when the column is absent or the cell is empty.
    static func value(at column: Int?, in fields: [String]) -> String? {
        guard let i = column, i < fields.count else { return nil }
        let v = fields[i].trimmed
        return v.isEmpty ? nil : v
    }
}
