import ArgumentParser
import Foundation
import SendModel
import SendReports
import SendRuntime
import ZeroMQ

/// `sendctl report board-pack|public --out DIR [--pdf]`: the reports people read, as self-contained HTML with CSV
/// files beside it, and printed to PDF for the board's papers.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the board pack or the public progress page: HTML with inline charts, and CSV files with the same figures.",
        discussion: """
            Reads the findings and board services (both must be running) and, when it runs, comms. The page needs no \
            network: no external script, font or image. Files are replaced atomically. Each request waits at least 30 s \
            (large plans answer in large pages). With --pdf the page is also printed to PDF beside it by headless \
            Chromium (A4, page numbers, the headings as the PDF's outline). Exit codes as every command; 73 when the \
            files cannot be written; with --pdf, 69 when there is no Chromium and 70 when it fails to print.
            """,
        subcommands: [BoardPackReport.self, PublicReport.self]
    )

    struct BoardPackReport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "board-pack",
            abstract: "The board pack: actions per weakness with RAG, statutory dates, status over time, KPIs, questionnaires, red actions.")
        @OptionGroup var options: ReportOptions

        func run() async throws {
            try await options.produce(name: "board pack") { BoardPack.render($0) }
        }
    }

    struct PublicReport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public",
            abstract: "The public progress page for families: plain English, no personal data, no internal commentary.")
        @OptionGroup var options: ReportOptions

        func run() async throws {
            try await options.produce(name: "public progress page") { PublicPage.render($0) }
        }
    }
}

struct ReportOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Directory to write the page and its CSV files into (created when missing).", valueName: "dir"))
    var out: String

    @Option(name: .customLong("inspection"), help: ArgumentHelp("The inspection (default the latest the board knows).", valueName: "id"))
    var inspectionID: String?

    @Flag(help: "Also print the page to PDF beside it (board-pack.pdf, progress.pdf) with headless Chromium: A4, page numbers, the headings as the PDF's outline.")
    var pdf = false

    @Option(help: ArgumentHelp("The Chromium to print with (default SEND_CHROMIUM, else chromium or chromium-browser on PATH).", valueName: "path"))
    var chromium: String?

    @Flag(help: "Print the files written as JSON.") var json = false

    @OptionGroup var connection: ConnectionOptions

    func produce(name: String, render: @Sendable (ReportData) -> RenderedReport) async throws {
        // No Chromium: say so before asking the services for anything.
        let printer: ReportPDF? = try pdf ? ReportPDF(chromium: chromiumToUse(), timeout: max(connection.timeout, 120)) : nil
        let directories = connection.directories.directories
        // Large plans answer in big pages: give each request at least 30 s.
        let timeout = max(connection.timeout, 30)
        let inspectionID = inspectionID
        let fetched: Result<ReportData, any Error> = await runOnThread {
            let clients = ServiceClients(directories: directories, timeout: timeout, identity: connection.identity)
            defer { clients.close() }
            return Result { try ReportFetcher(call: clients.call).fetch(inspectionID: inspectionID) }
        }
        let data: ReportData
        switch fetched {
        case .success(let d): data = d
        case .failure(let error): throw Connection.exit(for: error)
        }
        let report = render(data)
        let paths: [String]
        do {
            paths = try report.write(to: out)
        } catch {
            printError("sendctl: cannot write the \(name) into \(out): \(error.localizedDescription)")
            throw ExitCode(73)
        }
        var printed: (path: String, pages: Int, seconds: Double)? = nil
        if let printer {
            let pdfPath = (paths[0] as NSString).deletingPathExtension + ".pdf"
            let started = Date()
            do {
                let pages = try printer.print(html: paths[0], to: pdfPath)
                printed = (pdfPath, pages, Date().timeIntervalSince(started))
            } catch {
                printError("sendctl: the \(name) was written to \(paths[0]) but not printed to PDF: \(error.message)")
                throw ExitCode(error.destination ? 73 : 70)
            }
        }
        if json {
            var object: [String: JSONValue] = [
                "html": .string(paths[0]), "csv": .array(paths.dropFirst().map { .string($0) }),
                "today": .string(data.today.iso), "comms_note": JSONValue(data.commsNote)]
            if let printed {
                object["pdf"] = .string(printed.path)
                object["pdf_pages"] = .int(Int64(printed.pages))
                object["pdf_seconds"] = .double((printed.seconds * 100).rounded() / 100)
            }
            Output.json(.object(object))
            return
        }
        print("\(name): \(paths[0])")
        print("  \(paths.count - 1) CSV files beside it; figures as of \(data.today.iso)")
        if let printed {
            print("  PDF: \(printed.path) (A4, \(printed.pages == 1 ? "1 page" : "\(printed.pages) pages"), printed in \(String(format: "%.1f", printed.seconds)) s)")
        }
        if let note = data.commsNote { print("  note: \(note)") }
    }
}

extension ReportOptions {
    func chromiumToUse() throws -> String {
        guard let path = ReportPDF.findChromium(chromium) else {
            printError("sendctl: --pdf prints with Chromium, and none was found: install it (apt-get install chromium) or give --chromium PATH (or SEND_CHROMIUM)")
            throw ExitCode(69)
        }
        guard FileManager.default.isExecutableFile(atPath: path) else {
            printError("sendctl: --pdf: \(path) is not a program that can be run (--chromium or SEND_CHROMIUM)")
            throw ExitCode(69)
        }
        return path
    }
}

/// One protocol client per service, made on first use, all on the thread that runs the fetch.
/// `@unchecked Sendable`: `ReportFetcher` calls it from that one thread only (ZeroMQ sockets are not thread-safe).
final class ServiceClients: @unchecked Sendable {
    let directories: RuntimeDirectories
    let timeout: Double
    /// The key to present (--key, --as, else the person's or the stack's).
    let identity: @Sendable () throws -> CurveKeyPair
    private var clients: [String: ServiceClient] = [:]

    init(directories: RuntimeDirectories, timeout: Double, identity: @escaping @Sendable () throws -> CurveKeyPair) {
        self.directories = directories
        self.timeout = timeout
        self.identity = identity
    }

    func call(_ service: String, _ command: String, _ args: JSONValue) throws -> JSONValue {
        if clients[service] == nil {
            clients[service] = try Connection.client(service, directories: directories, identity: identity)
        }
        return try clients[service]!.call(command, args, timeout: timeout, attempts: 2)
    }

    func close() {
        for c in clients.values { c.close() }
        clients = [:]
    }
}
