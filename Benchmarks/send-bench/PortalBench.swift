import Foundation
import GRDB
import SendModel
import SendRuntime
import ZeroMQ

/// The families' door under load, with Debian's wrk as the client, beside nginx serving the same
/// bytes as a static file, in one run:
/// - `/progress` pages per second and p99 (portal) against nginx (target ≥ 0.5 of nginx);
/// - durable questionnaire answers per second end to end, browser form to comms' commit, and p99
///   (targets ≥ 1,000 /s, p99 ≤ 50 ms): one POST per family, each family once.
///
/// The whole stack runs under the real supervisor built beside send-bench, with the portal's
/// per-client limits off (every request comes from 127.0.0.1).
enum PortalBench {
    struct Result {
        var portalPages: Double
        var portalP99: Double
        var nginxPages: Double
        var nginxP99: Double
        var answers: Double
        var answersP99: Double
        var answered: Int
    }

    static func run(families: Int, seconds: Double, into figures: inout [String: JSONValue]) throws {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        guard let wrk = which("wrk") else { throw StartupError("wrk is not installed (apt-get install wrk; deploy/bench installs it)") }
        let work = try BenchDirectory()
        defer { work.remove() }
        let port = try freePort()
        let base = "http://127.0.0.1:\(port)"
        let env = ["SEND_PORTAL_ADDRESS": "127.0.0.1:\(port)", "SEND_PUBLIC_URL": base, "SEND_PORTAL_POSTS_PER_MINUTE": "0",
                   "SEND_PORTAL_KEY_MISSES": "0", "SEND_RATE_LIMIT_PER_MINUTE": "3000", "SEND_LOG_LEVEL": "warning"]
        let supervisor = try StackBench.startSupervisor(binDirectory: bin, directories: work.directories, environment: env)
        defer { StackBench.stop(supervisor) }
        let context = try ZeroMQ.Context()
        try StackBench.waitAllReady(context: context, directories: work.directories)
        guard waitFor(30, { StackBench.health(ServiceName.portal, context: context, directories: work.directories) != nil }) else {
            throw StartupError("the portal did not become ready")
        }

        // The demo's inspection and plan, so the progress page has its real content; then the families.
        let comms = try ServiceClient(context: context, service: ServiceName.comms, directories: work.directories)
        defer { comms.close() }
        let findings = try ServiceClient(context: context, service: ServiceName.findings, directories: work.directories)
        defer { findings.close() }
        let board = try ServiceClient(context: context, service: ServiceName.board, directories: work.directories)
        defer { board.close() }
        let report = try JSONValue.parse(try Data(contentsOf: URL(fileURLWithPath: "\(root)/deploy/demo/lancashire-2017-report.json")))
        _ = try findings.call("findings.import", report, timeout: 30)
        _ = waitFor(30) { ((try? board.call("health", timeout: 1))?["follows"]?["findings"]?["lag"]?.intValue) == 0 }
        let plan = try JSONValue.parse(try Data(contentsOf: URL(fileURLWithPath: "\(root)/deploy/demo/board-plan.json")))
        _ = try board.call("plan.import", plan, timeout: 60)
        var csv = "family_ref,child_ref,ehc_plan,consent,email,preferred_channel\n"
        for i in 1...families { csv += "B\(i),C\(i),yes,yes,family\(i)@example.org,email\n" }
        _ = try comms.call("families.import", ["csv": .string(csv)], timeout: 120)
        let created = try comms.call("questionnaires.create", [
            "title": "Your say", "anonymous": true, "closes": .string(Timestamp.now().date.adding(days: 20).iso),
            "questions": [["kind": "scale", "text": "How well were you listened to?", "required": true],
                          ["kind": "yes_no", "text": "Do you know who to contact?"]],
        ], timeout: 30)
        let qid = created["questionnaire_id"]?.intValue ?? 1
        _ = try comms.call("questionnaires.send", ["questionnaire_id": .int(qid)], timeout: 120)
        // The keys are in comms' database: the benchmark reads them there (a family would have them from its message).
        let db = try DatabaseQueue(path: "\(work.directories.data)/comms.sqlite", configuration: { var c = Configuration(); c.readonly = true; return c }())
        let keys = try db.read { try String.fetchAll($0, sql: "SELECT token FROM recipients WHERE questionnaire_id = ? ORDER BY family_id", arguments: [qid]) }

        // /progress: the portal, then nginx serving the very bytes the portal served.
        let page = try fetch("\(base)/progress")
        let pagePath = "\(work.path)/progress.html"
        try page.write(to: URL(fileURLWithPath: pagePath))
        let duration = "\(max(3, Int(seconds)))s"
        let portalRun = try runWrk(wrk, ["-t1", "-c16", "-d\(duration)", "--latency", "\(base)/progress"])
        let nginx = try StaticNginx(root: root, file: pagePath)
        defer { nginx.stop() }
        let nginxRun = try runWrk(wrk, ["-t1", "-c16", "-d\(duration)", "--latency", nginx.url])

        // Answers: each family's form first (its csrf cookie and submission id), as a browser gets it; then one POST each.
        var posts: [[UInt8]] = []
        posts.reserveCapacity(keys.count)
        var csrfCookie = ""
        for key in keys {
            let form = try HTTPFetch.get(port: port, path: "/respond/\(key)", cookie: csrfCookie.isEmpty ? nil : csrfCookie)
            if csrfCookie.isEmpty { csrfCookie = form.cookie ?? "" }
            let body = "csrf=\(csrfCookie)&submission=\(form.submission ?? "")&q1=4&q2=yes"
            posts.append(Array(("POST /respond/\(key) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nCookie: csrf=\(csrfCookie)\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body).utf8))
        }
        let load = try FormLoad.run(port: port, connections: 16, requests: posts)
        let answered = try comms.call("questionnaires.results", ["questionnaire_id": .int(qid)], timeout: 30)["answered"]?.intValue ?? 0
        let ok = load.statuses[200] ?? 0
        guard ok == keys.count, answered == Int64(keys.count) else {
            throw StartupError("answers: \(ok) of \(keys.count) POSTs were 200 (\(load.statuses)) and comms recorded \(answered)")
        }
        let r = Result(portalPages: portalRun.rate, portalP99: portalRun.p99, nginxPages: nginxRun.rate, nginxP99: nginxRun.p99,
                       answers: Double(ok) / load.seconds, answersP99: Percentiles(load.latenciesMs).p99, answered: Int(answered))
        let ratio = r.portalPages / r.nginxPages
        print(String(format: "portal: /progress (%d bytes) %.0f pages/s, p99 %.2f ms; nginx, the same bytes as a static file: %.0f /s, p99 %.2f ms; ratio %.2f (target ≥ 0.5)",
                     page.count, r.portalPages, r.portalP99, r.nginxPages, r.nginxP99, ratio))
        print(String(format: "portal: durable questionnaire answers end to end (POST → comms commit → page; 16 connections, one answer each in flight), %d families once each: %.0f /s, p99 %.2f ms (targets ≥ 1,000 /s, p99 ≤ 50 ms)",
                     r.answered, r.answers, r.answersP99))
        figures["portal_progress_per_s"] = .double(r.portalPages.rounded())
        figures["portal_progress_p99_ms"] = .double((r.portalP99 * 100).rounded() / 100)
        figures["nginx_progress_per_s"] = .double(r.nginxPages.rounded())
        figures["nginx_progress_p99_ms"] = .double((r.nginxP99 * 100).rounded() / 100)
        figures["portal_progress_ratio"] = .double((ratio * 100).rounded() / 100)
        figures["portal_answers_per_s"] = .double(r.answers.rounded())
        figures["portal_answers_p99_ms"] = .double((r.answersP99 * 100).rounded() / 100)
    }

    // MARK: wrk

    struct WrkRun {
        let output: String
        let rate: Double
        let p99: Double
        /// wrk's own elapsed time ("N requests in 10.00s").
        func seconds(requests: Int) -> Double {
            guard let r = output.range(of: #"requests in ([0-9.]+)(ms|s|m)"#, options: .regularExpression) else { return 1 }
            let text = String(output[r])
            let number = Double(text.split(separator: " ")[2].filter { $0.isNumber || $0 == "." }) ?? 1
            if text.hasSuffix("ms") { return number / 1000 }
            if text.hasSuffix("m") { return number * 60 }
            return number
        }
    }

    static func runWrk(_ wrk: String, _ arguments: [String]) throws -> WrkRun {
        let out = try runProcess(wrk, arguments)
        let rate = out.split(separator: "\n").first { $0.hasPrefix("Requests/sec:") }
            .flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
        var p99 = 0.0
        if let line = out.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("99%") }) {
            let v = line.split(separator: " ").last.map(String.init) ?? ""
            let n = Double(v.filter { $0.isNumber || $0 == "." }) ?? 0
            p99 = v.hasSuffix("us") ? n / 1000 : v.hasSuffix("ms") ? n : v.hasSuffix("s") ? n * 1000 : n
        }
        return WrkRun(output: out, rate: rate, p99: p99)
    }

    /// nginx serving one file (Benchmarks/portal/static-nginx.py), until `stop`.
    final class StaticNginx {
        let process = Process()
        let url: String
        init(root: String, file: String) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-u", "\(root)/Benchmarks/portal/static-nginx.py", "--file", file, "--path", "/progress"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            let line = String(decoding: pipe.fileHandleForReading.availableDataLine(), as: UTF8.self)
            let json = try JSONValue.parse(Data(line.utf8))
            guard let u = json["url"]?.stringValue else { throw StartupError("static nginx did not start: \(line)") }
            url = u
        }
        func stop() {
            guard process.isRunning else { return }
            process.terminate()
            process.waitUntilExit()
        }
    }

    // MARK: small helpers

    static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") { return "\(dir)/\(name)" }
        return nil
    }

    static func runProcess(_ path: String, _ arguments: [String]) throws -> String { try runProgram(path, arguments).output }

    static func fetch(_ url: String) throws -> Data {
        Data(try runProcess("/usr/bin/env", ["python3", "-c", "import sys,urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1]).read())", url]).utf8)
    }

    static func waitFor(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = nowMicros() + seconds * 1e6
        while nowMicros() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

extension FileHandle {
    /// Bytes up to the first newline (blocking).
    func availableDataLine() -> [UInt8] {
        var out: [UInt8] = []
        while true {
            let d = readData(ofLength: 1)
            if d.isEmpty || d.first == 10 { return out }
            out.append(d.first!)
        }
    }
}

/// One GET over its own connection: the page's csrf cookie and the form's submission id.
enum HTTPFetch {
    static func get(port: Int, path: String, cookie: String?) throws -> (cookie: String?, submission: String?) {
        let fd = try FormLoad.connect(port)
        defer { close(fd) }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + (cookie.map { "Cookie: csrf=\($0)\r\n" } ?? "") + "\r\n"
        _ = Array(request.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            data += buffer[0..<n]
        }
        let text = String(decoding: data, as: UTF8.self)
        func after(_ marker: String) -> String? {
            guard let r = text.range(of: marker) else { return nil }
            return String(text[r.upperBound...].prefix { $0.isHexDigit })
        }
        return (after("Set-Cookie: csrf="), after("name=\"submission\" value=\""))
    }
}
