public import SendModel

/// The page sent to a family that asked what is held about it (`sendctl families export`): every
/// item of a `FamilyExport`, in plain English, in the reports' frame (no scripts, no network, one
/// heading per part, tables with captions).
public enum FamilyRecordPage {
    /// A child's support in a family's words; without a stated one, what its EHC plan means for the results' split.
    static func support(_ c: FamilyChild) -> String {
        switch c.support {
        case "ehc_plan"?: "EHC plan"
        case "sen_support"?: "SEN support"
        case "none"?: "Neither"
        default: c.ehcPlan ? "EHC plan (from the plan column)" : "SEN support (from the plan column)"
        }
    }

    public static func render(_ e: FamilyExport) -> String {
        var h = HTML(capacity: 16 * 1024)
        let exported = Timestamp(rfc3339: e.exportedAt)?.date
        let enquirer = e.kind == "enquirer"
        Page.start(&h, title: "The information we hold about you",
                   description: "Everything the SEND Partnership's family communications service holds about you, for your subject access request.")
        h.raw("<header class=\"masthead\"><div class=\"wrap\">")
        h.element("p", ["class": "kicker"], "SEND Partnership")
        h.element("h1", [:], "The information we hold about you")
        h.element("p", [:], "Your reference: \(e.familyRef). " + (exported.map { "Made on \(Words.longDate($0))." } ?? ""))
        h.raw("</div></header>\n<div class=\"wrap\">\n<main id=\"main\">\n")
        h.element("p", ["class": "lede"], "You asked us what information we hold about you. This page shows all of it: "
            + (enquirer ? "you contacted us through our website, " : "")
            + "your contact details, your choices about how we contact you, "
            + (enquirer ? "" : "your children's references, ")
            + "the messages we sent you, your answers to our named questionnaires and your enquiries with our answers.")
        if let erasure = e.erasure {
            h.element("p", ["class": "note"], "Your personal details were erased on \(day(erasure.erasedAt)). We no longer hold your name, "
                + "contact details, the words of our messages to you, your enquiries or your answers. We keep only your reference, "
                + "dates and whether each message reached you, so that our figures stay right.")
        }

        h.element("h2", ["id": "contact"], "Your contact details")
        facts(&h, [("Name", e.contact.name), ("Email", e.contact.email), ("Mobile", e.contact.mobile), ("Address", e.contact.address)])

        h.element("h2", ["id": "choices"], "How we contact you")
        let p = e.preferences
        var choices: [(String, String?)] = [
            ("How you prefer to hear from us", p.preferredChannel.map { Words.channel($0.rawValue) } ?? "No preference given"),
            ("Agreed to be contacted", p.consent ? "Yes" : "No"),
            ("Wants news of what changed (\"you said, we did\")", p.wantsUpdates ? "Yes" : "No"),
            ("Asked us to stop sending messages", p.optedOutAt.map { "Yes, on \(day($0))" } ?? "No"),
        ]
        if let reason = p.optOutReason { choices.append(("Your reason for stopping", reason)) }
        if !p.flagged.isEmpty {
            choices.append(("Contact details that did not work", p.flagged.map(Words.capitalised).joined(separator: ", ")))
        }
        facts(&h, choices)

        if !enquirer {
            h.element("h2", ["id": "children"], "Your children")
            if e.children.isEmpty {
                h.element("p", [:], "We hold no children's references for you.")
            } else {
                h.table(caption: "Your children, by the council's reference", headers: ["Reference", "EHC plan", "Plan ended", "Support"],
                        rows: e.children.map { [$0.childRef, $0.ehcPlan ? "Yes" : "No", $0.ehcPlanEnded.map(Words.longDate) ?? "—",
                                                Self.support($0)] })
            }
        }

        h.element("h2", ["id": "messages"], "Messages we sent you")
        if e.messages.isEmpty {
            h.element("p", [:], "We have not sent you any messages.")
        } else {
            h.element("p", [:], "We keep the words of a message for a short time after sending it; after that we keep only what it was, "
                + "how it went and when.")
            h.table(caption: "Every message we sent you or tried to send", headers: ["Reference", "What", "How", "What happened", "Tries", "Created", "Sent"],
                    rows: e.messages.map { m in
                        [m.reference, kind(m.kind), Words.channel(m.channel.rawValue), status(m.status), String(m.attempts), day(m.createdAt),
                         m.sentAt.map(day) ?? "—"]
                    }, numeric: [4])
            for m in e.messages where m.subject != nil || m.body != nil {
                h.element("h3", [:], "The words of message \(m.reference)")
                if let subject = m.subject { facts(&h, [("Subject", subject)]) }
                if let body = m.body { h.element("p", ["class": "quote"], body) }
            }
        }

        h.element("h2", ["id": "questionnaires"], "Questionnaires")
        if e.questionnaires.isEmpty {
            h.element("p", [:], "We have not asked you to answer any questionnaire.")
        } else {
            h.table(caption: "Questionnaires we asked you to answer", headers: ["Questionnaire", "Anonymous", "You answered"],
                    rows: e.questionnaires.map { [$0.title, $0.anonymous ? "Yes" : "No", $0.answered ? "Yes" : "No"] })
        }
        h.element("h3", ["id": "answers"], "Your answers")
        if e.answers.isEmpty {
            h.element("p", [:], "We hold no answers that are linked to you.")
        }
        for reply in e.answers {
            h.table(caption: "Your answers to \(reply.title), received \(day(reply.receivedAt))", headers: ["Question", "Your answer"],
                    rows: reply.answers.map { [$0.text, $0.value] })
        }
        h.element("p", ["class": "note"], e.anonymousNote)

        h.element("h2", ["id": "enquiries"], "Your enquiries")
        if e.enquiries.isEmpty {
            h.element("p", [:], "You have not sent us an enquiry.")
        }
        for q in e.enquiries {
            h.element("h3", [:], "Enquiry \(q.reference), received \(Words.longDate(q.receivedOn))")
            facts(&h, [("Received by", q.receivedVia.replacingOccurrences(of: "_", with: " ")), ("Answer due by", Words.longDate(q.answerBy)),
                       ("Answered", q.answeredOn.map(Words.longDate) ?? (q.status == "answered" ? "Yes" : "Not yet"))])
            if !q.text.isEmpty {
                h.element("h4", [:], "What you asked")
                h.element("p", ["class": "quote"], q.text)
            }
            if let answer = q.answer {
                h.element("h4", [:], "Our answer")
                h.element("p", ["class": "quote"], answer)
            }
        }

        h.element("h2", ["id": "rights"], "Your rights")
        h.element("p", [:], "You can ask us to correct anything on this page that is wrong, to stop sending you messages, or to erase "
            + "your information. Reply to the message this page came with, or write to us quoting your reference \(e.familyRef).")
        h.raw("</main>\n</div>")
        Page.finish(&h)
        return h.out
    }

    static func facts(_ h: inout HTML, _ items: [(String, String?)]) {
        h.wrap("dl", ["class": "facts"]) { h in
            for (term, value) in items {
                h.element("dt", [:], term)
                h.element("dd", [:], value ?? "None held")
            }
        }
    }

    /// A date from an RFC 3339 time, as people write it.
    static func day(_ time: String) -> String { Timestamp(rfc3339: time).map { Words.longDate($0.date) } ?? time }

    static func kind(_ k: String) -> String {
        switch k {
        case "questionnaire": "A questionnaire"
        case "reminder": "A reminder about a questionnaire"
        case "update": "News of what changed"
        case "acknowledgement": "We received your enquiry"
        case "answer": "Our answer to your enquiry"
        default: Words.capitalised(k)
        }
    }

    static func status(_ s: MessageStatus) -> String {
        switch s {
        case .queued, .sending: "Waiting to be sent"
        case .delivered: "Delivered"
        case .temporaryFailure: "Could not be delivered yet"
        case .permanentFailure: "Could not be delivered"
        case .technicalFailure: "Not sent: a fault on our side"
        case .cancelled: "Not sent: cancelled"
        }
    }
}
