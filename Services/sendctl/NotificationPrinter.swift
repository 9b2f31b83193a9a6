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

    /// Adds a notification's line as its source stored it, for `--json`: its bytes are what `print`
    /// of its JSON would write, so they are copied as they are. False once standard output is gone.
    @discardableResult
    func print(stored bytes: ArraySlice<UInt8>) -> Bool {
        if failed { return false }
        buffer.append(contentsOf: bytes)
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

    /// The audience column's width: every audience at once fits, so the column is never cut.
    static let audienceWidth = Audience.allCases.map(\.rawValue).joined(separator: ",").count

    func human(_ json: JSONValue) -> String {
        let at = (json["at"]?.stringValue ?? "").replacingOccurrences(of: "T", with: " ").prefix(19)
        let seq = json["seq"]?.intValue ?? 0
        let n: NotificationPayload
        do {
            n = try Event(json: json).decode(as: NotificationPayload.self)
        } catch {
            // Said as it is, never printed with invented values.
            return "\(at)  #\(seq)  a notification sendctl cannot read: \(error)"
        }
        let severity = n.severity.rawValue
        let audience = n.audience.map(\.rawValue).joined(separator: ",")
        let subject = "\(n.subject.kind) \(n.subject.id)".trimmingCharacters(in: .whitespaces)
        let sev = severity.padding(toLength: 7, withPad: " ", startingAt: 0)
        let coloured: String
        if colour {
            let code = n.severity == .urgent ? "31;1" : n.severity == .warning ? "33" : "36"
            coloured = "\u{1B}[\(code)m\(sev)\u{1B}[0m"
        } else {
            coloured = sev
        }
        let column = audience + String(repeating: " ", count: max(0, Self.audienceWidth - audience.count))
        return "\(at)  #\(seq)  \(coloured)  \(column)  \(n.title)  (\(subject))"
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
