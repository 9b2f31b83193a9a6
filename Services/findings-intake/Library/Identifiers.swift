public import SendModel

/// The rules for the readable ids of inspections, findings and plans.
public enum Identifiers {
    public static let maxLength = 64

    /// Why `id` is not a usable id, or nil when it is: 1–64 of `A–Z a–z 0–9 - _ .`, starting with a letter or digit.
    public static func problem(with id: String) -> String? {
        guard !id.isEmpty, id.utf8.count <= maxLength else { return "must be 1 to \(maxLength) characters" }
        for (i, byte) in id.utf8.enumerated() {
            let alnum = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            if i == 0 && !alnum { return "'\(id)' must start with a letter or a digit" }
            if !alnum && byte != UInt8(ascii: "-") && byte != UInt8(ascii: "_") && byte != UInt8(ascii: ".") {
                return "'\(id)' may hold only letters, digits, '-', '_' and '.'"
            }
        }
        return nil
    }

    /// `Windsor and Maidenhead` → `windsor-and-maidenhead`: ASCII letters and digits, runs of anything else as one `-`.
    public static func slug(_ text: String) -> String {
        var out = ""
        var pendingDash = false
        for scalar in text.lowercased().unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                if pendingDash && !out.isEmpty { out += "-" }
                pendingDash = false
                out.unicodeScalars.append(scalar)
            } else {
                pendingDash = true
            }
        }
        return out.isEmpty ? "area" : out
    }

    /// `INS-<area-slug>-<year of the visit>`, cut so that finding and plan ids built on it stay within 64 characters.
    public static func inspectionID(localArea: String, visitStart: LocalDate) -> String {
        let year = String(visitStart.year)
        let room = maxLength - "INS-".count - year.count - 1 - "-APP1-F001".count
        var slug = String(slug(localArea).prefix(room))
        while slug.hasSuffix("-") { slug.removeLast() }
        return "INS-\(slug)-\(year)"
    }

    /// `<inspection-id>-F01`, `-F02`, … (three digits from 100).
    public static func findingID(inspectionID: String, number: Int) -> String {
        "\(inspectionID)-F\(number < 10 ? "0" : "")\(number)"
    }

    /// `<inspection-id>-APP1` (2016) or `-PAP1` (2023), numbered by revisit round.
    static func planID(inspectionID: String, kind: PlanKind, round: Int) -> String {
        "\(inspectionID)-\(kind.idTag)\(round)"
    }
}
