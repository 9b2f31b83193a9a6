import SendModel

// `Channel` (email, sms, letter, in the order of fallback) is SendModel's: the contract.
extension Channel {
    /// Accepts the spellings people write in a spreadsheet.
    init?(loose text: String) {
        if let exact = Channel(rawValue: text) {
            self = exact
            return
        }
        switch text.lowercased() {
        case "email", "e-mail", "mail": self = .email
        case "sms", "text", "text message", "mobile", "phone": self = .sms
        case "letter", "post", "postal", "paper": self = .letter
        default: return nil
        }
    }

    /// The families column that holds this channel's contact detail, and the one that flags it as failed.
    var contactColumn: String {
        switch self {
        case .email: "email"
        case .sms: "mobile"
        case .letter: "address"
        }
    }

    var flagColumn: String { "\(contactColumn)_flagged_at" }

    /// The channel to use: the preferred one when it is usable, else the first usable in fallback order,
    /// leaving out those already given up on.
    static func choose(preferred: Channel?, usable: Set<Channel>, excluding tried: Set<Channel> = []) -> Channel? {
        let candidates = usable.subtracting(tried)
        if let preferred, candidates.contains(preferred) { return preferred }
        return Channel.allCases.first { candidates.contains($0) }
    }

    /// The same choice in SQL over a `families` row aliased `f`: NULL when no channel is usable.
    static let chooseSQL = """
        CASE
          WHEN f.preferred_channel = 'email' AND f.email IS NOT NULL AND f.email_flagged_at IS NULL THEN 'email'
          WHEN f.preferred_channel = 'sms' AND f.mobile IS NOT NULL AND f.mobile_flagged_at IS NULL THEN 'sms'
          WHEN f.preferred_channel = 'letter' AND f.address IS NOT NULL AND f.address_flagged_at IS NULL THEN 'letter'
          WHEN f.email IS NOT NULL AND f.email_flagged_at IS NULL THEN 'email'
          WHEN f.mobile IS NOT NULL AND f.mobile_flagged_at IS NULL THEN 'sms'
          WHEN f.address IS NOT NULL AND f.address_flagged_at IS NULL THEN 'letter'
        END
        """

    /// A family may be contacted: consent given and not opted out (SQL over `f`).
    static let eligibleSQL = "f.consent = 1 AND f.opted_out_at IS NULL"
}

/// Checks and normalises contact details. Messages never repeat the value: they may be logged.
///
/// The checks work on UTF-8 bytes: an import runs them on every cell of hundreds of thousands of rows.
enum Contact {
    /// A plausible email address (`local@domain.tld`), trimmed; nil when it is not one.
    static func email(_ text: String) -> String? {
        let s = text.trimmed
        let bytes = Array(s.utf8)
        guard bytes.count <= 254, let at = bytes.firstIndex(of: 0x40), bytes.lastIndex(of: 0x40) == at else { return nil }
        let local = bytes[..<at], domain = bytes[(at + 1)...]
        guard !local.isEmpty, local.count <= 64, domain.contains(0x2E), domain.first != 0x2E, domain.last != 0x2E else { return nil }
        var previous: UInt8 = 0
        for b in bytes {
            if b <= 0x20 || b == 0x7F { return nil }
            switch b {
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"),
                 UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "\\"), UInt8(ascii: "\""):
                return nil
            default: break
            }
        }
        for b in domain {
            let letterOrDigit = (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b >= 0x80
            guard letterOrDigit || b == 0x2D || b == 0x2E else { return nil }
            if b == 0x2E && previous == 0x2E { return nil }
            previous = b
        }
        return s
    }

    /// A UK mobile number as `+447…` (12 digits after the plus); nil when it is not one.
    /// Accepts `07…`, `+44 7…`, `0044 7…` and `44 7…`, with spaces, dashes, dots or brackets.
    static func mobile(_ text: String) -> String? {
        var digits: [UInt8] = []
        var plus = false
        for (i, b) in text.trimmed.utf8.enumerated() {
            if b >= 0x30 && b <= 0x39 { digits.append(b) }
            else if b == UInt8(ascii: "+") && i == 0 { plus = true }
            else if b == 0x20 || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "(") || b == UInt8(ascii: ")") { continue }
            else { return nil }
        }
        func starts(_ prefix: String) -> Bool { digits.starts(with: prefix.utf8) }
        var national: ArraySlice<UInt8>
        if plus {
            guard starts("44") else { return nil }
            national = digits.dropFirst(2)
        } else if starts("0044") {
            national = digits.dropFirst(4)
        } else if starts("44") && digits.count == 12 {
            national = digits.dropFirst(2)
        } else if starts("0") {
            national = digits.dropFirst(1)
        } else {
            return nil
        }
        if national.first == UInt8(ascii: "0") { national = national.dropFirst() }  // +44 (0)7…
        guard national.count == 10, national.first == UInt8(ascii: "7") else { return nil }
        return "+44" + String(decoding: national, as: UTF8.self)
    }

    /// A yes/no cell: yes, y, true, 1 / no, n, false, 0 (any case); nil otherwise.
    static func yesNo(_ text: String) -> Bool? {
        switch text {
        case "yes": return true
        case "no": return false
        default: break
        }
        switch text.trimmed.lowercased() {
        case "yes", "y", "true", "1": return true
        case "no", "n", "false", "0": return false
        default: return nil
        }
    }

    /// A reference (family, child): letters, digits and `-_/.`, 1 to 64 characters.
    static func reference(_ text: String) -> String? {
        let s = text.trimmed
        guard !s.isEmpty, s.utf8.count <= 64 else { return nil }
        for b in s.utf8 {
            let ok = (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: "/") || b == UInt8(ascii: ".")
            if !ok { return nil }
        }
        return s
    }

    /// Whether `address` has at least two lines as `addressLines` reads them, without building them.
    static func hasTwoAddressLines(_ address: String) -> Bool {
        let bytes = address.utf8
        let separator: UInt8 = bytes.contains(0x0A) ? 0x0A : UInt8(ascii: ",")
        var lines = 0
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: separator) ?? bytes.endIndex
            let segment = bytes[start..<end]
            // Printable ASCII is never white space; anything else is judged as `addressLines` judges it.
            if segment.contains(where: { $0 > 0x20 && $0 < 0x7F }) || !String(decoding: segment, as: UTF8.self).trimmed.isEmpty {
                lines += 1
                if lines == 2 { return true }
            }
            start = end < bytes.endIndex ? bytes.index(after: end) : end
        }
        return false
    }

    /// The lines of a postal address written on one line with commas, or on several lines.
    static func addressLines(_ address: String) -> [String] {
        let separator: UInt8 = address.utf8.contains(0x0A) ? 0x0A : UInt8(ascii: ",")
        return address.utf8.split(separator: separator).map { String(decoding: $0, as: UTF8.self).trimmed }.filter { !$0.isEmpty }
    }
}

extension String {
    /// Without leading and trailing white space; the common case (none) costs two byte checks.
    var trimmed: String {
        guard let first = utf8.first, let last = utf8.last else { return self }
        if first > 0x20 && first < 0x80 && last > 0x20 && last < 0x80 { return self }
        return trimmingSpaces
    }
}
