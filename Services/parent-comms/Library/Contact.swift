/// The three ways a family can be reached, in the order of fallback: email, else text message, else letter.
public enum Channel: String, CaseIterable, Sendable {
    case email, sms, letter

    /// Accepts the spellings people write in a spreadsheet.
    init?(loose text: String) {
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
enum Contact {
    /// A plausible email address (`local@domain.tld`), trimmed; nil when it is not one.
    static func email(_ text: String) -> String? {
        let s = text.trimmingSpaces
        guard s.utf8.count <= 254, let at = s.firstIndex(of: "@"), s.lastIndex(of: "@") == at else { return nil }
        let local = s[..<at], domain = s[s.index(after: at)...]
        guard !local.isEmpty, local.utf8.count <= 64, domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."),
              !domain.contains("..") else { return nil }
        for scalar in s.unicodeScalars {
            if scalar.value <= 0x20 || scalar.value == 0x7F { return nil }
            if "<>()[],;:\\\"".unicodeScalars.contains(scalar) { return nil }
        }
        for scalar in domain.unicodeScalars where !(scalar.properties.isAlphabetic || scalar.properties.numericType != nil
                                                     || scalar == "-" || scalar == ".") {
            return nil
        }
        return s
    }

    /// A UK mobile number as `+447…` (12 digits after the plus); nil when it is not one.
    /// Accepts `07…`, `+44 7…`, `0044 7…` and `44 7…`, with spaces, dashes, dots or brackets.
    static func mobile(_ text: String) -> String? {
        var digits = ""
        var plus = false
        for (i, c) in text.trimmingSpaces.enumerated() {
            if c.isASCII, c.isNumber { digits.append(c) }
            else if c == "+" && i == 0 { plus = true }
            else if c == " " || c == "-" || c == "." || c == "(" || c == ")" { continue }
            else { return nil }
        }
        var national: Substring
        if plus {
            guard digits.hasPrefix("44") else { return nil }
            national = digits.dropFirst(2)
        } else if digits.hasPrefix("0044") {
            national = digits.dropFirst(4)
        } else if digits.hasPrefix("44") && digits.count == 12 {
            national = digits.dropFirst(2)
        } else if digits.hasPrefix("0") {
            national = digits.dropFirst(1)
        } else {
            return nil
        }
        if national.hasPrefix("0") { national = national.dropFirst() }  // +44 (0)7…
        guard national.count == 10, national.hasPrefix("7") else { return nil }
        return "+44" + national
    }

    /// A yes/no cell: yes, y, true, 1 / no, n, false, 0 (any case); nil otherwise.
    static func yesNo(_ text: String) -> Bool? {
        switch text.trimmingSpaces.lowercased() {
        case "yes", "y", "true", "1": true
        case "no", "n", "false", "0": false
        default: nil
        }
    }

    /// A reference (family, child): letters, digits and `-_/.`, 1 to 64 characters.
    static func reference(_ text: String) -> String? {
        let s = text.trimmingSpaces
        guard !s.isEmpty, s.count <= 64 else { return nil }
        for scalar in s.unicodeScalars where !(scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                                                                   || "-_/.".unicodeScalars.contains(scalar))) {
            return nil
        }
        return s
    }

    /// The lines of a postal address written on one line with commas, or on several lines.
    static func addressLines(_ address: String) -> [String] {
        let separators: Set<Character> = address.contains("\n") ? ["\n"] : [","]
        return address.split(whereSeparator: { separators.contains($0) || $0 == "\r\n" })
            .map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
    }
}
