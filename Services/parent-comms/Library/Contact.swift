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
/// The checks work on UTF-8 bytes (`Contact+Bytes.swift`): an import runs them on every cell of hundreds of thousands of rows.
enum Contact {
    /// A plausible email address (`local@domain.tld`), trimmed; nil when it is not one.
    static func email(_ text: String) -> String? {
        var s = text.trimmed
        return s.withUTF8(isEmail) ? s : nil
    }

    /// A UK mobile number as `+447…` (12 digits after the plus); nil when it is not one.
    /// Accepts `07…`, `+44 7…`, `0044 7…` and `44 7…`, with spaces, dashes, dots or brackets.
    static func mobile(_ text: String) -> String? {
        var s = text.trimmed
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { out in
            s.withUTF8 { mobile($0, into: out) } ? String(decoding: out[0..<13], as: UTF8.self) : nil
        }
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
        var s = text.trimmed
        return s.withUTF8(isReference) ? s : nil
    }

    /// Whether `address` has at least two lines as `addressLines` reads them, without building them.
    static func hasTwoAddressLines(_ address: String) -> Bool {
        var address = address
        return address.withUTF8 { hasTwoAddressLines($0) }
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
