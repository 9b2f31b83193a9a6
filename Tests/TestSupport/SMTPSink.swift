import Foundation

/// A real SMTP server on loopback (Tests/Protocol/smtp_sink.py, aiosmtpd) that stores each message it
/// accepts as a file; recipients containing "reject" get 550. It stops when the test closes its input.
public final class SMTPSink: @unchecked Sendable {
    // `@unchecked Sendable`: used by one test body at a time.
    let process = Process()
    public let directory: String
    public let port: Int
    private let input = Pipe()

    public init(directory: String) throws {
        self.directory = directory
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "\(Python.protocolDirectory)/smtp_sink.py", directory]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        // The first line is "PORT <n>"; a sink that dies (aiosmtpd missing) closes the pipe.
        var text = ""
        let handle = output.fileHandleForReading
        while !text.contains("\n") {
            let data = handle.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard text.hasPrefix("PORT "), let n = Int(text.dropFirst(5).prefix(while: { $0.isNumber })) else {
            process.terminate()
            throw SinkError("the SMTP sink did not start (is aiosmtpd installed? deploy/test installs it): \(text)")
        }
        port = n
    }

    public var url: String { "smtp://127.0.0.1:\(port)" }

    public struct SinkError: Error, CustomStringConvertible {
        public let description: String
        init(_ d: String) { description = d }
    }

    /// One message as received: envelope recipient, headers, decoded body.
    public struct Mail: Sendable {
        public var to: String
        public var headers: [String: String]
        public var body: String
        public var subject: String { headers["subject"] ?? "" }
        public var reference: String { headers["x-send-reference"] ?? "" }
    }

    /// The messages it accepted, as received (headers and raw body), oldest first.
    public var texts: [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
        return names.compactMap { try? String(contentsOfFile: "\(directory)/\($0)", encoding: .utf8) }
    }

    /// The messages it accepted, parsed.
    public var messages: [Mail] { texts.map(SMTPSink.parse) }

    public static func parse(_ text: String) -> Mail {
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n")
        let parts = normalised.components(separatedBy: "\n\n")
        var headers: [String: String] = [:]
        for line in parts[0].split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = parts.dropFirst().joined(separator: "\n\n")
        return Mail(to: headers["x-envelope-to"] ?? "", headers: headers, body: decodeQuotedPrintable(body))
    }

    public func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        if !waitUntil(timeout: 10, { !process.isRunning }) { kill(process.processIdentifier, SIGKILL) }
        _ = waitUntil(timeout: 5) { !process.isRunning }
    }

    deinit { if process.isRunning { process.terminate() } }
}

/// Decodes quoted-printable text (soft breaks and =XX escapes).
public func decodeQuotedPrintable(_ text: String) -> String {
    let joined = text.replacingOccurrences(of: "=\n", with: "")
    var out: [UInt8] = []
    let bytes = Array(joined.utf8)
    var i = 0
    while i < bytes.count {
        if bytes[i] == UInt8(ascii: "="), i + 2 < bytes.count, let v = UInt8(String(decoding: bytes[i + 1...i + 2], as: UTF8.self), radix: 16) {
            out.append(v)
            i += 3
        } else {
            out.append(bytes[i])
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}

