public import Hummingbird
import HTTPTypes
public import Logging
import NIOCore
import SendModel
public import SendRuntime
import SendReports
import Foundation

/// The families' door: the web pages where a parent answers a questionnaire, stops messages, asks a
/// question and sees the partnership's progress.
///
/// An edge, not a service of the mesh: it keeps no database and writes no file. Every page is built
/// from the services' replies (comms, board, findings) through an `EdgeClient`; what a family types
/// goes to comms and nowhere else, and the log carries route templates, statuses and timings.
public final class Portal: Sendable {
    public let config: PortalConfig
    let client: EdgeClient
    let layout: Layout
    let logger: Logger
    let posts: RateLimiter
    let keyMisses: RateLimiter
    let progress: ProgressCache

    public init(config: PortalConfig, client: EdgeClient, logger: Logger) {
        self.config = config
        self.client = client
        self.logger = logger
        layout = Layout(config: config)
        posts = RateLimiter(limit: config.postsPerMinute, windowSeconds: 60)
        keyMisses = RateLimiter(limit: config.keyMisses, windowSeconds: config.keyMissWindowSeconds)
        progress = ProgressCache(client: client, config: config)
    }

    /// The services the portal calls.
    public static let upstreams = [ServiceName.findings, ServiceName.board, ServiceName.comms]

    /// The router with every route and the middleware; `buildApplication` serves it.
    public func buildRouter() -> Router<PortalContext> {
        let router = Router(context: PortalContext.self)
        router.add(middleware: PortalMiddleware(layout: layout, logger: logger))
        router.page("/") { [self] request, context in startPage(request) }
        router.page("/style.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(string: Layout.styleSheet)))
        }
        addRespondRoutes(router)
        addStopRoutes(router)
        addEnquiryRoutes(router)
        addProgressRoutes(router)
        return router
    }

    /// The application: the router on `SEND_PORTAL_ADDRESS`, logging one ready line with its address.
    public func buildApplication(onReady: @escaping @Sendable (Int) -> Void = { _ in }) -> some ApplicationProtocol {
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .notice)  // Hummingbird's own lines at info name paths; ours do not.
        let logger = self.logger
        let config = self.config
        return Application(
            router: buildRouter(),
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? config.port
                logger.info("portal ready pid=\(getpid()) http=\(config.host):\(port) public=\(config.publicURL)")
                onReady(port)
            },
            logger: quiet
        )
    }

    // MARK: - The start page

    func startPage(_ request: Request) -> Response {
        var b = "<p class=\"lede\">Here you can answer our questionnaire, ask us a question, and see what is being done to improve support for children and young people with special educational needs and disabilities (SEND).</p>\n"
        b += "<ul class=\"actions\">"
        b += "<li><a href=\"/respond\"><strong>Answer a questionnaire</strong></a><span class=\"meta\">Use the link in your email, or type the code from your letter or text message.</span></li>"
        b += "<li><a href=\"/enquiries/new\"><strong>Ask us a question</strong></a><span class=\"meta\">We answer within 5 working days.</span></li>"
        b += "<li><a href=\"/progress\"><strong>See our progress</strong></a><span class=\"meta\">What the inspectors found, what we are doing and by when.</span></li>"
        b += "</ul>\n"
        b += "<h2>Stop messages from us</h2>\n<p>Every email, letter and text message we send has a link or a code to stop messages. Follow the link, or <a href=\"/stop\">type the stop code from your letter or text message</a>.</p>\n"
        return Self.html(.ok, layout.page(title: "SEND Partnership: for families", body: b), cache: "no-cache")
    }

    // MARK: - Responses

    static func html(_ status: HTTPResponse.Status, _ page: String, cache: String? = nil, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        if let cache { headers[.cacheControl] = cache }
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    static func redirect(_ location: String, status: HTTPResponse.Status = .seeOther) -> Response {
        Response(status: status, headers: [.location: location, .contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: "See \(location)\n")))
    }

    /// A page saying a service cannot be reached: nothing was saved, try again (with Retry-After).
    func unavailablePage(title: String = "Sorry, this service is not available just now", saved: Bool = false) -> Response {
        let b = "<p>\(saved ? "" : "Nothing was saved. ")Please try again in a minute.</p>\n"
            + (config.contactPhone.map { "<p>If it keeps happening, phone us on \(HTMLText.escape($0)).</p>\n" } ?? "")
        return Self.html(.serviceUnavailable, layout.page(title: title, body: b), headers: [.retryAfter: "30"])
    }

    /// Too many form submissions, or too many unknown codes, from one client.
    func tooManyPage(seconds: Int, codes: Bool) -> Response {
        let minutes = max(1, (seconds + 59) / 60)
        let wait = minutes == 1 ? "1 minute" : "\(minutes) minutes"
        let b = codes
            ? "<p>You have tried too many codes or links that we could not find. To keep families' answers safe, please wait \(wait) and try again.</p>\n"
            : "<p>You have sent this form too many times in a short time. Nothing more was saved. Please wait \(wait) and try again.</p>\n"
        let phone = config.contactPhone.map { "<p>You can also phone us on \(HTMLText.escape($0)).</p>\n" } ?? ""
        return Self.html(.tooManyRequests, layout.page(title: "Please wait before trying again", body: b + phone),
                         headers: [.retryAfter: String(seconds)])
    }

    // MARK: - Clients, forms and CSRF

    /// Who is asking: the peer, or the address a trusted proxy put last in `X-Forwarded-For`.
    func clientID(_ request: Request, _ context: PortalContext) -> String {
        let peer = context.peer ?? "unknown"
        if config.trustedProxies.contains(peer), let forwarded = request.headers[HTTPField.Name("X-Forwarded-For")!],
           let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty {
            return last
        }
        return peer
    }

    static let csrfCookie = "csrf"

    /// The CSRF token of this browser (its cookie), or a new one with the header that sets it.
    func csrf(_ request: Request) -> (token: String, setCookie: HTTPFields) {
        if let existing = cookie(Self.csrfCookie, in: request), Secrets.isHex128(existing) { return (existing, [:]) }
        let token = Secrets.hex128()
        let value = "\(Self.csrfCookie)=\(token); Path=/; HttpOnly; SameSite=Strict\(config.secureCookies ? "; Secure" : "")"
        return (token, [.setCookie: value])
    }

    func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == name {
                    return pair[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    /// The form's hidden `csrf` field matches this browser's cookie.
    func csrfValid(_ request: Request, _ form: FormBody) -> Bool {
        guard let cookie = cookie(Self.csrfCookie, in: request), Secrets.isHex128(cookie), let field = form["csrf"] else { return false }
        return Secrets.equal(cookie, field)
    }

    func csrfRefused() -> Response {
        let b = "<p>This form has expired, or it was not sent from this website. Nothing was saved.</p>\n"
            + "<p>Go back, reload the page, and send the form again. If your browser blocks cookies, allow them for this website: we use one, only to keep forms safe.</p>\n"
        return Self.html(.forbidden, layout.page(title: "We could not accept this form", body: b))
    }

    /// Reads a urlencoded form body within the size limit; anything else is a 4xx page.
    func readForm(_ request: Request) async throws -> FormBody {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else { throw HTTPError(.unsupportedMediaType) }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > config.maxBodyBytes { throw HTTPError(.contentTooLarge) }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: config.maxBodyBytes)
        } catch {
            throw HTTPError(.contentTooLarge)
        }
        do {
            return try FormBody(Array(buffer.readableBytesView))
        } catch {
            throw HTTPError(.badRequest)
        }
    }

    /// Common checks of every POST: the client's rate and the CSRF token. A response means refused.
    func postRefusal(_ request: Request, _ context: PortalContext, _ form: FormBody, csrf: Bool = true) -> Response? {
        if let wait = posts.count(clientID(request, context)) { return tooManyPage(seconds: wait, codes: false) }
        if csrf && !csrfValid(request, form) { return csrfRefused() }
        return nil
    }

    /// A form's submission id (the portal draws 32 hex digits with the form; any 8–64 letters, digits,
    /// `-` or `_` are taken, for scripts that fill the form themselves), or nil.
    static func submission(_ form: FormBody) -> String? {
        form["submission"].flatMap { s in
            (8...64).contains(s.utf8.count) && s.utf8.allSatisfy { b in
                (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) || b == 45 || b == 95
            } ? s : nil
        }
    }

    /// The request id of a form's write: the form's submission id (so a retry of the same form is
    /// answered from comms' stored reply and recorded once) and a digest of what it carries (so the
    /// same form sent again with other values is a new request, not the stored answer to the first).
    static func requestID<A: Encodable>(_ kind: String, submission: String, _ args: A) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let bytes = (try? encoder.encode(args)).map { Array($0) } ?? []
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return "portal-\(kind)-\(submission)-\(String(hash, radix: 16))"
    }

    // MARK: - Calls to the services

    enum Outcome<R> {
        case ok(R)
        case refused(ServiceError)
        case unavailable
    }

    /// Calls a service with typed arguments and result; silence, `unavailable` and `internal` are `.unavailable`.
    func call<A: Encodable, R: Decodable>(_ command: String, _ args: A, as: R.Type, service: String = ServiceName.comms,
                                          id: String = RequestID.make()) async -> Outcome<R> {
        do {
            let result = try await client.call(service, command, try JSONValue(encoding: args), id: id,
                                               timeout: config.serviceTimeoutSeconds, attempts: 2)
            return .ok(try result.decode(R.self))
        } catch let error as ServiceError {
            switch error.code {
            case .unavailable, .internal:
                logger.warning("portal call failed", metadata: ["service": "\(service)", "command": "\(command)", "error.code": "\(error.code.rawValue)"])
                return .unavailable
            default: return .refused(error)
            }
        } catch {
            logger.error("portal call failed", metadata: ["service": "\(service)", "command": "\(command)", "error.type": "\(type(of: error))"])
            return .unavailable
        }
    }
}

/// Dates as families read them: "Monday 13 April 2026".
enum LongDate {
    static let weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

    static func from(_ iso: String?) -> String {
        guard let iso else { return "" }
        if let d = LocalDate(iso: String(iso.prefix(10))) { return "\(weekdays[d.isoWeekday - 1]) \(d.day) \(months[d.month - 1]) \(d.year)" }
        return iso
    }
}
