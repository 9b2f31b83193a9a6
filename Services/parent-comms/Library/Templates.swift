import Foundation
public import SendModel

/// A message ready for a channel: rendered for one family, carrying a reference with no personal data.
public struct OutgoingMessage: Sendable {
    public var id: Int64
    public var reference: String
    public var channel: Channel
    /// The email address, the mobile number (+44…) or the postal address.
    public var to: String
    public var name: String?
    public var subject: String
    public var body: String
    /// The family's stop link (`<public>/stop/<stop token>`): an email's `List-Unsubscribe` (RFC 8058).
    public var unsubscribeURL: String?
}

/// What a message says, per kind and channel. Placeholders are written `((name))`, as in GOV.UK Notify;
/// each is filled per family, and a value is never itself searched for placeholders.
enum Templates {
    /// What a template needs about the message being rendered.
    struct Input {
        var messageID: Int64
        var kind: String
        var channel: Channel
        var name: String?
        var questionnaire: Questionnaire?
        /// The questionnaire's questions (printed in letters).
        var questions: [Question] = []
        var token: String?
        /// The recipient's response code (canonical).
        var code: String?
        var stopToken: String?
        var stopCode: String?
        var round: Int
        var updateTitle: String?
        var updateBody: String?
        var enquiryID: Int64?
        var enquirySecret: String?
        var receivedOn: String?
        var answerBy: String?
        var answer: String?
    }

    /// Where the links in messages point and how a family can phone.
    struct Settings {
        /// `SEND_PUBLIC_URL`, no trailing slash.
        var publicURL: String
        /// `SEND_CONTACT_PHONE`.
        var contactPhone: String?

        init(publicURL: String, contactPhone: String? = nil) {
            self.publicURL = publicURL
            self.contactPhone = contactPhone
        }

        init(_ config: CommsConfig) {
            self.init(publicURL: config.publicURL, contactPhone: config.contactPhone)
        }

        var respondPage: String { "\(publicURL)/respond" }
        var stopPage: String { "\(publicURL)/stop" }
        var newEnquiryPage: String { "\(publicURL)/enquiries/new" }
        func stopLink(_ key: String?) -> String { key.map { "\(publicURL)/stop/\($0)" } ?? stopPage }
        func enquiryLink(_ id: Int64, secret: String?) -> String? { secret.map { "\(publicURL)/enquiries/E-\(id)/\($0)" } }
    }

    /// Replaces each `((key))` with its value; unknown keys are left as written.
    static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = ""
        var rest = template[...]
        while let open = rest.range(of: "((") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "))") else {
                out += rest[open.lowerBound...]
                return out
            }
            let key = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces).lowercased()
            if let value = values[key] { out += value } else { out += rest[open.lowerBound..<close.upperBound] }
            rest = rest[close.upperBound...]
        }
        out += rest
        return out
    }

    /// The operator's text without a greeting of its own: the template greets ("Dear ((name)),"), so a
    /// text that starts "Dear ((name)), you told us…" or "Hello,\n…" would greet twice. The rest starts
    /// with a capital letter.
    static func withoutGreeting(_ text: String) -> String {
        let trimmed = text.drop { $0.isWhitespace }
        let words = ["dear ", "hello", "hi ", "hi,", "good morning", "good afternoon", "good evening"]
        guard words.contains(where: { trimmed.lowercased().hasPrefix($0) }) else { return text }
        // The greeting ends at the first comma or line break, within the first line.
        guard let end = trimmed.firstIndex(where: { $0 == "," || $0 == "\n" || $0 == "!" }),
              trimmed.distance(from: trimmed.startIndex, to: end) <= 80 else { return text }
        let rest = trimmed[trimmed.index(after: end)...].drop { $0.isWhitespace }
        guard let first = rest.first else { return text }
        return first.uppercased() + rest.dropFirst()
    }

    static let weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                         "November", "December"]

    /// "Friday 6 February 2026".
    static func longDate(_ d: LocalDate) -> String {
        "\(weekdays[d.isoWeekday - 1]) \(d.day) \(months[d.month - 1]) \(d.year)"
    }

    static func longDate(_ iso: String?) -> String {
        iso.flatMap(LocalDate.init(iso:)).map(longDate) ?? (iso ?? "")
    }

    static let defaultQuestionnaireMessage = """
        The SEND Partnership (the council, the NHS and the parent carer forum, working together) wants to hear \
        from every family whose child has an education, health and care plan. Your answers decide what we change first.
        """

    /// The end of every email: a question, stopping (the `List-Unsubscribe` link), the reference.
    static func emailFooter(_ input: Input, _ settings: Settings) -> String {
        """
        To ask us a question: \(settings.newEnquiryPage)
        To stop all messages from the SEND Partnership: \(settings.stopLink(input.stopToken))
        Reference: \(Messages.reference(input.messageID))
        """
    }

    /// The end of every letter: stopping by the stop code (or by phone), the reference.
    static func letterFooter(_ input: Input, _ settings: Settings) -> String {
        let phone = settings.contactPhone.map { ", or phone us on \($0)" } ?? ""
        return """
            To stop all messages from the SEND Partnership, go to \(settings.stopPage) and type your stop code\(phone).
            Your stop code: \(input.stopCode.map(ShortCode.display) ?? "")
            Reference: \(Messages.reference(input.messageID))
            """
    }

    /// The end of every text message.
    static func textFooter(_ input: Input, _ settings: Settings) -> String {
        "Stop: \(settings.stopLink(input.stopCode))"
    }

    /// What the closing line of a message gives for `channel`: email, letter and text footers.
    static func footer(_ input: Input, _ settings: Settings) -> String {
        switch input.channel {
        case .email: emailFooter(input, settings)
        case .letter: letterFooter(input, settings)
        case .sms: textFooter(input, settings)
        }
    }

    /// "1 message", "5,000 messages": a count as a person reads it.
    static func counted<N: BinaryInteger>(_ n: N, _ one: String, _ many: String? = nil) -> String {
        "\(grouped(Int(n))) \(n == 1 ? one : many ?? one + "s")"
    }

    /// "5,000".
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }

    /// Every question, numbered, with how to answer it: what a letter prints.
    static func questionList(_ questions: [Question]) -> String {
        questions.map { q in
            let how: String
            switch q.kind {
            case .scale: how = "Answer with a number from 1 to 5, where 1 is the lowest and 5 the highest."
            case .yesNo: how = "Answer yes or no."
            case .singleChoice: how = "Choose one: " + q.options.joined(separator: ", ") + "."
            case .freeText: how = "Answer in your own words (at most \(grouped(Question.maxFreeText)) characters)."
            }
            return "\(q.position). \(q.text)\(q.required ? " (please answer this one)" : "")\n   \(how)"
        }.joined(separator: "\n\n")
    }

    /// Renders the subject and body of a message for its channel.
    static func render(_ input: Input, settings: Settings) -> (subject: String, body: String) {
        let reference = Messages.reference(input.messageID)
        var values: [String: String] = [
            "name": input.name ?? "parent or carer",
            "reference": reference,
        ]
        let footer = footer(input, settings)
        switch input.kind {
        case "questionnaire", "reminder":
            guard let q = input.questionnaire else { return ("SEND Partnership", "") }
            let code = input.code ?? ""
            values["title"] = q.title
            values["closes"] = longDate(q.closes)
            values["code"] = ShortCode.display(code)
            switch input.channel {
            case .email: values["link"] = "\(settings.respondPage)/\(input.token ?? "")"
            case .sms: values["link"] = "\(settings.respondPage)/\(code)"
            case .letter: values["link"] = settings.respondPage
            }
            let intro = fill(withoutGreeting(q.message ?? defaultQuestionnaireMessage), values)
            values["message"] = input.kind == "reminder"
                ? "We recently asked for your views, and we have not heard from you yet. It is not too late: every answer counts.\n\n" + intro
                : intro
            values["privacy"] = q.anonymous
                ? "Your answers are anonymous: once we have counted your reply, nothing links your answers to your family."
                : "Your answers are kept with your family's record, so that we can follow up what you tell us."
            let reminder = input.kind == "reminder"
            switch input.channel {
            case .email:
                return (fill(reminder ? "Reminder: ((title))" : "((title)): tell us what you think", values), fill("""
                    Dear ((name)),

                    ((message))

                    Please answer by ((closes)):
                    ((link))

                    On another device, go to \(settings.respondPage) and type your code: ((code))

                    ((privacy))

                    SEND Partnership

                    """, values) + "\n" + footer)
            case .sms:
                return ("", fill(reminder
                    ? "SEND Partnership: a reminder, we would still like your views on ((title)) by ((closes)): ((link))"
                    : "SEND Partnership: please tell us what you think about ((title)) by ((closes)): ((link))", values) + " " + footer)
            case .letter:
                let phone = settings.contactPhone.map { "\n- by phone: call \($0) and give your code" } ?? ""
                return (fill(reminder ? "Reminder: ((title))" : "((title))", values), fill("""
                    Dear ((name)),

                    ((message))

                    Please answer by ((closes)):
                    - online: go to ((link)) and type your code\(phone)

                    Your code: ((code))

                    The questions

                    """, values) + "\n" + questionList(input.questions) + "\n\n" + fill("""
                    ((privacy))

                    Yours faithfully,
                    SEND Partnership

                    """, values) + "\n" + footer)
            }
        case "update":
            values["title"] = input.updateTitle ?? "An update from the SEND Partnership"
            let body = withoutGreeting(input.updateBody ?? "")
            values["body"] = body
            switch input.channel {
            case .sms:
                let short = body.count > 600 ? String(body.prefix(600)) + "…" : body
                return ("", "SEND Partnership: \(values["title"]!). \(short) \(footer)")
            case .email, .letter:
                return (values["title"]!, fill("""
                    Dear ((name)),

                    ((body))

                    SEND Partnership
                    You are receiving this because you asked to hear what changed.

                    """, values) + "\n" + footer)
            }
        case "acknowledgement":
            let id = input.enquiryID ?? 0
            values["enquiry"] = "E-\(id)"
            values["received_on"] = longDate(input.receivedOn)
            values["answer_by"] = longDate(input.answerBy)
            let link = settings.enquiryLink(id, secret: input.enquirySecret)
            switch input.channel {
            case .sms:
                return ("", fill("SEND Partnership: we received your enquiry of ((received_on)) (ref ((enquiry))) and will answer it by ((answer_by)).",
                                 values) + (link.map { " See it and our answer: \($0)" } ?? "") + " " + footer)
            case .email, .letter:
                return (fill("We have received your enquiry ((enquiry))", values), fill("""
                    Dear ((name)),

                    Thank you for your enquiry of ((received_on)). We will answer it by ((answer_by)).

                    Your enquiry reference is ((enquiry)).

                    """, values) + "\n" + (link.map { "Your enquiry, and our answer once we have given it, are at this private link (keep it to yourself):\n\($0)\n\n" } ?? "")
                    + "SEND Partnership\n\n" + footer)
            }
        case "answer":
            let id = input.enquiryID ?? 0
            values["enquiry"] = "E-\(id)"
            values["answer"] = withoutGreeting(input.answer ?? "")
            let link = settings.enquiryLink(id, secret: input.enquirySecret)
            switch input.channel {
            case .sms:
                return ("", fill("SEND Partnership, your enquiry ((enquiry)): ((answer))", values) + " " + footer)
            case .email, .letter:
                return (fill("Our answer to your enquiry ((enquiry))", values), fill("""
                    Dear ((name)),

                    ((answer))

                    """, values) + "\n" + (link.map { "You can read your enquiry and this answer again at your private link:\n\($0)\n\n" } ?? "")
                    + "SEND Partnership\n\n" + footer)
            }
        default:
            return ("SEND Partnership", "")
        }
    }
}
