import Foundation
import SendRuntime

#if canImport(Glibc)
import Glibc
#endif

/// Prints a report's HTML file to PDF with headless Chromium: the same page, laid out by its own
/// print CSS (A4, the title on every page, "Page N of M"), its SVG charts as vectors, and its
/// headings as the PDF's outline (`--generate-pdf-document-outline`).
struct ReportPDF {
    /// The browser: `--chromium`, else `SEND_CHROMIUM`, else `chromium` or `chromium-browser` on PATH.
    let chromium: String
    /// Chromium is stopped (its whole process group) when it has not finished by then.
    let timeout: Double

    struct Failure: Error {
        let message: String
        /// The PDF could not be written where asked (exit 73), rather than Chromium failing (70).
        let destination: Bool
    }

    /// What `--pdf` found to print with, or nil when there is no Chromium.
    static func findChromium(_ given: String?) -> String? {
        if let given, !given.isEmpty { return given }
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["SEND_CHROMIUM"], !path.isEmpty { return path }
        for dir in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            for name in ["chromium", "chromium-browser"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        return nil
    }

    /// Prints `html` to `pdf`, replacing it atomically; returns the number of pages.
    func print(html: String, to pdf: String) throws(Failure) -> Int {
        let directory = (pdf as NSString).deletingLastPathComponent
        let name = (pdf as NSString).lastPathComponent
        let partial = (directory as NSString).appendingPathComponent(".\(name).\(getpid()).partial")
        guard let profile = Self.temporaryDirectory() else {
            throw Failure(message: "cannot make a temporary directory for Chromium's profile: \(String(cString: strerror(errno)))", destination: false)
        }
        defer {
            try? FileManager.default.removeItem(atPath: profile)
            try? FileManager.default.removeItem(atPath: partial)
        }
        var arguments = [
            "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-sync", "--mute-audio", "--user-data-dir=\(profile)",
            // The page's @page rules give the title and page numbers; not Chromium's date-and-URL header.
            "--no-pdf-header-footer", "--generate-pdf-document-outline", "--run-all-compositor-stages-before-draw",
            "--print-to-pdf=\(partial)",
        ]
        // Chromium refuses to run as root with its sandbox; the page it opens is ours and loads nothing.
        if geteuid() == 0 { arguments.append("--no-sandbox") }
        arguments.append(URL(fileURLWithPath: html).absoluteString)

        let logPath = (profile as NSString).appendingPathComponent("chromium.log")
        let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { if log >= 0 { close(log) }; if null >= 0 { close(null) } }
        guard log >= 0, null >= 0 else {
            throw Failure(message: "cannot open Chromium's log: \(String(cString: strerror(errno)))", destination: false)
        }
        var environment = ProcessInfo.processInfo.environment
        if environment["HOME"] == nil { environment["HOME"] = profile }
        let pid: Int32
        do {
            pid = try Spawn.start(executable: chromium, arguments: arguments, environment: environment,
                                  stdin: null, stdout: null, stderr: log, ownProcessGroup: true)
        } catch {
            throw Failure(message: "\(error)", destination: false)
        }
        let status = Self.wait(pid, timeout: timeout)
        guard let status else {
            throw Failure(message: "Chromium did not finish printing within \(Int(timeout)) s (stopped)", destination: false)
        }
        let bytes = (try? Data(contentsOf: URL(fileURLWithPath: partial))) ?? Data()
        guard status == 0, bytes.starts(with: Array("%PDF-".utf8)) else {
            let said = Self.lastLines(logPath)
            throw Failure(message: "Chromium (\(chromium)) did not print the page (exit \(status))" + (said.isEmpty ? "" : ": \(said)"),
                          destination: false)
        }
        guard rename(partial, pdf) == 0 else {
            throw Failure(message: "cannot write \(pdf): \(String(cString: strerror(errno)))", destination: true)
        }
        return Self.pageCount(bytes)
    }

    /// The child's exit code, or nil when it ran past `timeout` seconds. Either way its process group
    /// (Chromium's helpers share it) is killed before the child is reaped, so that none outlives the
    /// print and the group's id cannot yet belong to anyone else.
    private static func wait(_ pid: Int32, timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            var info = siginfo_t()
            // WNOWAIT: see that it ended, and leave it a zombie (holding its pid) until the group is gone.
            let r = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
            if r < 0 && errno != EINTR { return -1 }
            if r == 0 && info.si_signo == SIGCHLD {
                kill(-pid, SIGKILL)
                return Spawn.wait(pid)
            }
            if Date() >= deadline {
                kill(-pid, SIGKILL)
                _ = Spawn.wait(pid)
                return nil
            }
            usleep(20_000)
        }
    }

    /// Page objects in the PDF Chromium (Skia) writes: each page is a `/Type /Page` dictionary.
    static func pageCount(_ pdf: Data) -> Int {
        let needle = Array("/Type /Page".utf8)
        var count = 0
        var i = pdf.startIndex
        let end = pdf.endIndex - needle.count
        while i <= end {
            if pdf[i] == needle[0], pdf[i..<(i + needle.count)].elementsEqual(needle) {
                // Not "/Type /Pages" (the page tree).
                if i + needle.count >= pdf.endIndex || pdf[i + needle.count] != UInt8(ascii: "s") { count += 1 }
                i += needle.count
            } else {
                i += 1
            }
        }
        return count
    }

    private static func temporaryDirectory() -> String? {
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("sendctl-chromium-XXXXXX").utf8CString)
        return template.withUnsafeMutableBufferPointer { buffer in
            mkdtemp(buffer.baseAddress!).map { String(cString: $0) }
        }
    }

    /// Chromium's last words, without its complaints about a missing D-Bus (every headless run on a server has them).
    private static func lastLines(_ path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").filter { !$0.contains("dbus") && !$0.contains("unexpected operator") }
        return lines.suffix(3).joined(separator: " | ")
    }
}
