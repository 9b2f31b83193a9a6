import Hummingbird
import HTTPTypes
import SendModel

/// Asking a question: `/enquiries/new`, and the private link `/enquiries/{reference}/{secret}`.
extension Portal {
    func addEnquiryRoutes(_ router: Router<PortalContext>) {
        router.page("/enquiries/new") { [self] request, _ in enquiryForm(request, EnquiryFields(), errors: [], submission: Secrets.hex128(), status: .ok) }
        router.post("/enquiries/new") { [self] request, context in try await submitEnquiry(request, context) }
        router.page("/enquiries/{reference}/{secret}") { [self] request, context in
            try await enquiryStatus(request, context, reference: context.parameters.get("reference") ?? "",
                                    secret: context.parameters.get("secret") ?? "", justSent: request.uri.query == "new=1")
        }
    }

    /// What the enquiry form holds.
    struct EnquiryFields {
        var name = ""
        var replyBy = ""
        var email = ""
        var mobile = ""
        var address = ""
        var text = ""

        init() {}
        init(_ form: FormBody) {
            func v(_ k: String) -> String { (form[k] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
            name = v("name"); replyBy = v("reply_by"); email = v("email"); mobile = v("mobile"); address = v("address"); text = v("text")
        }

        static let replyChoices = [("email", "Email", "email"), ("sms", "Text message", "mobile"), ("letter", "Post", "address")]

        var replyTo: String {
            switch replyBy {
            case "email": email
            case "sms": mobile
            case "letter": address
            default: ""
            }
        }

        func check() -> [(String, String)] {
            var errors: [(String, String)] = []
            if name.isEmpty { errors.append(("name", "Enter your name")) } else if name.count > 200 || name.contains("\n") {
                errors.append(("name", "Your name must be one line of 200 characters or fewer"))
            }
            if let field = Self.replyChoices.first(where: { $0.0 == replyBy })?.2 {
                if replyTo.isEmpty {
                    let what = ["email": "Enter your email address", "mobile": "Enter your mobile phone number", "address": "Enter your postal address"][field]!
                    errors.append((field, what))
                }
            } else {
                errors.append(("reply_by-1", "Choose how we should reply"))
            }
            if text.isEmpty { errors.append(("text", "Write your question")) } else if text.count > 10_000 {
                errors.append(("text", "Your question must be 10,000 characters or fewer (it has \(text.count.formatted))"))
            }
            return errors
        }
    }

    func enquiryForm(_ request: Request, _ f: EnquiryFields, errors: [(String, String)], submission: String,
                     status: HTTPResponse.Status, notSaved: Bool = false) -> Response {
        let (token, setCookie) = csrf(request)
        let byField = Dictionary(errors.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        func errorHTML(_ id: String) -> String {
            byField[id].map { "<p class=\"error-message\" id=\"\(id)-error\"><span class=\"visually-hidden\">Error:</span> \(HTMLText.escape($0))</p>" } ?? ""
        }
        func text(_ id: String, _ label: String, _ value: String, type: String = "text", hint: String? = nil, autocomplete: String) -> String {
            var described: [String] = []
            if hint != nil { described.append("\(id)-hint") }
            if byField[id] != nil { described.append("\(id)-error") }
            var b = "<div class=\"field\(byField[id] == nil ? "" : " error")\"><label class=\"block\" for=\"\(id)\">\(label)</label>"
            if let hint { b += "<span class=\"hint\" id=\"\(id)-hint\">\(hint)</span>" }
            b += errorHTML(id)
            b += "<input type=\"\(type)\" id=\"\(id)\" name=\"\(id)\" value=\"\(HTMLText.escape(value))\" autocomplete=\"\(autocomplete)\""
            if !described.isEmpty { b += " aria-describedby=\"\(described.joined(separator: " "))\"" }
            b += "></div>\n"
            return b
        }
        var b = ""
        if notSaved {
            b += "<div class=\"error-summary\" role=\"alert\" aria-labelledby=\"not-saved\"><h2 id=\"not-saved\">Your question was NOT sent</h2>"
            b += "<p>We could not reach our system just now. Please wait a minute, then press “Send my question” again: we will record it once.</p></div>\n"
        } else if !errors.isEmpty {
            b += errorSummary(errors)
        }
        b += "<p>Ask us anything about support for children and young people with special educational needs and disabilities. We will answer within 5 working days.</p>\n"
        b += "<form method=\"post\" action=\"/enquiries/new\" novalidate>\n"
        b += "<input type=\"hidden\" name=\"csrf\" value=\"\(token)\">\n<input type=\"hidden\" name=\"submission\" value=\"\(submission)\">\n"
        b += text("name", "Your name", f.name, hint: "So that we know what to call you in our answer.", autocomplete: "name")
        let replyError = byField["reply_by-1"] != nil
        b += "<div class=\"field\(replyError ? " error" : "")\"><fieldset\(replyError ? " aria-describedby=\"reply_by-1-error\"" : "")><legend>How should we reply?</legend>"
        b += errorHTML("reply_by-1")
        b += "<div class=\"choices\">"
        for (i, (value, label, _)) in EnquiryFields.replyChoices.enumerated() {
            let id = "reply_by-\(i + 1)"
            b += "<div class=\"choice\"><input type=\"radio\" id=\"\(id)\" name=\"reply_by\" value=\"\(value)\"\(f.replyBy == value ? " checked" : "")>"
            b += "<label for=\"\(id)\">\(label)</label></div>"
        }
        b += "</div></fieldset></div>\n"
        b += "<p class=\"hint\">Fill in the one you chose.</p>\n"
        b += text("email", "Email address", f.email, type: "email", autocomplete: "email")
        b += text("mobile", "Mobile phone number", f.mobile, type: "tel", hint: "A UK mobile, for example 07700 900 123.", autocomplete: "tel")
        b += text("address", "Postal address", f.address, hint: "Lines separated by commas, with the postcode.", autocomplete: "street-address")
        let textError = byField["text"] != nil
        b += "<div class=\"field\(textError ? " error" : "")\"><label class=\"block\" for=\"text\">Your question</label>"
        b += "<span class=\"hint\" id=\"text-hint\">Please do not include medical details we do not need. Up to 10,000 characters.</span>"
        b += errorHTML("text")
        b += "<textarea id=\"text\" name=\"text\" rows=\"8\" maxlength=\"10000\" aria-describedby=\"text-hint\(textError ? " text-error" : "")\">\(HTMLText.escape(f.text))</textarea></div>\n"
        b += "<button class=\"button\" type=\"submit\">Send my question</button>\n</form>\n"
        var extra = setCookie
        if status == .serviceUnavailable { extra[.retryAfter] = "30" }
        return Self.html(status, layout.page(title: "Ask us a question", hasErrors: notSaved || !errors.isEmpty, body: b), headers: extra)
    }

    func submitEnquiry(_ request: Request, _ context: PortalContext) async throws -> Response {
        let form = try await readForm(request)
        if let refused = postRefusal(request, context, form) { return refused }
        let f = EnquiryFields(form)
        let errors = f.check()
        if !errors.isEmpty { return enquiryForm(request, f, errors: errors, submission: Secrets.hex128(), status: .unprocessableContent) }
        guard let submission = Self.submission(form) else { throw HTTPError(.badRequest) }
        let args = PortalEnquiryArgs(name: f.name, replyBy: f.replyBy, replyTo: f.replyTo, text: f.text)
        switch await call(PortalCommand.enquiryAdd, args, as: PortalEnquiryReceipt.self, id: Self.requestID("enquiry", submission: submission, args)) {
        case .ok(let receipt):
            return Self.redirect("/enquiries/\(receipt.reference)/\(receipt.secret)?new=1")
        case .unavailable:
            return enquiryForm(request, f, errors: [], submission: submission, status: .serviceUnavailable, notSaved: true)
        case .refused(let error):
            let field = EnquiryFields.replyChoices.first { $0.0 == f.replyBy }?.2 ?? "reply_to"
            let mapped: [(String, String)] = (error.details.isEmpty ? [FieldError(field: error.field ?? "", message: error.message)] : error.details).map { d in
                switch d.field {
                case "name": ("name", "Check your name: one line of 200 characters or fewer")
                case "text": ("text", "Check your question")
                case "reply_to":
                    (field, ["email": "Enter an email address like name@example.com", "mobile": "Enter a UK mobile number, like 07700 900 123",
                             "address": "Enter a postal address of at least two lines, with commas between them"][field] ?? "Check how we should reply")
                default: ("reply_by-1", "Choose how we should reply")
                }
            }
            return enquiryForm(request, f, errors: mapped, submission: Secrets.hex128(), status: .unprocessableContent)
        }
    }

    func enquiryStatus(_ request: Request, _ context: PortalContext, reference: String, secret: String, justSent: Bool) async throws -> Response {
        let client = clientID(request, context)
        if let wait = keyMisses.refusal(client) { return tooManyPage(seconds: wait, codes: true) }
        let key = PortalEnquiryKey(reference: String(reference.prefix(32)), secret: String(secret.prefix(64)))
        switch await call(PortalCommand.enquiry, key, as: PortalEnquiryStatus.self) {
        case .unavailable: return unavailablePage(saved: true)
        case .refused:
            keyMisses.count(client)
            let b = "<p>We could not find an enquiry at this address. Check you used the whole link from our message.</p>\n"
                + "<p><a href=\"/enquiries/new\">Ask us a question</a></p>\n"
            return Self.html(.notFound, layout.page(title: "We could not find that enquiry", body: b))
        case .ok(let e):
            var b = ""
            if justSent {
                b += "<div class=\"panel\"><h2>We have your question</h2><p>Your reference is</p><p class=\"ref\">\(HTMLText.escape(e.reference))</p></div>\n"
                b += "<p><strong>Keep the address of this page</strong> (bookmark it): our answer will appear here. We will also send it to you.</p>\n"
            }
            b += "<dl class=\"facts\"><dt>Reference</dt><dd>\(HTMLText.escape(e.reference))</dd>"
            b += "<dt>Received</dt><dd>\(LongDate.from(e.receivedOn))</dd>"
            if e.status == "answered" {
                b += "<dt>Status</dt><dd>Answered on \(LongDate.from(e.answeredOn))</dd></dl>\n"
                b += "<h2>Our answer</h2>\n<div class=\"inset answer\">\(HTMLText.paragraphs(e.answer ?? ""))</div>\n"
            } else {
                b += "<dt>Status</dt><dd>We are working on it. We will answer by \(LongDate.from(e.answerBy)).</dd></dl>\n"
            }
            b += "<h2>Your question</h2>\n<div class=\"inset answer\">\(HTMLText.paragraphs(e.text))</div>\n"
            return Self.html(.ok, layout.page(title: "Your enquiry \(e.reference)", body: b))
        }
    }
}
