/// The contract between family-portal and comms: the commands the families' door calls, their
/// arguments and their results, as types both sides use (comms encodes what the portal decodes, so a
/// renamed field fails to compile on both sides).
///
/// A *key* is what a family holds on paper or in a message: a response token (32 hex digits, in an
/// email link) or a short code (10 Crockford base32 characters, the last a check character, printed
/// on letters and texts; see `ShortCode`). Every command that takes a key answers `not_found` for a
/// key it does not know, with the same message whatever was wrong, so a miss says nothing about
/// which keys exist.
public enum PortalCommand {
    /// read: `PortalKeyArgs` → `PortalQuestionnaire`.
    public static let questionnaire = "portal.questionnaire"
    /// write: `PortalAnswerArgs` → `PortalAnswerResult` (`conflict` once answered or closed).
    public static let respond = "portal.respond"
    /// read: `PortalKeyArgs` (a family's stop key) → `PortalStopStatus`.
    public static let stopStatus = "portal.stop_status"
    /// write: `PortalOptOutArgs` → `PortalStopStatus` (already opted out: the same, `changed: false`).
    public static let optOut = "portal.opt_out"
    /// write: `PortalKeyArgs` → `PortalStopStatus`.
    public static let optIn = "portal.opt_in"
    /// write: `PortalEnquiryArgs` → `PortalEnquiryReceipt`.
    public static let enquiryAdd = "portal.enquiry_add"
    /// read: `PortalEnquiryKey` → `PortalEnquiryStatus`.
    public static let enquiry = "portal.enquiry"

    /// Every command above, in the order the protocol document lists them.
    public static let all = [questionnaire, respond, stopStatus, optOut, optIn, enquiryAdd, enquiry]
}

/// `{"key": "…"}`: a response token or short code, or a family's stop token or stop code.
public struct PortalKeyArgs: Codable, Sendable, Hashable {
    public var key: String
    public init(key: String) { self.key = key }
}

/// A question as a family sees it.
public struct PortalQuestion: Codable, Sendable, Hashable {
    /// 1-based position; answers name it.
    public var question: Int
    /// `scale` (1–5), `yes_no`, `single_choice`, `free_text`.
    public var kind: String
    public var text: String
    public var required: Bool
    /// The choices of a `single_choice` question (empty otherwise).
    public var options: [String]
    /// Characters a `free_text` answer may hold.
    public var maxLength: Int?

    public init(question: Int, kind: String, text: String, required: Bool, options: [String] = [], maxLength: Int? = nil) {
        self.question = question
        self.kind = kind
        self.text = text
        self.required = required
        self.options = options
        self.maxLength = maxLength
    }

    enum CodingKeys: String, CodingKey {
        case question, kind, text, required, options
        case maxLength = "max_length"
    }
}

/// `portal.questionnaire`: what the form needs. No personal data: not the family's name, not who they are.
public struct PortalQuestionnaire: Codable, Sendable, Hashable {
    public var questionnaireID: Int64
    public var title: String
    /// The questionnaire's introduction with no per-family placeholder filled (`((name))` removed).
    public var introduction: String?
    public var anonymous: Bool
    public var opens: String
    public var closes: String
    /// `not_open`, `open` or `closed`.
    public var state: String
    /// This key's family has answered already.
    public var answered: Bool
    public var questions: [PortalQuestion]

    public init(questionnaireID: Int64, title: String, introduction: String?, anonymous: Bool, opens: String, closes: String,
                state: String, answered: Bool, questions: [PortalQuestion]) {
        self.questionnaireID = questionnaireID
        self.title = title
        self.introduction = introduction
        self.anonymous = anonymous
        self.opens = opens
        self.closes = closes
        self.state = state
        self.answered = answered
        self.questions = questions
    }

    enum CodingKeys: String, CodingKey {
        case title, introduction, anonymous, opens, closes, state, answered, questions
        case questionnaireID = "questionnaire_id"
    }
}

/// One answer: the question's position and the value as typed or chosen (a string: `"4"`, `"yes"`,
/// an option's text, free text).
public struct PortalAnswer: Codable, Sendable, Hashable {
    public var question: Int
    public var value: String
    public init(question: Int, value: String) {
        self.question = question
        self.value = value
    }
}

/// `portal.respond`.
public struct PortalAnswerArgs: Codable, Sendable, Hashable {
    public var key: String
    public var answers: [PortalAnswer]
    public var wantsUpdates: Bool

    public init(key: String, answers: [PortalAnswer], wantsUpdates: Bool) {
        self.key = key
        self.answers = answers
        self.wantsUpdates = wantsUpdates
    }

    enum CodingKeys: String, CodingKey {
        case key, answers
        case wantsUpdates = "wants_updates"
    }
}

public struct PortalAnswerResult: Codable, Sendable, Hashable {
    public var questionnaireID: Int64
    public var title: String
    public var anonymous: Bool
    /// How many questions were answered.
    public var answers: Int

    public init(questionnaireID: Int64, title: String, anonymous: Bool, answers: Int) {
        self.questionnaireID = questionnaireID
        self.title = title
        self.anonymous = anonymous
        self.answers = answers
    }

    enum CodingKeys: String, CodingKey {
        case title, anonymous, answers
        case questionnaireID = "questionnaire_id"
    }
}

/// `portal.opt_out`.
public struct PortalOptOutArgs: Codable, Sendable, Hashable {
    public var key: String
    /// `one_click` (a mail client's RFC 8058 POST) or `web` (the button on the stop page).
    public var via: String

    public init(key: String, via: String) {
        self.key = key
        self.via = via
    }
}

/// Whether the family holding a stop key gets messages. No personal data.
public struct PortalStopStatus: Codable, Sendable, Hashable {
    public var optedOut: Bool
    /// RFC 3339, when opted out.
    public var optedOutAt: String?
    /// False when the command found it already so.
    public var changed: Bool
    /// Messages not yet sent that opting out cancelled.
    public var cancelledMessages: Int

    public init(optedOut: Bool, optedOutAt: String?, changed: Bool, cancelledMessages: Int = 0) {
        self.optedOut = optedOut
        self.optedOutAt = optedOutAt
        self.changed = changed
        self.cancelledMessages = cancelledMessages
    }

    enum CodingKeys: String, CodingKey {
        case changed
        case optedOut = "opted_out"
        case optedOutAt = "opted_out_at"
        case cancelledMessages = "cancelled_messages"
    }
}

/// `portal.enquiry_add`: who is asking, how to reply, the question.
public struct PortalEnquiryArgs: Codable, Sendable, Hashable {
    /// How the asker wants to be addressed (≤ 200 characters).
    public var name: String
    /// `email`, `sms` (a UK mobile) or `letter` (a postal address).
    public var replyBy: String
    /// The email address, mobile number or postal address to reply to.
    public var replyTo: String
    /// The question (≤ 10,000 characters).
    public var text: String

    public init(name: String, replyBy: String, replyTo: String, text: String) {
        self.name = name
        self.replyBy = replyBy
        self.replyTo = replyTo
        self.text = text
    }

    enum CodingKeys: String, CodingKey {
        case name, text
        case replyBy = "reply_by"
        case replyTo = "reply_to"
    }
}

/// What the asker keeps: the reference and the secret of the private status link.
public struct PortalEnquiryReceipt: Codable, Sendable, Hashable {
    /// `E-<enquiry id>`, as in the acknowledgement message.
    public var reference: String
    /// 32 hex digits; with the reference, the private link `/enquiries/<reference>/<secret>`.
    public var secret: String
    public var receivedOn: String
    public var answerBy: String

    public init(reference: String, secret: String, receivedOn: String, answerBy: String) {
        self.reference = reference
        self.secret = secret
        self.receivedOn = receivedOn
        self.answerBy = answerBy
    }

    enum CodingKeys: String, CodingKey {
        case reference, secret
        case receivedOn = "received_on"
        case answerBy = "answer_by"
    }
}

/// `portal.enquiry`: a reference and its secret.
public struct PortalEnquiryKey: Codable, Sendable, Hashable {
    public var reference: String
    public var secret: String

    public init(reference: String, secret: String) {
        self.reference = reference
        self.secret = secret
    }
}

/// An enquiry as its asker sees it on the private link.
public struct PortalEnquiryStatus: Codable, Sendable, Hashable {
    public var reference: String
    /// `open` or `answered`.
    public var status: String
    public var receivedOn: String
    public var answerBy: String
    public var answeredOn: String?
    /// The asker's own question.
    public var text: String
    public var answer: String?

    public init(reference: String, status: String, receivedOn: String, answerBy: String, answeredOn: String?, text: String, answer: String?) {
        self.reference = reference
        self.status = status
        self.receivedOn = receivedOn
        self.answerBy = answerBy
        self.answeredOn = answeredOn
        self.text = text
        self.answer = answer
    }

    enum CodingKeys: String, CodingKey {
        case reference, status, text, answer
        case receivedOn = "received_on"
        case answerBy = "answer_by"
        case answeredOn = "answered_on"
    }
}

/// Short codes: 10 characters of Crockford base32 (`0-9 A-Z` without `I L O U`), the first nine
/// random (45 bits) and the last a check character — the nine-character number modulo 37, drawn so
/// that it is always one of the 32 plain symbols. A single mistyped character or two swapped
/// neighbours never make another valid code. Read case-insensitively, with `O`→`0`, `I`/`L`→`1`,
/// and spaces and hyphens ignored; printed as `ABCDE-FGHJK`.
public enum ShortCode {
    public static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    public static let length = 10

    /// A new random code (canonical form, no hyphen).
    public static func make() -> String {
        var g = SystemRandomNumberGenerator()
        return make(using: &g)
    }

    public static func make<G: RandomNumberGenerator>(using g: inout G) -> String {
        while true {
            var digits: [Int] = []
            var value: UInt64 = 0
            for _ in 0..<(length - 1) {
                let d = Int.random(in: 0..<32, using: &g)
                digits.append(d)
                value = value * 32 + UInt64(d)
            }
            let check = Int(value % 37)
            guard check < 32 else { continue }
            digits.append(check)
            return String(digits.map { alphabet[$0] })
        }
    }

    /// The canonical form of what a person typed, or nil when it is not a valid code.
    public static func normalise(_ typed: String) -> String? {
        var digits: [Int] = []
        for ch in typed.uppercased() {
            switch ch {
            case " ", "-", "\t": continue
            case "O": digits.append(0)
            case "I", "L": digits.append(1)
            default:
                guard let i = alphabet.firstIndex(of: ch) else { return nil }
                digits.append(i)
            }
            if digits.count > length { return nil }
        }
        guard digits.count == length else { return nil }
        var value: UInt64 = 0
        for d in digits.dropLast() { value = value * 32 + UInt64(d) }
        guard Int(value % 37) == digits.last! else { return nil }
        return String(digits.map { alphabet[$0] })
    }

    /// `ABCDE-FGHJK`.
    public static func display(_ code: String) -> String {
        guard code.count == length else { return code }
        return String(code.prefix(5)) + "-" + String(code.suffix(5))
    }
}
