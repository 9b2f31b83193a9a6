import Foundation
import SendModel

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
        var token: String?
        var round: Int
        var updateTitle: String?
        var updateBody: String?
        var enquiryID: Int64?
        var receivedOn: String?
        var answerBy: String?
        var answer: String?
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

    static let optOutLine = "If you do not want messages from the SEND Partnership, reply STOP or tell us, and we will not contact you again."

    /// Renders the subject and body of a message for its channel.
    static func render(_ input: Input, responseURL: String) -> (subject: String, body: String) {
        let reference = Messages.reference(input.messageID)
        var values: [String: String] = [
            "name": input.name ?? "parent or carer",
            "reference": reference,
        ]
        switch input.kind {
        case "questionnaire", "reminder":
            guard let q = input.questionnaire else { return ("SEND Partnership", "") }
            let token = input.token ?? ""
            values["title"] = q.title
            values["closes"] = longDate(q.closes)
            values["code"] = token
            values["link"] = responseURL + token
            let intro = fill(q.message ?? defaultQuestionnaireMessage, values)
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

                    ((privacy))

                    If you would rather answer on paper or by phone, tell us your code: ((code))

                    SEND Partnership
                    \(optOutLine)
                    Reference: ((reference))
                    """, values))
            case .sms:
                return ("", fill(reminder
                    ? "SEND Partnership: a reminder, we would still like your views on ((title)) by ((closes)): ((link)) Reply STOP to opt out."
                    : "SEND Partnership: please tell us what you think about ((title)) by ((closes)): ((link)) Reply STOP to opt out.", values))
            case .letter:
                return (fill(reminder ? "Reminder: ((title))" : "((title))", values), fill("""
                    Dear ((name)),

                    ((message))

                    Please answer by ((closes)). You can answer online at ((link)), or fill in the form enclosed and \
                    return it in the prepaid envelope, or phone us and quote your code.

                    Your code: ((code))

                    ((privacy))

                    Yours faithfully,
                    SEND Partnership

                    \(optOutLine)
                    Reference: ((reference))
                    """, values))
            }
        case "update":
            values["title"] = input.updateTitle ?? "An update from the SEND Partnership"
            values["body"] = input.updateBody ?? ""
            switch input.channel {
            case .sms:
                let body = input.updateBody ?? ""
                let short = body.count > 600 ? String(body.prefix(600)) + "…" : body
                return ("", "SEND Partnership: \(values["title"]!). \(short)")
            case .email, .letter:
                return (values["title"]!, fill("""
                    Dear ((name)),

                    ((body))

                    SEND Partnership
                    You are receiving this because you asked to hear what changed. \(optOutLine)
                    Reference: ((reference))
                    """, values))
            }
        case "acknowledgement":
            values["enquiry"] = "E-\(input.enquiryID ?? 0)"
            values["received_on"] = longDate(input.receivedOn)
            values["answer_by"] = longDate(input.answerBy)
            switch input.channel {
            case .sms:
                return ("", fill("SEND Partnership: we received your enquiry of ((received_on)) (ref ((enquiry))) and will answer it by ((answer_by)).", values))
            case .email, .letter:
                return (fill("We have received your enquiry ((enquiry))", values), fill("""
                    Dear ((name)),

                    Thank you for your enquiry of ((received_on)). We will answer it by ((answer_by)).

                    Your enquiry reference is ((enquiry)).

                    SEND Partnership
                    Reference: ((reference))
                    """, values))
            }
        case "answer":
            values["enquiry"] = "E-\(input.enquiryID ?? 0)"
            values["answer"] = input.answer ?? ""
            switch input.channel {
            case .sms:
                return ("", fill("SEND Partnership, your enquiry ((enquiry)): ((answer))", values))
            case .email, .letter:
                return (fill("Our answer to your enquiry ((enquiry))", values), fill("""
                    Dear ((name)),

                    ((answer))

                    SEND Partnership
                    Reference: ((reference))
                    """, values))
            }
        default:
            return ("SEND Partnership", "")
        }
    }
}
