import SendModel

/// The checks of `Contact` and `Channel(loose:)` on a cell's bytes (already trimmed, not empty),
/// for the families import: no `String` per checked cell. Each gives what its `String` version
/// gives for the same text; a cell with bytes beyond ASCII goes through the `String` version
/// where case or character counts are involved.
extension Contact {
    /// Whether `bytes` is a plausible email address (`local@domain.tld`), as `email(_:)` judges it.
    static func isEmail(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count <= 254, let at = bytes.firstIndex(of: 0x40), bytes.lastIndex(of: 0x40) == at else { return false }
        let local = bytes[..<at], domain = bytes[(at + 1)...]
        guard !local.isEmpty, local.count <= 64, domain.contains(0x2E), domain.first != 0x2E, domain.last != 0x2E else { return false }
        for b in bytes {
            if b <= 0x20 || b == 0x7F { return false }
            switch b {
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"),
                 UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "\\"), UInt8(ascii: "\""):
                return false
            default: break
            }
        }
        var previous: UInt8 = 0
        for b in domain {
            let letterOrDigit = (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b >= 0x80
            guard letterOrDigit || b == 0x2D || b == 0x2E else { return false }
            if b == 0x2E && previous == 0x2E { return false }
            previous = b
        }
        return true
    }

    /// A UK mobile number in `bytes` written as `+447…` into `out[0..<13]` (its capacity at
    /// least 16); false when it is not one. The rules of `mobile(_:)`.
    static func mobile(_ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        precondition(out.count >= 16)
        // The digits go in `out` for now: more than 15 (0044, a bracketed 0, 10 digits) are never a number.
        var count = 0
        var plus = false
        for (i, b) in bytes.enumerated() {
            if b >= 0x30 && b <= 0x39 {
                guard count < 16 else { return false }
                out[count] = b
                count += 1
            } else if b == UInt8(ascii: "+") && i == 0 { plus = true }
            else if b == 0x20 || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "(") || b == UInt8(ascii: ")") { continue }
            else { return false }
        }
        func starts(_ prefix: StaticString) -> Bool {
            guard count >= prefix.utf8CodeUnitCount else { return false }
            for i in 0..<prefix.utf8CodeUnitCount where out[i] != prefix.utf8Start[i] { return false }
            return true
        }
        var national: Int
        if plus {
            guard starts("44") else { return false }
            national = 2
        } else if starts("0044") {
            national = 4
        } else if starts("44") && count == 12 {
            national = 2
        } else if starts("0") {
            national = 1
        } else {
            return false
        }
        if national < count && out[national] == UInt8(ascii: "0") { national += 1 }  // +44 (0)7…
        guard count - national == 10, out[national] == UInt8(ascii: "7") else { return false }
        // The ten national digits move to out[3..<13], behind "+44".
        if national < 3 {
            for i in stride(from: 9, through: 0, by: -1) { out[3 + i] = out[national + i] }
        } else {
            for i in 0..<10 { out[3 + i] = out[national + i] }
        }
        out[0] = UInt8(ascii: "+")
        out[1] = UInt8(ascii: "4")
        out[2] = UInt8(ascii: "4")
        return true
    }

    /// Whether `bytes` is a reference (family, child): letters, digits and `-_/.`, 1 to 64 of them.
    static func isReference(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 64 else { return false }
        for b in bytes {
            let ok = (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: "/") || b == UInt8(ascii: ".")
            if !ok { return false }
        }
        return true
    }

    /// A yes/no cell, as `yesNo(_:)` reads it.
    static func yesNo(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard isASCII(bytes) else { return yesNo(String(decoding: bytes, as: UTF8.self)) }
        if isWord(bytes, "yes") || isWord(bytes, "y") || isWord(bytes, "true") || isWord(bytes, "1") { return true }
        if isWord(bytes, "no") || isWord(bytes, "n") || isWord(bytes, "false") || isWord(bytes, "0") { return false }
        return nil
    }

    /// Whether `bytes` (a trimmed cell) has at most `limit` characters, as `String.count` counts them.
    static func atMost(_ limit: Int, characters bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count <= limit || String(decoding: bytes, as: UTF8.self).count <= limit
    }

    /// Whether the address in `bytes` has at least two lines, as `hasTwoAddressLines(_:)` judges it.
    static func hasTwoAddressLines(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let separator: UInt8 = bytes.contains(0x0A) ? 0x0A : UInt8(ascii: ",")
        var lines = 0
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: separator) ?? bytes.endIndex
            let segment = bytes[start..<end]
            // Printable ASCII is never white space; anything else is judged as `addressLines` judges it.
            if segment.contains(where: { $0 > 0x20 && $0 < 0x7F })
                || !String(decoding: UnsafeBufferPointer(rebasing: segment), as: UTF8.self).trimmed.isEmpty {
                lines += 1
                if lines == 2 { return true }
            }
            start = end < bytes.endIndex ? bytes.index(after: end) : end
        }
        return false
    }

    /// The `support` cell normalised as the import normalises it (lower case, runs of spaces as one
    /// `_`) when that is `ehc_plan`, `sen_support` or `none`; nil for anything else.
    static func support(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let candidates = ["ehc_plan", "sen_support", "none"]
        guard isASCII(bytes), bytes.count <= 32 else {
            let support = String(decoding: bytes, as: UTF8.self).lowercased().split(separator: " ").joined(separator: "_")
            return candidates.contains(support) ? support : nil
        }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { out in
            var n = 0, space = false
            for b in bytes {
                if b == 0x20 {
                    space = n > 0
                    continue
                }
                if space {
                    out[n] = UInt8(ascii: "_")
                    n += 1
                    space = false
                }
                out[n] = lowercase(b)
                n += 1
            }
            let normalised = UnsafeBufferPointer(rebasing: out[0..<n])
            return candidates.first { normalised.elementsEqual($0.utf8) }
        }
    }

    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var high: UInt8 = 0
        for b in bytes { high |= b }
        return high < 0x80
    }

    static func lowercase(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

    /// Whether ASCII `bytes` in lower case are `word`.
    static func isWord(_ bytes: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        for i in 0..<bytes.count where lowercase(bytes[i]) != word.utf8Start[i] { return false }
        return true
    }
}

extension Channel {
    /// `Channel(loose:)` on a cell's bytes.
    init?(loose bytes: UnsafeBufferPointer<UInt8>) {
        guard Contact.isASCII(bytes) else {
            self.init(loose: String(decoding: bytes, as: UTF8.self))
            return
        }
        if Channel.emailWords.contains(where: { Contact.isWord(bytes, $0) }) { self = .email }
        else if Channel.smsWords.contains(where: { Contact.isWord(bytes, $0) }) { self = .sms }
        else if Channel.letterWords.contains(where: { Contact.isWord(bytes, $0) }) { self = .letter }
        else { return nil }
    }

    // The spellings of `init(loose:)`.
    private static let emailWords: [StaticString] = ["email", "e-mail", "mail"]
    private static let smsWords: [StaticString] = ["sms", "text", "text message", "mobile", "phone"]
    private static let letterWords: [StaticString] = ["letter", "post", "postal", "paper"]
}
