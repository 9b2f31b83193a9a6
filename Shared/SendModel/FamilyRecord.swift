/// The families' data rights (docs/PROTOCOL.md, comms, "Data rights"): the reply of
/// `families.export` (a subject access request) and of `families.erase`, used by comms and sendctl.
///
/// An export holds everything comms holds about one family or web enquirer, except its answers
/// to anonymous questionnaires: those are stored with no family, token or time, so nothing can
/// find them for a family (`anonymousNote` says so in the words the page prints).

/// `families.export {family_ref}` → everything held about one family.
public struct FamilyExport: Codable, Sendable, Hashable {
    public var familyRef: String
    /// `family` (imported by the council) or `enquirer` (asked a question on the web).
    public var kind: String
    /// When the export was made (RFC 3339).
    public var exportedAt: String
    /// Set when the family's personal data was erased (`families.erase` or retention): then only
    /// the reference, the dates and the statuses below remain.
    public var erasure: FamilyErasure?
    public var contact: FamilyContact
    public var preferences: FamilyPreferences
    public var children: [FamilyChild]
    public var messages: [FamilyMessage]
    /// The questionnaires the family was asked, anonymous ones included (whether it answered: that is all that is kept of those).
    public var questionnaires: [FamilyQuestionnaire]
    /// Named answers: each reply to a named (not anonymous) questionnaire, with the question texts.
    public var answers: [FamilyReply]
    public var enquiries: [FamilyEnquiry]
    /// Why answers to anonymous questionnaires are not in the export, in plain words.
    public var anonymousNote: String

    public static let anonymousNoteText = "Answers to anonymous questionnaires are not included. They are stored with no name, "
        + "reference, link or time, so nobody, including us, can tell which answers were yours."

    public init(familyRef: String, kind: String, exportedAt: String, erasure: FamilyErasure?, contact: FamilyContact,
                preferences: FamilyPreferences, children: [FamilyChild], messages: [FamilyMessage], questionnaires: [FamilyQuestionnaire],
                answers: [FamilyReply], enquiries: [FamilyEnquiry], anonymousNote: String = FamilyExport.anonymousNoteText) {
        self.familyRef = familyRef
        self.kind = kind
        self.exportedAt = exportedAt
        self.erasure = erasure
        self.contact = contact
        self.preferences = preferences
        self.children = children
        self.messages = messages
        self.questionnaires = questionnaires
        self.answers = answers
        self.enquiries = enquiries
        self.anonymousNote = anonymousNote
    }

    enum CodingKeys: String, CodingKey {
        case familyRef = "family_ref", kind, exportedAt = "exported_at", erasure, contact, preferences, children, messages
        case questionnaires, answers, enquiries, anonymousNote = "anonymous_note"
    }
}

/// When a family's data was erased (the reason stays in comms and is not exported).
public struct FamilyErasure: Codable, Sendable, Hashable {
    public var erasedAt: String
    public init(erasedAt: String) { self.erasedAt = erasedAt }
    enum CodingKeys: String, CodingKey { case erasedAt = "erased_at" }
}

public struct FamilyContact: Codable, Sendable, Hashable {
    public var name: String?
    public var email: String?
    public var mobile: String?
    public var address: String?

    public init(name: String?, email: String?, mobile: String?, address: String?) {
        self.name = name
        self.email = email
        self.mobile = mobile
        self.address = address
    }
}

public struct FamilyPreferences: Codable, Sendable, Hashable {
    public var preferredChannel: Channel?
    public var consent: Bool
    public var wantsUpdates: Bool
    public var optedOutAt: String?
    public var optOutReason: String?
    /// Contact details a provider refused for good (`email`, `mobile`, `address`).
    public var flagged: [String]

    public init(preferredChannel: Channel?, consent: Bool, wantsUpdates: Bool, optedOutAt: String?, optOutReason: String?, flagged: [String]) {
        self.preferredChannel = preferredChannel
        self.consent = consent
        self.wantsUpdates = wantsUpdates
        self.optedOutAt = optedOutAt
        self.optOutReason = optOutReason
        self.flagged = flagged
    }

    enum CodingKeys: String, CodingKey {
        case preferredChannel = "preferred_channel", consent, wantsUpdates = "wants_updates", optedOutAt = "opted_out_at"
        case optOutReason = "opt_out_reason", flagged
    }
}

public struct FamilyChild: Codable, Sendable, Hashable {
    public var childRef: String
    public var ehcPlan: Bool
    public var ehcPlanEnded: LocalDate?
    /// The families CSV's `support` (`ehc_plan`, `sen_support`, `none`); nil when not given (then `ehcPlan` decides).
    public var support: String?

    public init(childRef: String, ehcPlan: Bool, ehcPlanEnded: LocalDate?, support: String? = nil) {
        self.childRef = childRef
        self.ehcPlan = ehcPlan
        self.ehcPlanEnded = ehcPlanEnded
        self.support = support
    }

    enum CodingKeys: String, CodingKey { case childRef = "child_ref", ehcPlan = "ehc_plan", ehcPlanEnded = "ehc_plan_ended", support }
}

public struct FamilyMessage: Codable, Sendable, Hashable {
    /// `sp-<message id>`.
    public var reference: String
    /// `questionnaire`, `reminder`, `update`, `acknowledgement`, `answer`.
    public var kind: String
    public var channel: Channel
    public var status: MessageStatus
    public var attempts: Int64
    public var createdAt: String
    public var statusAt: String?
    public var sentAt: String?
    public var failure: String?
    /// The content while it is still kept (`SEND_MESSAGE_RETENTION_DAYS` after sending).
    public var subject: String?
    public var body: String?
    public var contentPurgedAt: String?

    public init(reference: String, kind: String, channel: Channel, status: MessageStatus, attempts: Int64, createdAt: String, statusAt: String?,
                sentAt: String?, failure: String?, subject: String?, body: String?, contentPurgedAt: String?) {
        self.reference = reference
        self.kind = kind
        self.channel = channel
        self.status = status
        self.attempts = attempts
        self.createdAt = createdAt
        self.statusAt = statusAt
        self.sentAt = sentAt
        self.failure = failure
        self.subject = subject
        self.body = body
        self.contentPurgedAt = contentPurgedAt
    }

    enum CodingKeys: String, CodingKey {
        case reference, kind, channel, status, attempts, createdAt = "created_at", statusAt = "status_at", sentAt = "sent_at", failure
        case subject, body, contentPurgedAt = "content_purged_at"
    }
}

public struct FamilyQuestionnaire: Codable, Sendable, Hashable {
    public var questionnaireID: Int64
    public var title: String
    public var anonymous: Bool
    public var answered: Bool

    public init(questionnaireID: Int64, title: String, anonymous: Bool, answered: Bool) {
        self.questionnaireID = questionnaireID
        self.title = title
        self.anonymous = anonymous
        self.answered = answered
    }

    enum CodingKeys: String, CodingKey { case questionnaireID = "questionnaire_id", title, anonymous, answered }
}

/// One reply to a named questionnaire.
public struct FamilyReply: Codable, Sendable, Hashable {
    public var questionnaireID: Int64
    public var title: String
    public var receivedAt: String
    public var answers: [FamilyAnswer]

    public init(questionnaireID: Int64, title: String, receivedAt: String, answers: [FamilyAnswer]) {
        self.questionnaireID = questionnaireID
        self.title = title
        self.receivedAt = receivedAt
        self.answers = answers
    }

    enum CodingKeys: String, CodingKey { case questionnaireID = "questionnaire_id", title, receivedAt = "received_at", answers }
}

public struct FamilyAnswer: Codable, Sendable, Hashable {
    public var question: Int
    public var text: String
    public var value: String

    public init(question: Int, text: String, value: String) {
        self.question = question
        self.text = text
        self.value = value
    }
}

public struct FamilyEnquiry: Codable, Sendable, Hashable {
    /// `E-<n>`.
    public var reference: String
    public var receivedVia: String
    public var receivedOn: LocalDate
    public var answerBy: LocalDate
    /// `open` or `answered`.
    public var status: String
    /// Empty once erased.
    public var text: String
    public var answer: String?
    public var answeredOn: LocalDate?

    public init(reference: String, receivedVia: String, receivedOn: LocalDate, answerBy: LocalDate, status: String, text: String,
                answer: String?, answeredOn: LocalDate?) {
        self.reference = reference
        self.receivedVia = receivedVia
        self.receivedOn = receivedOn
        self.answerBy = answerBy
        self.status = status
        self.text = text
        self.answer = answer
        self.answeredOn = answeredOn
    }

    enum CodingKeys: String, CodingKey {
        case reference, receivedVia = "received_via", receivedOn = "received_on", answerBy = "answer_by", status, text, answer
        case answeredOn = "answered_on"
    }
}

/// `families.erase {family_ref, reason}` → what was erased, in counts; the same counts as the `family.erased` event.
public struct FamilyErasureResult: Codable, Sendable, Hashable {
    public var familyRef: String
    public var erasedAt: String
    /// True when the family had been erased before: nothing more was done.
    public var already: Bool
    public var counts: ErasureCounts
    /// `PRAGMA secure_delete` on the writer's connection as the erasure ran: true means the
    /// erased values were overwritten in the database file, not only unlinked.
    public var secureDelete: Bool

    public init(familyRef: String, erasedAt: String, already: Bool, counts: ErasureCounts, secureDelete: Bool) {
        self.familyRef = familyRef
        self.erasedAt = erasedAt
        self.already = already
        self.counts = counts
        self.secureDelete = secureDelete
    }

    enum CodingKeys: String, CodingKey {
        case familyRef = "family_ref", erasedAt = "erased_at", already, counts, secureDelete = "secure_delete"
    }
}

/// What one erasure removed or kept anonymously, counted.
public struct ErasureCounts: Codable, Sendable, Hashable {
    /// Name, email, mobile, address and opt-out reason cleared (how many of the five were set).
    public var contactDetails: Int
    public var children: Int
    /// Messages whose subject, body or failure text was cleared (status, channel and dates kept).
    public var messages: Int
    public var attemptDetails: Int
    public var enquiries: Int
    /// Named replies unlinked from the family.
    public var replies: Int
    /// Their choice answers, kept anonymously so that results stay the same.
    public var answersKept: Int
    /// Their free-text answers, deleted (counted still as answered).
    public var freeTextDeleted: Int
    public var spoolFiles: Int

    public init(contactDetails: Int = 0, children: Int = 0, messages: Int = 0, attemptDetails: Int = 0, enquiries: Int = 0, replies: Int = 0,
                answersKept: Int = 0, freeTextDeleted: Int = 0, spoolFiles: Int = 0) {
        self.contactDetails = contactDetails
        self.children = children
        self.messages = messages
        self.attemptDetails = attemptDetails
        self.enquiries = enquiries
        self.replies = replies
        self.answersKept = answersKept
        self.freeTextDeleted = freeTextDeleted
        self.spoolFiles = spoolFiles
    }

    enum CodingKeys: String, CodingKey {
        case contactDetails = "contact_details", children, messages, attemptDetails = "attempt_details", enquiries, replies
        case answersKept = "answers_kept", freeTextDeleted = "free_text_deleted", spoolFiles = "spool_files"
    }
}
