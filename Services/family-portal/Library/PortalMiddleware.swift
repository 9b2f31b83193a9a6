import Hummingbird
import HTTPTypes
import Logging
import SendModel
import SendRuntime

#if canImport(Glibc)
import Glibc
#endif

/// What every response carries, and what every request leaves in the log.
///
/// Security headers: a strict Content-Security-Policy (nothing but the portal's own style sheet;
/// no script, no frame, forms only to the portal), no Referer (links carry tokens), no sniffing,
/// no framing, and `no-store` unless a route says otherwise. Errors anywhere (an unknown route, a
/// method a route does not take, a body too large, a bug) become a plain page with the right
/// status. The log line carries the route template, the status and the time taken — never the
/// path itself (it may hold a token), a query, a form field or an address.
struct PortalMiddleware: RouterMiddleware {
    typealias Context = PortalContext
    let layout: Layout
    let logger: Logger

    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let resourcePolicy = HTTPField.Name("Cross-Origin-Resource-Policy")!

    static let pagePolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    func handle(_ request: Request, context: PortalContext, next: (Request, PortalContext) async throws -> Response) async throws -> Response {
        let started = Self.micros()
        // HEAD is GET without the body (RFC 9110), for every page.
        let isHead = request.method == .head
        var request = request
        if isHead {
            var head = request.head
            head.method = .get
            request = Request(head: head, body: request.body)
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = errorPage(error.status)
        } catch {
            logger.error("portal request failed", metadata: ["route": "\(context.endpointPath ?? "unmatched")", "error.type": "\(type(of: error))"])
            response = errorPage(.internalServerError)
        }
        var h = response.headers
        if h[.contentSecurityPolicy] == nil { h[.contentSecurityPolicy] = Self.pagePolicy }
        h[Self.referrerPolicy] = "no-referrer"
        h[Self.contentTypeOptions] = "nosniff"
        h[Self.frameOptions] = "DENY"
        h[Self.resourcePolicy] = "same-origin"
        if h[.cacheControl] == nil { h[.cacheControl] = "no-store" }
        response.headers = h
        if isHead { response.body = .init() }
        if logger.logLevel <= .info {
            let elapsed = Double(Self.micros() - started) / 1000
            logger.info("portal request", metadata: [
                "http.method": "\(isHead ? "HEAD" : request.method.rawValue)", "http.route": "\(context.endpointPath ?? "unmatched")",
                "http.status": "\(response.status.code)", "http.ms": "\(String(format: "%.2f", elapsed))",
            ])
        }
        return response
    }

    func errorPage(_ status: HTTPResponse.Status) -> Response {
        let (title, text): (String, String)
        switch status.code {
        case 404: (title, text) = ("Page not found", "There is no page at this address. If you typed it, check it is exactly as written. If you followed a link in a message from us, the link may be incomplete: try copying all of it.")
        case 405: (title, text) = ("This page cannot do that", "The address is right, but the page does not take that kind of request. Go back and use the page's own buttons.")
        case 413: (title, text) = ("What you sent is too long", "Nothing was saved. Go back, shorten your answers and send them again.")
        case 400: (title, text) = ("We could not read what you sent", "Nothing was saved. Go back and send the form again.")
        case 500...: (title, text) = ("Sorry, something went wrong", "Nothing was saved. Please try again later.")
        default: (title, text) = ("We could not do that", "Nothing was saved. Go back and try again.")
        }
        return Portal.html(status, layout.page(title: title, body: "<p>\(HTMLText.escape(text))</p>\n<p><a href=\"/\">Go to the start page</a></p>"))
    }

    static func micros() -> Int64 { Int64(monotonicNanos() / 1000) }
}
