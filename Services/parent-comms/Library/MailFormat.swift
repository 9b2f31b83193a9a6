import Foundation
import SendModel

/// Internet Message Format (RFC 5322) for the email channel: UTF-8 text, quoted-printable body,
/// RFC 2047 subjects, CRLF line ends. The reference goes in `X-SEND-Reference` and the Message-ID;
/// the family's stop link in `List-Unsubscribe`, with `List-Unsubscribe-Post` for one-click (RFC 8058).
enum MailFormat {
    static func compose(_ m: OutgoingMessage, fromAddress: String, fromName: String, now: Timestamp) -> [UInt8] {
        let domain = fromAddress.split(separator: "@").last.map(String.init) ?? "localhost"
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        var text = ""
        text += "From: \(encodeHeader(fromName)) <\(fromAddress)>\r\n"
        text += "To: \(m.to)\r\n"
        text += "Subject: \(encodeHeader(m.subject))\r\n"
        text += "Date: \(date(now))\r\n"
        text += "Message-ID: <\(m.reference).\(random)@\(domain)>\r\n"
        text += "X-SEND-Reference: \(m.reference)\r\n"
        if let stop = m.unsubscribeURL {
            // RFC 8058 one-click: a mail client POSTs `List-Unsubscribe=One-Click` to the link.
            text += "List-Unsubscribe: <\(stop)>\r\n"
            text += "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
        }
        text += "MIME-Version: 1.0\r\n"
        text += "Content-Type: text/plain; charset=utf-8\r\n"
        text += "Content-Transfer-Encoding: quoted-printable\r\n"
        text += "\r\n"
        text += quotedPrintable(m.body)
        text += "\r\n"
        return Array(text.utf8)
    }

    /// The header text as is when it is printable ASCII, else one or more RFC 2047 encoded words.
    static func encodeHeader(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        // Encoded words of at most 36 bytes of UTF-8 each (lines under 78), never splitting a character.
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 36 {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// Quoted-printable (RFC 2045) with CRLF line ends and soft breaks before 76 characters.
    static func quotedPrintable(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var lines: [String] = []
        for line in text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            var out: [UInt8] = []
            var width = 0
            let bytes = Array(line.utf8)
            for (i, b) in bytes.enumerated() {
                let last = i == bytes.count - 1
                var piece: [UInt8]
                if (b >= 33 && b <= 126 && b != 0x3D) || ((b == 0x20 || b == 0x09) && !last) {
                    piece = [b]
                } else {
                    piece = [0x3D, hex[Int(b >> 4)], hex[Int(b & 0x0F)]]
                }
                if width + piece.count > 75 {
                    out += Array("=\r\n".utf8)
                    width = 0
                }
                out += piece
                width += piece.count
            }
            lines.append(String(decoding: out, as: UTF8.self))
        }
        return lines.joined(separator: "\r\n")
    }

    /// "Sun, 29 Nov 2026 15:02:07 +0000".
    static func date(_ t: Timestamp) -> String {
        let d = t.date
        let names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let text = t.description  // YYYY-MM-DDTHH:MM:SS.mmmZ
        let time = text.dropFirst(11).prefix(8)
        return "\(names[d.isoWeekday - 1]), \(d.day) \(months[d.month - 1]) \(d.year) \(time) +0000"
    }
}
