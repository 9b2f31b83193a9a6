import SendModel

/// A questionnaire form's fields as the browser sent them: `q1` … `qN` and `updates`. Checks each
/// answer against its question in a parent's words, and draws each field with what was given.
struct AnswerSet: Sendable {
    let raw: [String: [String]]

    init() { raw = [:] }
    init(_ form: FormBody) { raw = form.fields }

    var wantsUpdates: Bool { raw["updates"]?.first == "yes" }

    /// A choice is taken exactly as the form offered it; free text without its surrounding spaces.
    func value(_ q: PortalQuestion) -> String {
        let given = raw["q\(q.question)"]?.first ?? ""
        return q.kind == "free_text" ? given.trimmingCharacters(in: .whitespacesAndNewlines) : given
    }

    /// The id of the field an error links to: the first radio, or the text box.
    static func fieldID(_ q: PortalQuestion) -> String { q.kind == "free_text" ? "q\(q.question)" : "q\(q.question)-1" }

    /// The choices of a question with radios: (value sent, label shown).
    static func choices(_ q: PortalQuestion) -> [(String, String)] {
        switch q.kind {
        case "scale": [("1", "1 (lowest)"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5 (highest)")]
        case "yes_no": [("yes", "Yes"), ("no", "No")]
        default: q.options.map { ($0, $0) }
        }
    }

    /// Every problem, in question order, as (field id, message).
    func check(_ questions: [PortalQuestion]) -> [(String, String)] {
        var errors: [(String, String)] = []
        for q in questions {
            let v = value(q)
            if (raw["q\(q.question)"]?.count ?? 0) > 1 {
                errors.append((Self.fieldID(q), "Question \(q.question): give one answer"))
                continue
            }
            if v.isEmpty {
                if q.required {
                    errors.append((Self.fieldID(q), q.kind == "free_text" ? "Question \(q.question): write your answer"
                                                                          : "Question \(q.question): choose an answer"))
                }
                continue
            }
            if q.kind == "free_text" {
                let limit = q.maxLength ?? 5000
                if v.count > limit { errors.append((Self.fieldID(q), "Question \(q.question): your answer must be \(limit.formatted) characters or fewer (it has \(v.count.formatted))")) }
            } else if !Self.choices(q).contains(where: { $0.0 == v }) {
                errors.append((Self.fieldID(q), "Question \(q.question): choose one of the answers shown"))
            }
        }
        return errors
    }

    /// The answers to send: every question with a value.
    func values(for questions: [PortalQuestion]) -> [PortalAnswer] {
        questions.compactMap { q in
            let v = value(q)
            return v.isEmpty ? nil : PortalAnswer(question: q.question, value: v)
        }
    }

    func field(_ q: PortalQuestion, error: String?) -> String {
        let name = "q\(q.question)"
        let required = q.required ? " <span class=\"required\">(required)</span>" : ""
        let errorID = "\(name)-error"
        let errorHTML = error.map { "<p class=\"error-message\" id=\"\(errorID)\"><span class=\"visually-hidden\">Error:</span> \(HTMLText.escape($0))</p>" } ?? ""
        let given = value(q)
        var b = "<div class=\"field\(error == nil ? "" : " error")\">"
        if q.kind == "free_text" {
            let hintID = "\(name)-hint"
            let limit = q.maxLength ?? 5000
            b += "<label class=\"block\" for=\"\(name)\">\(q.question). \(HTMLText.escape(q.text))\(required)</label>"
            b += "<span class=\"hint\" id=\"\(hintID)\">Write as much or as little as you like, up to \(limit.formatted) characters.</span>"
            b += errorHTML
            b += "<textarea id=\"\(name)\" name=\"\(name)\" rows=\"6\" maxlength=\"\(limit)\" aria-describedby=\"\(hintID)\(error == nil ? "" : " " + errorID)\">"
            b += HTMLText.escape(given) + "</textarea>"
        } else {
            let choices = Self.choices(q)
            let hint: String? = switch q.kind {
            case "scale": "Choose a number from 1 to 5: 1 is the lowest, 5 the highest."
            default: nil
            }
            let hintID = "\(name)-hint"
            var described: [String] = []
            if hint != nil { described.append(hintID) }
            if error != nil { described.append(errorID) }
            b += "<fieldset\(described.isEmpty ? "" : " aria-describedby=\"\(described.joined(separator: " "))\"")>"
            b += "<legend>\(q.question). \(HTMLText.escape(q.text))\(required)</legend>"
            if let hint { b += "<span class=\"hint\" id=\"\(hintID)\">\(hint)</span>" }
            b += errorHTML
            b += "<div class=\"choices\(q.kind == "single_choice" ? "" : " row")\">"
            for (i, (value, label)) in choices.enumerated() {
                let id = "\(name)-\(i + 1)"
                b += "<div class=\"choice\"><input type=\"radio\" id=\"\(id)\" name=\"\(name)\" value=\"\(HTMLText.escape(value))\"\(given == value ? " checked" : "")>"
                b += "<label for=\"\(id)\">\(HTMLText.escape(label))</label></div>"
            }
            b += "</div></fieldset>"
        }
        b += "</div>\n"
        return b
    }

    func updatesField() -> String {
        var b = "<div class=\"field\"><fieldset><legend>Keep me updated</legend>"
        b += "<div class=\"choice\"><input type=\"checkbox\" id=\"updates\" name=\"updates\" value=\"yes\"\(wantsUpdates ? " checked" : "")>"
        b += "<label for=\"updates\">Send me updates about what changes because of what families tell you</label></div>"
        b += "</fieldset></div>\n"
        return b
    }
}

extension Int {
    /// "5,000".
    var formatted: String {
        let digits = String(abs(self))
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return (self < 0 ? "-" : "") + out
    }
}
