/// An `application/x-www-form-urlencoded` body, decoded strictly: a bad percent-escape or bytes that
/// are not UTF-8 make the whole body unreadable (a 400 page), never a guess.
struct FormBody: Sendable {
    private(set) var fields: [String: [String]] = [:]

    struct Unreadable: Error {
        let reason: String
    }

    init(_ bytes: [UInt8]) throws(Unreadable) {
        guard !bytes.isEmpty else { return }
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0])
            let value = parts.count > 1 ? try Self.decode(parts[1]) : ""
            fields[name, default: []].append(value)
        }
    }

    init(fields: [String: [String]]) { self.fields = fields }

    /// The first value of a field, trimmed of surrounding spaces; nil when absent.
    subscript(_ name: String) -> String? { fields[name]?.first }

    static func decode(_ bytes: ArraySlice<UInt8>) throws(Unreadable) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if b == UInt8(ascii: "%") {
                guard i + 2 < bytes.endIndex,
                      let hi = hex(bytes[i + 1]), let lo = hex(bytes[i + 2]) else {
                    throw Unreadable(reason: "a bad percent-escape")
                }
                out.append(hi << 4 | lo)
                i += 2
            } else {
                out.append(b)
            }
            i += 1
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw Unreadable(reason: "text that is not UTF-8") }
        return s
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
