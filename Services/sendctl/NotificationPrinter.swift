import Foundation
import Glibc
import SendModel

/// Prints notifications: one JSON object per line, or one readable line each
/// (time, severity, audience, title, subject), coloured only on a terminal.
final class NotificationPrinter {
    let json: Bool
    let colour: Bool
    private var failed = false
    private var buffer: [UInt8] = []
    /// How many times buffered lines were written out (by `flush`, or by `print` once 64 KiB are buffered).
    private(set) var writes = 0

    init(json: Bool) {
        self.json = json
        self.colour = !json && isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    /// Adds the line to what `flush` writes; false once standard output is gone.
    @discardableResult
    func print(_ event: JSONValue) -> Bool {
        if failed { return false }
        if json { buffer.append(contentsOf: event.jsonBytes) } else { buffer.append(contentsOf: human(event).utf8) }
        buffer.append(0x0A)
        if buffer.count > 1 << 16 { return flush() }
        return true
    }

    /// Writes what is buffered to standard output; false once it is gone (for example `| head` closed it).
    @discardableResult
    func flush() -> Bool {
        if !buffer.isEmpty { writes += 1 }
        var offset = 0
        while offset < buffer.count && !failed {
            let n = buffer[offset...].withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                failed = true
            } else {
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
        return !failed
    }

    func human(_ event: JSONValue) -> String {
        let d = event["data"] ?? [:]
        let at = (event["at"]?.stringValue ?? "").replacingOccurrences(of: "T", with: " ").prefix(19)
        let severity = d["severity"]?.stringValue ?? "?"
        let audience = (d["audience"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")
        let subject = "\(d["subject"]?["kind"]?.stringValue ?? "") \(d["subject"]?["id"]?.stringValue ?? "")"
        let seq = event["seq"]?.intValue ?? 0
        let sev = severity.padding(toLength: 7, withPad: " ", startingAt: 0)
        let coloured: String
        if colour {
            let code = severity == "urgent" ? "31;1" : severity == "warning" ? "33" : "36"
            coloured = "\u{1B}[\(code)m\(sev)\u{1B}[0m"
        } else {
            coloured = sev
        }
        return "\(at)  #\(seq)  \(coloured)  \(audience.padding(toLength: 26, withPad: " ", startingAt: 0))  "
            + "\(d["title"]?.stringValue ?? "")  (\(subject.trimmingCharacters(in: .whitespaces)))"
    }
}

/// Filter options shared by `subscribe` and `notifications list`.
import ArgumentParser

struct FilterOptions: ParsableArguments {
    @Option(name: .customLong("topic"), help: ArgumentHelp("Only notification types starting with this (repeatable), e.g. action. or service.failed", valueName: "prefix"))
    var topics: [String] = []

    @Option(help: ArgumentHelp("Only this audience: operators, board or parent_carer_forum.", valueName: "audience"))
    var audience: String?

    @Option(help: ArgumentHelp("Only this severity and above: info, warning or urgent.", valueName: "severity"))
    var severity: String?

    func validate() throws {
        if let audience, Audience(rawValue: audience) == nil {
            throw ValidationError("--audience must be one of \(Audience.allCases.map(\.rawValue).joined(separator: ", ")); got '\(audience)'")
        }
        if let severity, Severity(rawValue: severity) == nil {
            throw ValidationError("--severity must be one of info, warning, urgent; got '\(severity)'")
        }
    }

    var filter: NotificationFilter {
        NotificationFilter(topics: topics, audience: audience.flatMap(Audience.init(rawValue:)),
                           severity: severity.flatMap(Severity.init(rawValue:)))
    }

    var args: JSONValue {
        var o: [String: JSONValue] = [:]
        if !topics.isEmpty { o["topics"] = .array(topics.map { .string($0) }) }
        if let audience { o["audience"] = .string(audience) }
        if let severity { o["severity"] = .string(severity) }
        return .object(o)
    }
}
