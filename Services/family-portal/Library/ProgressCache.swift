import Foundation
import Hummingbird
import NIOCore
import SendModel
import SendReports
import SendRuntime
import Synchronization

/// The public progress page, live: built from the services' replies with the same renderer as
/// `sendctl report public`, kept in memory, and rebuilt when the services' logs have moved on.
///
/// At most once every `progressCheckSeconds` a request starts a check in the background — the
/// `last_seq` of findings, board and comms, and today's date — and the page is rebuilt only when
/// one of them changed. Requests never wait for a check: they get the page as last built, at most
/// a check and a build behind the services. Only the very first request waits for the first build.
final class ProgressCache: Sendable {
    struct Built: Sendable {
        let html: ByteBuffer
        let csv: [String: ByteBuffer]
        let marks: [String]
    }

    private struct State {
        var built: Built?
        var checkedAt: Int64 = 0
        var working = false
        var waiters: [CheckedContinuation<Built?, Never>] = []
    }

    private let client: EdgeClient
    private let config: PortalConfig
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "portal-progress")

    init(client: EdgeClient, config: PortalConfig) {
        self.client = client
        self.config = config
    }

    /// The page as last built; the first call waits for a build (nil: the services could not be read).
    func current() async -> Built? {
        let now = PortalMiddleware.micros() / 1000
        enum Next { case serve(Built), serveAndCheck(Built), wait, waitAndStart }
        let next: Next = state.withLock { s in
            if let built = s.built {
                if s.working || now - s.checkedAt < Int64(config.progressCheckSeconds * 1000) { return .serve(built) }
                s.working = true
                return .serveAndCheck(built)
            }
            if s.working { return .wait }
            s.working = true
            return .waitAndStart
        }
        switch next {
        case .serve(let built): return built
        case .serveAndCheck(let built):
            queue.async { self.refresh() }
            return built
        case .wait, .waitAndStart:
            return await withCheckedContinuation { continuation in
                state.withLock { $0.waiters.append(continuation) }
                if case .waitAndStart = next { queue.async { self.refresh() } }
            }
        }
    }

    /// On the builder's queue: checks the marks and rebuilds when they moved; wakes every waiter.
    private func refresh() {
        let previous = state.withLock { $0.built }
        let marks = self.marks()
        var built = previous
        if previous == nil || previous?.marks != marks {
            built = build(marks: marks) ?? previous
        }
        let waiters = state.withLock { s -> [CheckedContinuation<Built?, Never>] in
            s.built = built
            s.working = false
            s.checkedAt = PortalMiddleware.micros() / 1000
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume(returning: built) }
    }

    /// What the page depends on: each source's last seq (or that it did not answer) and today.
    private func marks() -> [String] {
        var marks = [Timestamp.now().date.iso]
        for service in Portal.upstreams {
            let seq = (try? client.callBlocking(service, "health", [:], timeout: 1, attempts: 1))?["last_seq"]?.intValue
            marks.append("\(service)=\(seq.map(String.init) ?? "-")")
        }
        return marks
    }

    private func build(marks: [String]) -> Built? {
        let client = self.client
        var fetcher = ReportFetcher { service, command, args in
            try client.callBlocking(service, command, args, timeout: 5, attempts: 1)
        }
        fetcher.includesPlanChanges = false
        guard let data = try? fetcher.fetch() else { return nil }
        let contact = PublicPage.Contact(enquiryURL: "/enquiries/new", phone: config.contactPhone, email: config.contactEmail,
                                         address: config.contactAddress)
        let report = PublicPage.render(data, contact: contact)
        // The page's CSV links are relative to a file; here they live under /progress/.
        let html = report.html.contents.replacingOccurrences(of: "href=\"\(PublicPage.csvPrefix)", with: "href=\"/progress/\(PublicPage.csvPrefix)")
        var csv: [String: ByteBuffer] = [:]
        for file in report.csv { csv[file.name] = ByteBuffer(string: file.contents) }
        return Built(html: ByteBuffer(string: html), csv: csv, marks: marks)
    }
}

/// `/progress`: the public progress page and its CSV files.
extension Portal {
    /// The page's own Content-Security-Policy (it carries its style inline, as a file that opens from a disk must).
    static let progressPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

    func addProgressRoutes(_ router: Router<PortalContext>) {
        router.page("/progress") { [self] _, _ in
            guard let built = await progress.current() else {
                return unavailablePage(title: "Sorry, our progress page is not available just now", saved: true)
            }
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache",
                                                   .contentSecurityPolicy: Self.progressPolicy], body: .init(byteBuffer: built.html))
        }
        router.page("/progress/{file}") { [self] _, context in
            let name = context.parameters.get("file") ?? ""
            guard let built = await progress.current() else {
                return unavailablePage(title: "Sorry, our progress page is not available just now", saved: true)
            }
            guard let csv = built.csv[name] else { throw HTTPError(.notFound) }
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .cacheControl: "no-cache",
                                                   .contentDisposition: "attachment; filename=\"\(name)\""], body: .init(byteBuffer: csv))
        }
    }
}
