import Hummingbird
import HTTPTypes
import SendModel
import SendRuntime

/// Answering a questionnaire: `/respond` (type a code) and `/respond/{key}` (the form).
extension Portal {
    func addRespondRoutes(_ router: Router<PortalContext>) {
        router.page("/respond") { [self] request, _ in codePage(request, typed: "", error: nil, status: .ok) }
        router.post("/respond") { [self] request, context in
            let form = try await readForm(request)
            if let refused = postRefusal(request, context, form) { return refused }
            let typed = form["code"] ?? ""
            let (compact, problem) = Self.typedCode(typed)
            if let problem { return codePage(request, typed: typed, error: problem, status: .unprocessableContent) }
            // Any code of the right shape goes to comms, so every miss takes the same path and time.
            return try await questionnairePage(request, context, key: compact, redirectOnHit: true)
        }
        router.page("/respond/{key}") { [self] request, context in
            try await questionnairePage(request, context, key: context.parameters.get("key") ?? "", redirectOnHit: false)
        }
        router.post("/respond/{key}") { [self] request, context in
            try await submitAnswers(request, context, key: context.parameters.get("key") ?? "")
        }
    }

    /// `/respond`: where a parent types the short code from a letter or a text message.
    func codePage(_ request: Request, typed: String, error: String?, status: HTTPResponse.Status) -> Response {
        codeEntryPage(request, action: "/respond", title: "Answer our questionnaire", label: "Your code",
                      intro: "If we sent you a letter or a text message, it has a code on it. Type it here to answer our questionnaire.",
                      after: "<p>If you got an email from us, use the link in it instead: it takes you straight to your questionnaire.</p>\n",
                      typed: typed, error: error, status: status)
    }

    /// What a person typed as a code, without spaces and hyphens, and what is wrong with its shape (nil: send it to comms).
    static func typedCode(_ typed: String) -> (String, String?) {
        let compact = typed.uppercased().filter { $0 != " " && $0 != "-" }
        if compact.isEmpty { return (compact, "Enter the code from your letter or text message") }
        guard compact.count == ShortCode.length, compact.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            return (compact, "Enter the code as it is printed: 10 letters and numbers, like ABCDE-FGHJK")
        }
        return (compact, nil)
    }

    /// A page with one field for a code from paper (`/respond`, `/stop`), with its error when it has one.
    func codeEntryPage(_ request: Request, action: String, title: String, label: String, intro: String, after: String = "",
                       typed: String, error: String?, status: HTTPResponse.Status) -> Response {
        let (token, setCookie) = csrf(request)
        var b = ""
        if let error { b += errorSummary([("code", error)]) }
        b += "<p>\(HTMLText.escape(intro))</p>\n"
        b += "<form method=\"post\" action=\"\(action)\" novalidate>\n<input type=\"hidden\" name=\"csrf\" value=\"\(token)\">\n"
        b += "<div class=\"field\(error == nil ? "" : " error")\">"
        b += "<label class=\"block\" for=\"code\">\(HTMLText.escape(label))</label>"
        b += "<span class=\"hint\" id=\"code-hint\">10 letters and numbers, for example ABCDE-FGHJK. Capital or small letters both work.</span>"
        if let error { b += "<p class=\"error-message\" id=\"code-error\"><span class=\"visually-hidden\">Error:</span> \(HTMLText.escape(error))</p>" }
        b += "<input class=\"code\" type=\"text\" id=\"code\" name=\"code\" value=\"\(HTMLText.escape(typed))\" autocomplete=\"off\" spellcheck=\"false\" "
        b += "autocapitalize=\"characters\" maxlength=\"20\" aria-describedby=\"code-hint\(error == nil ? "" : " code-error")\">"
        b += "</div>\n<button class=\"button\" type=\"submit\">Continue</button>\n</form>\n" + after
        return Self.html(status, layout.page(title: title, hasErrors: error != nil, body: b), headers: setCookie)
    }

    /// The page for a key: the form, or why it cannot be answered; every miss is the same 404 page.
    func questionnairePage(_ request: Request, _ context: PortalContext, key: String, redirectOnHit: Bool) async throws -> Response {
        let client = clientID(request, context)
        if let wait = keyMisses.refusal(client) { return tooManyPage(seconds: wait, codes: true) }
        switch await call(PortalCommand.questionnaire, PortalKeyArgs(key: String(key.prefix(64))), as: PortalQuestionnaire.self) {
        case .unavailable:
            return unavailablePage()
        case .refused:
            keyMisses.count(client)
            return keyMissPage()
        case .ok(let q):
            if redirectOnHit, let code = ShortCode.normalise(key) { return Self.redirect("/respond/\(code)") }
            if let page = notAnswerable(q) { return page }
            return answerForm(request, q, key: key, answers: AnswerSet(), errors: [], submission: Secrets.hex128(), status: .ok)
        }
    }

    /// The one page every unknown or mistyped key gets.
    func keyMissPage() -> Response {
        var b = "<p>We could not find a questionnaire for that link or code.</p>\n"
        b += "<ul><li>If you followed a link in an email, check you used all of it: copy the whole link into your browser.</li>"
        b += "<li>If you typed a code, check it is exactly as printed on your letter or text message.</li></ul>\n"
        b += "<p><a href=\"/respond\">Type your code again</a></p>\n"
        if let phone = config.contactPhone { b += "<p>Or phone us on \(HTMLText.escape(phone)) and we will help.</p>\n" }
        return Self.html(.notFound, layout.page(title: "We could not find that questionnaire", body: b))
    }

    /// Answered already, closed or not open yet: a page saying so; nil when it can be answered.
    func notAnswerable(_ q: PortalQuestionnaire) -> Response? {
        if q.answered {
            let b = "<div class=\"panel\"><p>We have your answers to “\(HTMLText.escape(q.title))”. Thank you.</p></div>\n"
                + "<p>Each family answers once, so nothing more has been saved.</p>\n<p><a href=\"/progress\">See what we are doing</a></p>\n"
            return Self.html(.ok, layout.page(title: "You have already answered – thank you", body: b))
        }
        switch q.state {
        case "closed":
            let b = "<p>“\(HTMLText.escape(q.title))” closed on \(LongDate.from(q.closes)), so we cannot take new answers.</p>\n"
                + "<p>You can still <a href=\"/enquiries/new\">ask us a question</a> or <a href=\"/progress\">see our progress</a>.</p>\n"
            return Self.html(.ok, layout.page(title: "This questionnaire has closed", body: b))
        case "not_open":
            let b = "<p>“\(HTMLText.escape(q.title))” opens on \(LongDate.from(q.opens)). Please come back then: your link or code will work.</p>\n"
            return Self.html(.ok, layout.page(title: "This questionnaire is not open yet", body: b))
        default:
            return nil
        }
    }

    /// POST `/respond/{key}`: checks every answer, then records them once (the submission id is the request id).
    func submitAnswers(_ request: Request, _ context: PortalContext, key: String) async throws -> Response {
        let form = try await readForm(request)
        if let refused = postRefusal(request, context, form) { return refused }
        let client = clientID(request, context)
        if let wait = keyMisses.refusal(client) { return tooManyPage(seconds: wait, codes: true) }
        let q: PortalQuestionnaire
        switch await call(PortalCommand.questionnaire, PortalKeyArgs(key: String(key.prefix(64))), as: PortalQuestionnaire.self) {
        case .unavailable:
            return answerForm(request, nil, key: key, answers: AnswerSet(form), errors: [], submission: Self.submission(form) ?? Secrets.hex128(),
                              status: .serviceUnavailable, notSaved: true)
        case .refused:
            keyMisses.count(client)
            return keyMissPage()
        case .ok(let found):
            q = found
        }
        if let page = notAnswerable(q) { return page }
        let answers = AnswerSet(form)
        let errors = answers.check(q.questions)
        if !errors.isEmpty {
            return answerForm(request, q, key: key, answers: answers, errors: errors, submission: Secrets.hex128(), status: .unprocessableContent)
        }
        guard let submission = Self.submission(form) else { throw HTTPError(.badRequest) }
        let args = PortalAnswerArgs(key: key, answers: answers.values(for: q.questions), wantsUpdates: answers.wantsUpdates)
        switch await call(PortalCommand.respond, args, as: PortalAnswerResult.self, id: Self.requestID("respond", submission: submission, args)) {
        case .ok(let result):
            return confirmation(result, wantsUpdates: answers.wantsUpdates)
        case .unavailable:
            return answerForm(request, q, key: key, answers: answers, errors: [], submission: submission, status: .serviceUnavailable, notSaved: true)
        case .refused(let error) where error.code == .conflict:
            // Answered meanwhile (another tab, a double click), or closed: say which.
            if case .ok(let now) = await call(PortalCommand.questionnaire, PortalKeyArgs(key: key), as: PortalQuestionnaire.self),
               let page = notAnswerable(now) { return page }
            return unavailablePage()
        case .refused(let error):
            // comms found a problem the portal's own checks did not: name the questions it named.
            let named = error.details.isEmpty ? [FieldError(field: error.field ?? "answers", message: error.message)] : error.details
            let mapped = named.map { d -> (String, String) in
                let index = d.field.split(separator: "[").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) }
                let position = index.flatMap { args.answers.indices.contains($0) ? args.answers[$0].question : nil }
                let target = position.flatMap { p in q.questions.first { $0.question == p } }
                return (target.map(AnswerSet.fieldID) ?? "answers", target.map { "Question \($0.question): check your answer" } ?? "Check your answers")
            }
            return answerForm(request, q, key: key, answers: answers, errors: mapped, submission: Secrets.hex128(), status: .unprocessableContent)
        }
    }

    func confirmation(_ result: PortalAnswerResult, wantsUpdates: Bool) -> Response {
        var b = "<div class=\"panel\"><h2>Your answers have been saved</h2><p>Thank you for answering “\(HTMLText.escape(result.title))”.</p></div>\n"
        if result.anonymous {
            b += "<p>Your answers are anonymous: now that we have counted your reply, nothing links your answers to your family.</p>\n"
        }
        if wantsUpdates { b += "<p>You asked to hear what changes. We will send you our updates.</p>\n" }
        b += "<h2>What happens next</h2>\n<p>The partnership board reads every answer. We publish what you told us, and what we are doing about it, on our progress page.</p>\n"
        b += "<p><a href=\"/progress\">See our progress</a></p>\n"
        return Self.html(.ok, layout.page(title: "Thank you", body: b))
    }

    /// The questionnaire as a form, with the answers given so far and an error summary that links to each bad field.
    /// `q` nil: the questionnaire could not be fetched (comms down), so only the banner and a retry button are shown.
    func answerForm(_ request: Request, _ q: PortalQuestionnaire?, key: String, answers: AnswerSet, errors: [(String, String)],
                    submission: String, status: HTTPResponse.Status, notSaved: Bool = false) -> Response {
        let (token, setCookie) = csrf(request)
        var b = ""
        if notSaved {
            b += "<div class=\"error-summary\" role=\"alert\" aria-labelledby=\"not-saved\"><h2 id=\"not-saved\">Your answers were NOT saved</h2>"
            b += "<p>We could not reach our system just now. Please wait a minute, then press “Send my answers” again: "
            b += "we will save your answers once, however many times you press it.</p></div>\n"
        } else if !errors.isEmpty {
            b += errorSummary(errors)
        }
        b += "<form method=\"post\" action=\"/respond/\(HTMLText.escape(key))\" novalidate>\n"
        b += "<input type=\"hidden\" name=\"csrf\" value=\"\(token)\">\n<input type=\"hidden\" name=\"submission\" value=\"\(submission)\">\n"
        if let q {
            if let intro = q.introduction, !intro.isEmpty { b += HTMLText.paragraphs(intro) + "\n" }
            b += "<p>Please answer by \(LongDate.from(q.closes)). Questions marked (required) need an answer; you can leave the others out.</p>\n"
            b += q.anonymous
                ? "<p class=\"inset\">Your answers are anonymous: once we have counted your reply, nothing links your answers to your family.</p>\n"
                : "<p class=\"inset\">Your answers are kept with your family's record, so that we can follow up what you tell us.</p>\n"
            let byField = Dictionary(errors.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
            for question in q.questions { b += answers.field(question, error: byField[AnswerSet.fieldID(question)]) }
            b += answers.updatesField()
        } else {
            for (name, values) in answers.raw.sorted(by: { $0.key < $1.key }) where name.hasPrefix("q") || name == "updates" {
                for v in values { b += "<input type=\"hidden\" name=\"\(HTMLText.escape(name))\" value=\"\(HTMLText.escape(v))\">\n" }
            }
        }
        b += "<button class=\"button\" type=\"submit\">Send my answers</button>\n</form>\n"
        var extra = setCookie
        if status == .serviceUnavailable { extra[.retryAfter] = "30" }
        return Self.html(status, layout.page(title: q?.title ?? "Your answers", hasErrors: notSaved || !errors.isEmpty, body: b), headers: extra)
    }

    /// "There is a problem", with a link to each field.
    func errorSummary(_ errors: [(String, String)]) -> String {
        var b = "<div class=\"error-summary\" role=\"alert\" aria-labelledby=\"error-summary-title\" tabindex=\"-1\">"
        b += "<h2 id=\"error-summary-title\">There is a problem</h2><ul>"
        for (field, message) in errors { b += "<li><a href=\"#\(HTMLText.escape(field))\">\(HTMLText.escape(message))</a></li>" }
        b += "</ul></div>\n"
        return b
    }
}
