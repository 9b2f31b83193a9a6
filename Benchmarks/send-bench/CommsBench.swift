import Foundation
import SendModel
import SendRuntime
import ZeroMQ

/// The comms figures of issue 7, on the real `parent-comms` process (beside send-bench in the
/// build directory) and the real `sendctl`: importing England's 638,745 families with an EHC plan
/// (January 2025), queueing a questionnaire to all of them, and the email delivery rate to a
/// local SMTP server (Tests/Protocol/smtp_sink.py, aiosmtpd) with the rate limit lifted.
enum CommsBench {
    struct Figures {
        var importSeconds: Double
        var queueSeconds: Double
        var queued: Int64
        var deliveryPerSecond: Double?
        var deliveryNote: String
    }

    static func run(families: Int, deliverySeconds: Double) throws -> Figures {
        let work = try BenchDirectory()
        defer { work.remove() }
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        for name in ["parent-comms", "sendctl"] where !FileManager.default.isExecutableFile(atPath: "\(bin)/\(name)") {
            throw StartupError("\(bin)/\(name) is missing: build the package first (swift build -c release)")
        }

        // The families: one row per child, each family's first child with an EHC plan.
        let csvPath = "\(work.path)/families.csv"
        try writeFamilies(families, to: csvPath)

        // A real SMTP server on loopback, when Python has aiosmtpd.
        let mailDirectory = "\(work.path)/mail"
        let sink = try? Sink(directory: mailDirectory)
        defer { sink?.stop() }

        var environment = ProcessInfo.processInfo.environment
        environment["SEND_RATE_LIMIT_PER_MINUTE"] = "0"
        environment["SEND_RUN_DIR"] = work.directories.run
        environment["SEND_DATA_DIR"] = work.directories.data
        if let sink { environment["SEND_SMTP_URL"] = "smtp://127.0.0.1:\(sink.port)" }
        // The stack's key, made before the service starts: it serves with it, and this process and sendctl present it.
        _ = try KeyFile.readOrCreate(work.directories.stackKeyPath)
        let comms = Process()
        comms.executableURL = URL(fileURLWithPath: "\(bin)/parent-comms")
        comms.environment = environment
        comms.standardError = FileHandle.nullDevice
        try comms.run()
        defer {
            comms.terminate()
            comms.waitUntilExit()
        }
        let context = try ZeroMQ.Context()
        let client = try ServiceClient(context: context, service: ServiceName.comms, directories: work.directories)
        defer { client.close() }
        do { try client.waitForHealth(timeout: 30) } catch { throw StartupError("parent-comms did not become ready: \(error)") }

        // Import through sendctl, as an operator would: the file goes in chunks of 100,000 rows (about 11 MB each).
        let sendctl = Process()
        sendctl.executableURL = URL(fileURLWithPath: "\(bin)/sendctl")
        sendctl.arguments = ["families", "import", csvPath, "--json", "--timeout", "300"]
        sendctl.environment = environment
        let output = Pipe()
        sendctl.standardOutput = output
        let importStart = nowMicros()
        try sendctl.run()
        let imported = output.fileHandleForReading.readDataToEndOfFile()
        sendctl.waitUntilExit()
        let importSeconds = (nowMicros() - importStart) / 1e6
        let result = try JSONValue.parse(Array(imported))
        guard sendctl.terminationStatus == 0, result["imported"]?.intValue == Int64(families) else {
            throw StartupError("the import did not take every row: \(String(decoding: imported, as: UTF8.self).prefix(500))")
        }

        // Queue a questionnaire to all of them: one command, one INSERT … SELECT.
        let today = LocalDate.today()
        _ = try client.call("questionnaires.create", [
            "title": "Benchmark questionnaire", "audience": "ehc_plan", "opens": .string(today.iso), "closes": .string(today.adding(days: 30).iso),
            "questions": [["kind": "scale", "text": "How well were you listened to?"]],
        ], timeout: 30, attempts: 1)
        let queueStart = nowMicros()
        let sent = try client.call("questionnaires.send", ["questionnaire_id": 1], timeout: 300, attempts: 1)
        let queueSeconds = (nowMicros() - queueStart) / 1e6
        let queued = sent["queued"]?.intValue ?? 0

        // Delivery: emails the SMTP server stored per second, after a second of warm-up.
        var rate: Double?
        var note = "no SMTP server (python3 with aiosmtpd is needed; deploy/test installs it)"
        if sink != nil {
            Thread.sleep(forTimeInterval: 1)
            let n0 = countFiles(mailDirectory), t0 = nowMicros()
            Thread.sleep(forTimeInterval: deliverySeconds)
            let n1 = countFiles(mailDirectory), t1 = nowMicros()
            rate = Double(n1 - n0) / ((t1 - t0) / 1e6)
            note = "aiosmtpd on 127.0.0.1, one connection, rate limit lifted, \(Int(deliverySeconds)) s"
        }
        return Figures(importSeconds: importSeconds, queueSeconds: queueSeconds, queued: queued, deliveryPerSecond: rate, deliveryNote: note)
    }

    static func writeFamilies(_ count: Int, to path: String) throws {
        var out: [UInt8] = []
        out.reserveCapacity(count * 110)
        out += Array("family_ref,child_ref,ehc_plan,name,email,mobile,address,preferred_channel,consent,updates\n".utf8)
        for i in 1...count {
            out += Array("F\(i),C\(i),yes,Parent \(i),family\(i)@example.org,07700 900\(String(format: "%03d", i % 1000)),\"\(i) Example Street, Exampleton, XX1 1ZZ\",email,yes,no\n".utf8)
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(out)) else { throw StartupError("cannot write \(path)") }
    }

    static func countFiles(_ path: String) -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".eml") }.count
    }

    /// Tests/Protocol/smtp_sink.py as a child process.
    final class Sink {
        let process = Process()
        let input = Pipe()
        let port: Int

        init(directory: String) throws {
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Tests/Protocol/smtp_sink.py").path
            let output = Pipe()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script, directory]
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            var text = ""
            while !text.contains("\n") {
                let data = output.fileHandleForReading.availableData
                if data.isEmpty { break }
                text += String(decoding: data, as: UTF8.self)
            }
            guard text.hasPrefix("PORT "), let n = Int(text.dropFirst(5).prefix(while: { $0.isNumber })) else {
                process.terminate()
                throw StartupError("the SMTP sink did not start")
            }
            port = n
        }

        func stop() {
            try? input.fileHandleForWriting.close()
            process.terminate()
            process.waitUntilExit()
        }
    }
}
