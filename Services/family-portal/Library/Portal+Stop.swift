import Hummingbird
import HTTPTypes
import SendModel

/// Stopping messages: `/stop/{key}` from every message, with one-click opt-out (RFC 8058) for mail clients.
extension Portal {
    func addStopRoutes(_ router: Router<PortalContext>) {
        router.page("/stop") { [self] request, _ in stopCodePage(request, typed: "", error: nil, status: .ok) }
        router.post("/stop") { [self] request, context in
            let form = try await readForm(request)
            if let refused = postRefusal(request, context, form) { return refused }
            let typed = form["code"] ?? ""
            let (compact, problem) = Self.typedCode(typed)
            if let problem { return stopCodePage(request, typed: typed, error: problem, status: .unprocessableContent) }
            return try await stopPage(request, context, key: compact, redirectOnHit: true)
        }
        router.page("/stop/{key}") { [self] request, context in
            try await stopPage(request, context, key: context.parameters.get("key") ?? "", redirectOnHit: false)
        }
        router.post("/stop/{key}") { [self] request, context in
            try await changeStop(request, context, key: context.parameters.get("key") ?? "")
        }
    }

    func stopCodePage(_ request: Request, typed: String, error: String?, status: HTTPResponse.Status) -> Response {
        codeEntryPage(request, action: "/stop", title: "Stop messages from us", label: "Your code for stopping messages",
                      intro: "Every letter and text message we send has a code for stopping messages. Type it here.",
                      typed: typed, error: error, status: status)
    }

    func stopMissPage() -> Response {
        var b = "<p>We could not find that link or code. Check you used the whole link, or that the code is exactly as printed.</p>\n"
        b += "<p><a href=\"/stop\">Type your code again</a></p>\n"
        if let phone = config.contactPhone { b += "<p>Or phone us on \(HTMLText.escape(phone)) and we will stop messages for you.</p>\n" }
        return Self.html(.notFound, layout.page(title: "We could not find that link", body: b))
    }

    func stopPage(_ request: Request, _ context: PortalContext, key: String, redirectOnHit: Bool) async throws -> Response {
        let client = clientID(request, context)
        if let wait = keyMisses.refusal(client) { return tooManyPage(seconds: wait, codes: true) }
        switch await call(PortalCommand.stopStatus, PortalKeyArgs(key: String(key.prefix(64))), as: PortalStopStatus.self) {
        case .unavailable: return unavailablePage()
        case .refused:
            keyMisses.count(client)
            return stopMissPage()
        case .ok(let status):
            if redirectOnHit, let code = ShortCode.normalise(key) { return Self.redirect("/stop/\(code)") }
            return stopForm(request, key: key, status: status)
        }
    }

    func stopForm(_ request: Request, key: String, status: PortalStopStatus) -> Response {
        let (token, setCookie) = csrf(request)
        var b = ""
        let title: String
        b += "<form method=\"post\" action=\"/stop/\(HTMLText.escape(key))\">\n<input type=\"hidden\" name=\"csrf\" value=\"\(token)\">\n"
        if status.optedOut {
            title = "You have stopped messages from us"
            b += "<p>You stopped messages on \(LongDate.from(status.optedOutAt)). We will not send you questionnaires, reminders or updates.</p>\n"
            b += "<p>If you change your mind, you can start getting messages again.</p>\n"
            b += "<input type=\"hidden\" name=\"action\" value=\"resume\">\n<button class=\"button secondary\" type=\"submit\">Start getting messages again</button>\n"
        } else {
            title = "Stop messages from us"
            b += "<p>If you stop messages, we will not send you any more questionnaires, reminders or updates about SEND support. You can start them again here at any time.</p>\n"
            b += "<input type=\"hidden\" name=\"action\" value=\"stop\">\n<button class=\"button\" type=\"submit\">Stop messages</button>\n"
        }
        b += "</form>\n"
        return Self.html(.ok, layout.page(title: title, body: b), headers: setCookie)
    }

    /// POST `/stop/{key}`: a mail client's one-click opt-out (`List-Unsubscribe=One-Click`, no cookie), or the page's button.
    func changeStop(_ request: Request, _ context: PortalContext, key: String) async throws -> Response {
        let form = try await readForm(request)
        let oneClick = form["List-Unsubscribe"] == "One-Click"
        // RFC 8058: the key in the address is the authority; a mail client sends no cookie.
        if let refused = postRefusal(request, context, form, csrf: !oneClick) { return refused }
        let client = clientID(request, context)
        if let wait = keyMisses.refusal(client) { return tooManyPage(seconds: wait, codes: true) }
        let action = oneClick ? "stop" : (form["action"] ?? "")
        guard action == "stop" || action == "resume" else { throw HTTPError(.badRequest) }
        let outcome = action == "stop"
            ? await call(PortalCommand.optOut, PortalOptOutArgs(key: String(key.prefix(64)), via: oneClick ? "one_click" : "web"), as: PortalStopStatus.self)
            : await call(PortalCommand.optIn, PortalKeyArgs(key: String(key.prefix(64))), as: PortalStopStatus.self)
        switch outcome {
        case .unavailable:
            return unavailablePage(title: action == "stop" ? "Sorry, we could not stop messages just now" : "Sorry, we could not start messages just now")
        case .refused:
            keyMisses.count(client)
            return stopMissPage()
        case .ok(let status):
            let b: String
            let title: String
            if status.optedOut {
                title = "Messages stopped"
                b = "<div class=\"panel\"><p>We will not send you any more messages.</p></div>\n"
                    + "<p>If a message was already on its way, it may still arrive.</p>\n"
                    + "<p>Changed your mind? <a href=\"/stop/\(HTMLText.escape(key))\">Start getting messages again</a>.</p>\n"
            } else {
                title = "Messages started again"
                b = "<div class=\"panel\"><p>We will send you our questionnaires and updates again.</p></div>\n"
                    + "<p>You can stop them at any time with the link in any message.</p>\n"
            }
            return Self.html(.ok, layout.page(title: title, body: b))
        }
    }
}
