/// comms' events (docs/PROTOCOL.md, comms, Events): ids, titles and counts only — never a
/// family's name, contact detail or answer.

/// `family.imported`: counts of one `families.import` (one chunk of a chunked file).
public struct FamilyImported: EventPayload, Hashable {
    public static let eventType = EventType.familyImported
    public var rows: Int
    public var imported: Int
    public var rejectedRows: Int
    public var familiesCreated: Int
    public var familiesUpdated: Int
    public var childrenCreated: Int
    public var childrenUpdated: Int
    public var importID: String?
    public var chunk: Int64?
    public var chunks: Int64?

    public init(rows: Int, imported: Int, rejectedRows: Int, familiesCreated: Int, familiesUpdated: Int, childrenCreated: Int,
                childrenUpdated: Int, importID: String? = nil, chunk: Int64? = nil, chunks: Int64? = nil) {
        self.rows = rows
        self.imported = imported
        self.rejectedRows = rejectedRows
        self.familiesCreated = familiesCreated
        self.familiesUpdated = familiesUpdated
        self.childrenCreated = childrenCreated
        self.childrenUpdated = childrenUpdated
        self.importID = importID
        self.chunk = chunk
        self.chunks = chunks
    }

    enum CodingKeys: String, CodingKey {
        case rows, imported, rejectedRows = "rejected_rows", familiesCreated = "families_created", familiesUpdated = "families_updated"
        case childrenCreated = "children_created", childrenUpdated = "children_updated", importID = "import_id", chunk, chunks
    }

    public static var example: Self {
        .init(rows: 3, imported: 2, rejectedRows: 1, familiesCreated: 2, familiesUpdated: 0, childrenCreated: 2, childrenUpdated: 0,
              importID: "imp-1", chunk: 1, chunks: 2)
    }
}

/// `questionnaire.created`.
public struct QuestionnaireCreated: EventPayload, Hashable {
    public static let eventType = EventType.questionnaireCreated
    public var questionnaireID: Int64
    public var title: String
    public var anonymous: Bool
    public var audience: QuestionnaireAudience
    public var questions: Int
    public var opens: LocalDate
    /// `null` when it stays open.
    public var closes: LocalDate?
    /// The questionnaire this one is a new round of; `null` when none (and in events before issue 18).
    public var repeats: Int64?

    public init(questionnaireID: Int64, title: String, anonymous: Bool, audience: QuestionnaireAudience, questions: Int, opens: LocalDate, closes: LocalDate?,
                repeats: Int64? = nil) {
        self.questionnaireID = questionnaireID
        self.title = title
        self.anonymous = anonymous
        self.audience = audience
        self.questions = questions
        self.opens = opens
        self.closes = closes
        self.repeats = repeats
    }

    enum CodingKeys: String, CodingKey {
        case questionnaireID = "questionnaire_id", title, anonymous, audience, questions, opens, closes, repeats
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(questionnaireID, forKey: .questionnaireID)
        try c.encode(title, forKey: .title)
        try c.encode(anonymous, forKey: .anonymous)
        try c.encode(audience, forKey: .audience)
        try c.encode(questions, forKey: .questions)
        try c.encode(opens, forKey: .opens)
        try c.encode(closes, forKey: .closes)
        try c.encode(repeats, forKey: .repeats)
    }

    public static var example: Self {
        .init(questionnaireID: 1, title: "Your views on EHC plans", anonymous: false, audience: .all, questions: 4,
              opens: LocalDate(iso: "2026-03-01")!, closes: LocalDate(iso: "2026-03-21")!)
    }
}

/// Which batch of messages a dispatch event is about: a questionnaire (or its reminder round) or an update.
public struct DispatchIdentity: Codable, Sendable, Hashable {
    public var dispatchID: Int64
    public var kind: DispatchKind
    public var round: Int64
    public var questionnaireID: Int64?
    public var updateID: Int64?
    /// The questionnaire's or update's title.
    public var title: String

    public init(dispatchID: Int64, kind: DispatchKind, round: Int64, questionnaireID: Int64?, updateID: Int64?, title: String) {
        self.dispatchID = dispatchID
        self.kind = kind
        self.round = round
        self.questionnaireID = questionnaireID
        self.updateID = updateID
        self.title = title
    }
}

/// `dispatch.started`: messages were queued for a dispatch.
public struct DispatchStarted: EventPayload, Hashable {
    public static let eventType = EventType.dispatchStarted
    public var dispatch: DispatchIdentity
    public var queued: Int
    public var byChannel: [String: Int64]

    public init(dispatch: DispatchIdentity, queued: Int, byChannel: [String: Int64]) {
        self.dispatch = dispatch
        self.queued = queued
        self.byChannel = byChannel
    }

    enum CodingKeys: String, CodingKey {
        case dispatchID = "dispatch_id", kind, round, questionnaireID = "questionnaire_id", updateID = "update_id", title
        case queued, byChannel = "by_channel"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dispatch = DispatchIdentity(dispatchID: try c.decode(Int64.self, forKey: .dispatchID), kind: try c.decode(DispatchKind.self, forKey: .kind),
                                    round: try c.decode(Int64.self, forKey: .round),
                                    questionnaireID: try c.decodeIfPresent(Int64.self, forKey: .questionnaireID),
                                    updateID: try c.decodeIfPresent(Int64.self, forKey: .updateID), title: try c.decode(String.self, forKey: .title))
        queued = try c.decode(Int.self, forKey: .queued)
        byChannel = try c.decode([String: Int64].self, forKey: .byChannel)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dispatch.dispatchID, forKey: .dispatchID)
        try c.encode(dispatch.kind, forKey: .kind)
        try c.encode(dispatch.round, forKey: .round)
        try c.encodeIfPresent(dispatch.questionnaireID, forKey: .questionnaireID)
        try c.encodeIfPresent(dispatch.updateID, forKey: .updateID)
        try c.encode(dispatch.title, forKey: .title)
        try c.encode(queued, forKey: .queued)
        try c.encode(byChannel, forKey: .byChannel)
    }

    public static var example: Self {
        .init(dispatch: .init(dispatchID: 1, kind: .questionnaire, round: 0, questionnaireID: 1, updateID: 2, title: "Your views"),
              queued: 3, byChannel: ["email": 3])
    }
}

/// `dispatch.completed`: every message of a dispatch is final.
public struct DispatchCompleted: EventPayload, Hashable {
    public static let eventType = EventType.dispatchCompleted
    public var dispatch: DispatchIdentity
    public var messages: Int64
    public var delivered: Int64
    /// Permanent, temporary and technical failures.
    public var failed: Int64
    public var byStatus: [String: Int64]
    public var byChannel: [String: [String: Int64]]

    public init(dispatch: DispatchIdentity, messages: Int64, delivered: Int64, failed: Int64, byStatus: [String: Int64],
                byChannel: [String: [String: Int64]]) {
        self.dispatch = dispatch
        self.messages = messages
        self.delivered = delivered
        self.failed = failed
        self.byStatus = byStatus
        self.byChannel = byChannel
    }

    enum CodingKeys: String, CodingKey {
        case dispatchID = "dispatch_id", kind, round, questionnaireID = "questionnaire_id", updateID = "update_id", title
        case messages, delivered, failed, byStatus = "by_status", byChannel = "by_channel"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dispatch = DispatchIdentity(dispatchID: try c.decode(Int64.self, forKey: .dispatchID), kind: try c.decode(DispatchKind.self, forKey: .kind),
                                    round: try c.decode(Int64.self, forKey: .round),
                                    questionnaireID: try c.decodeIfPresent(Int64.self, forKey: .questionnaireID),
                                    updateID: try c.decodeIfPresent(Int64.self, forKey: .updateID), title: try c.decode(String.self, forKey: .title))
        messages = try c.decode(Int64.self, forKey: .messages)
        delivered = try c.decode(Int64.self, forKey: .delivered)
        failed = try c.decode(Int64.self, forKey: .failed)
        byStatus = try c.decode([String: Int64].self, forKey: .byStatus)
        byChannel = try c.decode([String: [String: Int64]].self, forKey: .byChannel)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dispatch.dispatchID, forKey: .dispatchID)
        try c.encode(dispatch.kind, forKey: .kind)
        try c.encode(dispatch.round, forKey: .round)
        try c.encodeIfPresent(dispatch.questionnaireID, forKey: .questionnaireID)
        try c.encodeIfPresent(dispatch.updateID, forKey: .updateID)
        try c.encode(dispatch.title, forKey: .title)
        try c.encode(messages, forKey: .messages)
        try c.encode(delivered, forKey: .delivered)
        try c.encode(failed, forKey: .failed)
        try c.encode(byStatus, forKey: .byStatus)
        try c.encode(byChannel, forKey: .byChannel)
    }

    public static var example: Self {
        .init(dispatch: .init(dispatchID: 1, kind: .questionnaire, round: 0, questionnaireID: 1, updateID: 2, title: "Your views"),
              messages: 3, delivered: 2, failed: 1, byStatus: ["delivered": 2], byChannel: ["email": ["delivered": 2]])
    }
}

/// `message.failed`: a message gave up on a channel (tried on the next one, or failed for good).
public struct MessageFailed: EventPayload, Hashable {
    public static let eventType = EventType.messageFailed
    public var messageID: Int64
    public var reference: String
    public var kind: String
    public var channel: Channel
    public var status: MessageStatus
    /// The channel it is tried on next; `null`: no channel left.
    public var nextChannel: Channel?
    public var dispatchID: Int64?
    public var enquiryID: Int64?

    public init(messageID: Int64, reference: String, kind: String, channel: Channel, status: MessageStatus, nextChannel: Channel?,
                dispatchID: Int64?, enquiryID: Int64?) {
        self.messageID = messageID
        self.reference = reference
        self.kind = kind
        self.channel = channel
        self.status = status
        self.nextChannel = nextChannel
        self.dispatchID = dispatchID
        self.enquiryID = enquiryID
    }

    enum CodingKeys: String, CodingKey {
        case messageID = "message_id", reference, kind, channel, status, nextChannel = "next_channel", dispatchID = "dispatch_id"
        case enquiryID = "enquiry_id"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(messageID, forKey: .messageID)
        try c.encode(reference, forKey: .reference)
        try c.encode(kind, forKey: .kind)
        try c.encode(channel, forKey: .channel)
        try c.encode(status, forKey: .status)
        try c.encode(nextChannel, forKey: .nextChannel)
        try c.encodeIfPresent(dispatchID, forKey: .dispatchID)
        try c.encodeIfPresent(enquiryID, forKey: .enquiryID)
    }

    public static var example: Self {
        .init(messageID: 7, reference: "sp-7", kind: "questionnaire", channel: .email, status: .permanentFailure, nextChannel: .sms,
              dispatchID: 1, enquiryID: 2)
    }
}

/// `response.received`.
public struct ResponseReceived: EventPayload, Hashable {
    public static let eventType = EventType.responseReceived
    public var questionnaireID: Int64
    /// How many responses (1, or the rows of an import).
    public var responses: Int64
    public var source: ResponseSource

    public init(questionnaireID: Int64, responses: Int64, source: ResponseSource) {
        self.questionnaireID = questionnaireID
        self.responses = responses
        self.source = source
    }

    enum CodingKeys: String, CodingKey { case questionnaireID = "questionnaire_id", responses, source }

    public static var example: Self { .init(questionnaireID: 1, responses: 1, source: .portal) }
}

/// `update.drafted`: a "you said, we did" draft was made from a board event.
public struct UpdateDrafted: EventPayload, Hashable {
    public static let eventType = EventType.updateDrafted
    public var updateID: Int64
    /// The action a "you said, we did" update is about; null for a chair's update.
    public var actionID: String?
    public var outcome: UpdateOutcome
    public var needsReason: Bool
    /// The board's chair's update it carries (`CU-001`); null for an action's update.
    public var chairUpdateID: String?

    public init(updateID: Int64, actionID: String?, outcome: UpdateOutcome, needsReason: Bool, chairUpdateID: String? = nil) {
        self.updateID = updateID
        self.actionID = actionID
        self.outcome = outcome
        self.needsReason = needsReason
        self.chairUpdateID = chairUpdateID
    }

    enum CodingKeys: String, CodingKey {
        case updateID = "update_id", actionID = "action_id", outcome, needsReason = "needs_reason", chairUpdateID = "chair_update_id"
    }

    /// `action_id` and `chair_update_id` are always on the wire: one of them null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(updateID, forKey: .updateID)
        try c.encode(actionID, forKey: .actionID)
        try c.encode(outcome, forKey: .outcome)
        try c.encode(needsReason, forKey: .needsReason)
        try c.encode(chairUpdateID, forKey: .chairUpdateID)
    }

    public static var example: Self { .init(updateID: 1, actionID: "A-0001", outcome: .cancelled, needsReason: false) }
}

/// `update.published`.
public struct UpdatePublished: EventPayload, Hashable {
    public static let eventType = EventType.updatePublished
    public var updateID: Int64
    /// The action a "you said, we did" update is about; null for a chair's update.
    public var actionID: String?
    public var title: String
    public var dispatchID: Int64
    public var recipients: Int64
    public var queued: Int64
    /// The board's chair's update it carries (`CU-001`); null for an action's update.
    public var chairUpdateID: String?

    public init(updateID: Int64, actionID: String?, title: String, dispatchID: Int64, recipients: Int64, queued: Int64,
                chairUpdateID: String? = nil) {
        self.updateID = updateID
        self.actionID = actionID
        self.title = title
        self.dispatchID = dispatchID
        self.recipients = recipients
        self.queued = queued
        self.chairUpdateID = chairUpdateID
    }

    enum CodingKeys: String, CodingKey {
        case updateID = "update_id", actionID = "action_id", title, dispatchID = "dispatch_id", recipients, queued
        case chairUpdateID = "chair_update_id"
    }

    /// `action_id` and `chair_update_id` are always on the wire: one of them null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(updateID, forKey: .updateID)
        try c.encode(actionID, forKey: .actionID)
        try c.encode(title, forKey: .title)
        try c.encode(dispatchID, forKey: .dispatchID)
        try c.encode(recipients, forKey: .recipients)
        try c.encode(queued, forKey: .queued)
        try c.encode(chairUpdateID, forKey: .chairUpdateID)
    }

    public static var example: Self {
        .init(updateID: 1, actionID: "A-0001", title: "You said, we did", dispatchID: 3, recipients: 10, queued: 10)
    }
}

/// `enquiry.received`.
public struct EnquiryReceived: EventPayload, Hashable {
    public static let eventType = EventType.enquiryReceived
    public var enquiryID: Int64
    public var receivedOn: LocalDate
    public var answerBy: LocalDate

    public init(enquiryID: Int64, receivedOn: LocalDate, answerBy: LocalDate) {
        self.enquiryID = enquiryID
        self.receivedOn = receivedOn
        self.answerBy = answerBy
    }

    enum CodingKeys: String, CodingKey { case enquiryID = "enquiry_id", receivedOn = "received_on", answerBy = "answer_by" }

    public static var example: Self { .init(enquiryID: 1, receivedOn: LocalDate(iso: "2026-03-02")!, answerBy: LocalDate(iso: "2026-03-09")!) }
}

/// `enquiry.escalated`: not answered within its working days.
public struct EnquiryEscalated: EventPayload, Hashable {
    public static let eventType = EventType.enquiryEscalated
    public var enquiryID: Int64
    public var receivedOn: LocalDate
    public var answerBy: LocalDate
    public var workingDaysOverdue: Int
    public var urgent: Bool

    public init(enquiryID: Int64, receivedOn: LocalDate, answerBy: LocalDate, workingDaysOverdue: Int) {
        self.enquiryID = enquiryID
        self.receivedOn = receivedOn
        self.answerBy = answerBy
        self.workingDaysOverdue = workingDaysOverdue
        self.urgent = true
    }

    enum CodingKeys: String, CodingKey {
        case enquiryID = "enquiry_id", receivedOn = "received_on", answerBy = "answer_by", workingDaysOverdue = "working_days_overdue", urgent
    }

    public static var example: Self {
        .init(enquiryID: 1, receivedOn: LocalDate(iso: "2026-03-02")!, answerBy: LocalDate(iso: "2026-03-09")!, workingDaysOverdue: 2)
    }
}

/// `enquiry.answered`.
public struct EnquiryAnswered: EventPayload, Hashable {
    public static let eventType = EventType.enquiryAnswered
    public var enquiryID: Int64
    public var answeredOn: LocalDate
    public var answerBy: LocalDate
    public var late: Bool

    public init(enquiryID: Int64, answeredOn: LocalDate, answerBy: LocalDate, late: Bool) {
        self.enquiryID = enquiryID
        self.answeredOn = answeredOn
        self.answerBy = answerBy
        self.late = late
    }

    enum CodingKeys: String, CodingKey { case enquiryID = "enquiry_id", answeredOn = "answered_on", answerBy = "answer_by", late }

    public static var example: Self {
        .init(enquiryID: 1, answeredOn: LocalDate(iso: "2026-03-05")!, answerBy: LocalDate(iso: "2026-03-09")!, late: false)
    }
}

/// `family.erased`: one family's personal data was erased (`families.erase`). Ids and counts only:
/// comms' own id of the family (never the council's reference, a name or the reason).
public struct FamilyErased: EventPayload, Hashable {
    public static let eventType = EventType.familyErased
    public var familyID: Int64
    /// `family` or `enquirer`.
    public var kind: String
    public var counts: ErasureCounts

    public init(familyID: Int64, kind: String, counts: ErasureCounts) {
        self.familyID = familyID
        self.kind = kind
        self.counts = counts
    }

    enum CodingKeys: String, CodingKey { case familyID = "family_id", kind, counts }

    public static var example: Self {
        .init(familyID: 7, kind: "family", counts: ErasureCounts(contactDetails: 4, children: 2, messages: 3, attemptDetails: 3, enquiries: 1,
                                                                  replies: 1, answersKept: 2, freeTextDeleted: 1, spoolFiles: 1))
    }
}

/// `retention.erased`: the daily retention job erased families whose children's EHC plans all
/// ended before `plansEndedBefore`, and web enquirers whose enquiries were all answered before
/// `answeredBefore`. Counts only.
public struct RetentionErased: EventPayload, Hashable {
    public static let eventType = EventType.retentionErased
    public var families: Int
    public var enquirers: Int
    public var plansEndedBefore: LocalDate
    public var answeredBefore: LocalDate
    /// True when the job stopped at its batch size and erases the rest on its next run.
    public var more: Bool

    public init(families: Int, enquirers: Int, plansEndedBefore: LocalDate, answeredBefore: LocalDate, more: Bool) {
        self.families = families
        self.enquirers = enquirers
        self.plansEndedBefore = plansEndedBefore
        self.answeredBefore = answeredBefore
        self.more = more
    }

    enum CodingKeys: String, CodingKey {
        case families, enquirers, plansEndedBefore = "plans_ended_before", answeredBefore = "answered_before", more
    }

    public static var example: Self {
        .init(families: 3, enquirers: 1, plansEndedBefore: LocalDate(iso: "2024-03-02")!, answeredBefore: LocalDate(iso: "2025-03-02")!,
              more: false)
    }
}
