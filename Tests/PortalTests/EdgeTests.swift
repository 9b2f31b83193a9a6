import Foundation
import SendModel
import Testing
import TestSupport

/// The portal as the internet meets it: behind real nginx with TLS, and under an HTTP fuzzer.
@Suite("The portal at the edge")
struct EdgeTests {
    @Test("real nginx in front (deploy/nginx/send-portal.conf): HTTPS pages with the portal's headers, one-click opt-out through it, a forged X-Forwarded-For does not dodge the limit, no token in nginx's log")
    func behindNginx() throws {
        let stack = try PortalStack(environment: ["SEND_PORTAL_KEY_MISSES": "3"])
        defer { stack.finish() }
        try stack.importFamilies(["F1,C1,yes,yes,Jordan Proxyfield,jordan.proxy@example.org,,,email"])
        try stack.questionnaire(anonymous: true)
        let mail = try stack.email(to: "jordan.proxy@example.org", count: 1)
        let stopPath = try stack.path(in: mail.headers["list-unsubscribe"] ?? "", "/stop/[0-9a-f]{32}")

        let nginxDir = "\(stack.dir.path)/nginx"
        try FileManager.default.createDirectory(atPath: nginxDir, withIntermediateDirectories: true)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path
        let harness = Process()
        harness.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        harness.arguments = ["python3", "\(root)/Portal/nginx_harness.py", "--portal", "127.0.0.1:\(stack.port)", "--dir", nginxDir]
        let outPath = "\(stack.dir.path)/nginx-harness.out"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        harness.standardOutput = out
        harness.standardError = out
        try harness.run()
        defer {
            harness.terminate()
            if !waitUntil(timeout: 15, interval: 0.05, { !harness.isRunning }) { kill(harness.processIdentifier, SIGKILL) }
            _ = waitUntil(timeout: 5, interval: 0.05) { !harness.isRunning }
        }
        var started: JSONValue = .null
        #expect(waitUntil(timeout: 20, interval: 0.05) {
            let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
            guard let line = text.split(separator: "\n").first(where: { $0.contains("https_port") }) else { return false }
            started = (try? JSONValue.parse(Data(line.utf8))) ?? .null
            return true
        }, "nginx did not start: \((try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "")")
        let https = try #require(started["https_port"]?.intValue)
        let http = try #require(started["http_port"]?.intValue)

        func request(_ method: String, _ url: String, body: String? = nil, headers: [String] = []) throws -> JSONValue {
            var args = [method, url]
            if let body { args += ["--body", body] }
            for h in headers { args += ["--header", h] }
            let r = try python("Portal/https_request.py", args, timeout: 30)
            return try JSONValue.parse(Data(r.output.utf8))
        }
        let page = try request("GET", "https://127.0.0.1:\(https)/progress")
        #expect(page["status"]?.intValue == 200)
        #expect(page["body"]?.stringValue?.contains("our progress") == true)
        #expect(page["headers"]?["content-security-policy"]?.stringValue?.contains("default-src 'none'") == true)
        #expect(page["headers"]?["strict-transport-security"] != nil)
        #expect(page["headers"]?["referrer-policy"]?.stringValue == "no-referrer")
        let plain = try request("GET", "http://127.0.0.1:\(http)/progress")
        #expect(plain["status"]?.intValue == 301 || plain["status"]?.intValue == 308)
        #expect(plain["headers"]?["location"]?.stringValue?.hasPrefix("https://") == true)

        let click = try request("POST", "https://127.0.0.1:\(https)\(stopPath)", body: "List-Unsubscribe=One-Click",
                                headers: ["Content-Type: application/x-www-form-urlencoded"])
        #expect(click["status"]?.intValue == 200)
        #expect(try stack.comms("families.show", ["family_ref": "F1"])["family"]?["opted_out"]?.boolValue == true)

        // The proxy appends the real peer to X-Forwarded-For; the portal takes the last entry, so a forged one changes nothing.
        var statuses: [Int64] = []
        for i in 0..<5 {
            let r = try request("GET", "https://127.0.0.1:\(https)/respond/\(String(format: "%032x", 77 + i))",
                                headers: ["X-Forwarded-For: 203.0.113.\(i)"])
            statuses.append(r["status"]?.intValue ?? 0)
        }
        #expect(statuses == [404, 404, 404, 429, 429])

        let token = String(stopPath.dropFirst("/stop/".count))
        let accessLog = (started["access_log"]?.stringValue).flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
        #expect(accessLog.contains("POST"), "nginx logged the requests")
        #expect(!accessLog.contains(token), "nginx's access log holds a stop token")
        #expect(!stack.portalLog.contains(token))
    }

    @Test("HTTP fuzzing (Tests/Protocol/http_fuzz.py) of every route and the real form handlers: no 500, right statuses and headers, nothing recorded, same process")
    func fuzz() throws {
        let stack = try PortalStack(environment: ["SEND_PORTAL_KEY_MISSES": "0", "SEND_PORTAL_POSTS_PER_MINUTE": "0"])
        defer { stack.finish() }
        try stack.importFamilies(["F1,C1,yes,yes,Kit Fuzzwell,kit.fuzz@example.org,,,email"])
        let q = try stack.questionnaire(anonymous: false)
        let mail = try stack.email(to: "kit.fuzz@example.org", count: 1)
        let respondKey = String(try stack.path(in: mail.body, "/respond/[0-9a-f]{32}").dropFirst("/respond/".count))
        let stopKey = String(try stack.path(in: mail.headers["list-unsubscribe"] ?? "", "/stop/[0-9a-f]{32}").dropFirst("/stop/".count))
        let portal = stack.pid("portal")
        let before = try stack.comms("families.show", ["family_ref": "F1"])
        let seconds = ProcessInfo.processInfo.environment["SEND_PORTAL_FUZZ_SECONDS"] ?? "8"
        let run = try python("Protocol/http_fuzz.py", ["--base", stack.base, "--seconds", seconds, "--seed", "12", "--flood", "0",
                                                       "--no-429-before-flood", "--respond-key", respondKey, "--stop-key", stopKey], timeout: 300)
        #expect(run.status == 0, "\(run.output.suffix(3000))")
        let summary = try JSONValue.parse(Data((run.output.split(separator: "\n").last ?? "").utf8))
        #expect((summary["requests"]?.intValue ?? 0) > 1000)
        #expect(summary["by_status"]?["500"] == nil)
        #expect(stack.pid("portal") == portal, "the same portal process answered throughout")
        #expect(try stack.results(q)["answered"]?.intValue == 0)
        let after = try stack.comms("families.show", ["family_ref": "F1"])
        #expect(after["family"]?["opted_out"] == before["family"]?["opted_out"])
        #expect(try stack.comms("enquiries.list")["enquiries"]?.arrayValue?.isEmpty == true)
    }
}
