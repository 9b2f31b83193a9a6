import Foundation
import SendModel
import SendRuntime
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A whole stack under a real `send-supervisor` — the four services and family-portal — for one
/// test, in its own directories and on its own port, with a few families and a questionnaire.
final class PortalStack {
    let dir: TestDirectory
    let supervisor: ServiceProcess
    let client: TestClient
    let port: Int
    var base: String { "http://127.0.0.1:\(port)" }

    init(environment: [String: String] = [:], _ label: String = #function) throws {
        dir = TestDirectory("portal-\(label)")
        port = try freeLoopbackPort()
        var env = ["SEND_PORTAL_ADDRESS": "127.0.0.1:\(port)", "SEND_PUBLIC_URL": "http://127.0.0.1:\(port)",
                   "SEND_CONTACT_PHONE": "01632 960 123"]
        for (k, v) in environment { env[k] = v }
        supervisor = try ServiceProcess("send-supervisor", dir.flags, directory: dir, environment: env)
        client = try TestClient(dir)
        let ready = waitUntil(timeout: 60, interval: 0.05) {
            (try? client.call(ServiceName.supervisor, "status", timeout: 1)["ready"]?.boolValue) == true
        }
        if !ready { throw Failure("the stack did not become ready:\n\(supervisor.output)\n\(dir.logTails())") }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    func finish() {
        client.close()
        supervisor.stop()
        dir.remove()
    }

    func comms(_ command: String, _ args: JSONValue = [:], id: String = RequestID.make()) throws -> JSONValue {
        try client.call(ServiceName.comms, command, args, id: id, timeout: 10)
    }

    /// Families from CSV lines after the header `family_ref,child_ref,ehc_plan,consent,name,email,mobile,address,preferred_channel`.
    func importFamilies(_ rows: [String]) throws {
        let csv = "family_ref,child_ref,ehc_plan,consent,name,email,mobile,address,preferred_channel\n" + rows.joined(separator: "\n") + "\n"
        _ = try comms("families.import", ["csv": .string(csv)])
    }

    /// Creates a questionnaire (a required scale question, a free-text one) and sends it; its id.
    @discardableResult
    func questionnaire(title: String = "Your say on SEND", anonymous: Bool, closesInDays: Int = 20) throws -> Int64 {
        let closes = Timestamp.now().date.adding(days: closesInDays).iso
        let created = try comms("questionnaires.create", [
            "title": .string(title), "anonymous": .bool(anonymous), "audience": "all", "closes": .string(closes),
            "questions": [["kind": "scale", "text": "How well were you listened to?", "required": true],
                          ["kind": "free_text", "text": "What should change first?"]],
        ])
        let id = created["questionnaire_id"]?.intValue ?? 0
        _ = try comms("questionnaires.send", ["questionnaire_id": .int(id)])
        return id
    }

    func results(_ questionnaire: Int64) throws -> JSONValue {
        try comms("questionnaires.results", ["questionnaire_id": .int(questionnaire)])
    }

    /// The spooled messages of one channel (`email`, `sms`, `letters`), waiting until `count` are there.
    func spool(_ channel: String, count: Int, timeout: Double = 20) -> [String: String] {
        let path = "\(dir.data)/spool/\(channel)"
        var files: [String: String] = [:]
        _ = waitUntil(timeout: timeout, interval: 0.05) {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { !$0.hasPrefix(".") }
            files = [:]
            for n in names { files[n] = try? String(contentsOfFile: "\(path)/\(n)", encoding: .utf8) }
            return files.count >= count
        }
        return files
    }

    /// A spooled email's decoded body and headers, by recipient address.
    func email(to address: String, count: Int) throws -> SMTPSink.Mail {
        for (_, text) in spool("email", count: count) {
            let mail = SMTPSink.parse(text)
            if (mail.headers["to"] ?? mail.to).contains(address) { return mail }
        }
        throw Failure("no spooled email to \(address)")
    }

    /// A spooled letter or text message's body, by recipient address or number.
    func spooled(_ channel: String, to: String, count: Int) throws -> String {
        for (_, text) in spool(channel, count: count) {
            let json = try JSONValue.parse(Data(text.utf8))
            if json["to"]?.stringValue == to || json["address"]?.stringValue?.contains(to) == true { return json["body"]?.stringValue ?? "" }
        }
        throw Failure("no spooled \(channel) to \(to)")
    }

    func sendctl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let run = try ChildRun.run(Binaries.path("sendctl"), arguments + dir.flags, timeout: 30, mergeOutput: true)
        return (run.status, run.output)
    }

    var portalLog: String { (try? String(contentsOfFile: "\(dir.data)/logs/portal.log", encoding: .utf8)) ?? "" }

    func pid(_ service: String) -> Int32? {
        let services = (try? client.call(ServiceName.supervisor, "status", timeout: 2)["services"]?.arrayValue) ?? []
        return services.first { $0["service"]?.stringValue == service }?["pid"]?.intValue.map { Int32($0) }
    }

    // MARK: HTTP as a browser does it: a cookie jar of one cookie, and the form's hidden fields.

    var cookie: String?

    func get(_ path: String) throws -> HTTPResponse {
        let r = try HTTP.request("GET", port: port, path: path, headers: cookie.map { ["Cookie": "csrf=\($0)"] } ?? [:])
        if let c = r.cookie("csrf") { cookie = c }
        return r
    }

    func post(_ path: String, _ pairs: [(String, String)], headers: [String: String] = [:]) throws -> HTTPResponse {
        var h = ["Content-Type": "application/x-www-form-urlencoded"]
        if let cookie { h["Cookie"] = "csrf=\(cookie)" }
        for (k, v) in headers { h[k] = v }
        return try HTTP.request("POST", port: port, path: path, headers: h, body: HTTP.form(pairs))
    }

    /// The path of a link to this portal found in `text`.
    func path(in text: String, _ pattern: String) throws -> String {
        guard let r = text.range(of: base + pattern, options: .regularExpression) else { throw Failure("no \(pattern) link in:\n\(text)") }
        return String(text[r].dropFirst(base.count))
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on now.
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Runs a script in Tests/Browser or Tests/Protocol (python3); its status and output, with a deadline.
func python(_ script: String, _ arguments: [String], timeout: Double = 120) throws -> (status: Int32, output: String) {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path
    let run = try ChildRun.run("/usr/bin/env", ["python3", "\(root)/\(script)"] + arguments, timeout: timeout, mergeOutput: true)
    return (run.status, run.output)
}
