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
    private var index: Int
    private var line: Int

    /// `firstLine` is the line number of the first byte of `bytes` in the original file.
    init(_ bytes: [UInt8], firstLine: Int = 1) {
        self.bytes = bytes
        self.line = firstLine
        self.index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    /// The line number the next record will get (for example after a header, when the rows come from later in a file).
    mutating func setLine(_ n: Int) { line = n }

    /// The next record, a malformed one (the reader has moved past it), or nil at the end.
    mutating func next() -> Result<Record, Malformed>? {
        // Skip empty lines.
        while index < bytes.count && (bytes[index] == 0x0A || bytes[index] == 0x0D) {
            if bytes[index] == 0x0A { line += 1 }
            index += 1
        }
        guard index < bytes.count else { return nil }
        let startLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        var problem: String?
        fieldLoop: while true {
            field.removeAll(keepingCapacity: true)
            if index < bytes.count && bytes[index] == 0x22 {
                // Quoted field.
                index += 1
                var closed = false
                while index < bytes.count {
                    let b = bytes[index]
                    if b == 0x22 {
                        if index + 1 < bytes.count && bytes[index + 1] == 0x22 {
                            field.append(0x22)
                            index += 2
                            continue
                        }
                        index += 1
                        closed = true
                        break
                    }
                    if b == 0x0A { line += 1 }
                    field.append(b)
                    index += 1
                }
                if !closed {
                    problem = problem ?? "a quoted field opened on line \(startLine) is never closed"
                    fields.append(String(decoding: field, as: UTF8.self))
                    break fieldLoop
                }
                // After the closing quote: a separator, the end of the line, or the end of the text.
                if index < bytes.count && bytes[index] != 0x2C && bytes[index] != 0x0A && bytes[index] != 0x0D {
                    problem = problem ?? "field \(fields.count + 1) has text after its closing quote"
                    while index < bytes.count && bytes[index] != 0x2C && bytes[index] != 0x0A && bytes[index] != 0x0D { index += 1 }
                }
            } else {
                let start = index
                while index < bytes.count {
                    let b = bytes[index]
                    if b == 0x2C || b == 0x0A || b == 0x0D { break }
                    if b == 0x22 { problem = problem ?? "field \(fields.count + 1) has a quote but does not start with one" }
                    index += 1
                }
                field.append(contentsOf: bytes[start..<index])
            }
            fields.append(String(decoding: field, as: UTF8.self))
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
        if let problem { return .failure(Malformed(line: startLine, message: problem)) }
        return .success(Record(line: startLine, fields: fields))
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
        guard let i = positions[name], i < record.fields.count else { return nil }
        let v = record.fields[i].trimmed
        return v.isEmpty ? nil : v
    }
}
