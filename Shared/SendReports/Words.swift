import SendModel

/// Dates, numbers and names as people read them (British English).
enum Words {
    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                         "November", "December"]

    /// "16 January 2018"
    static func longDate(_ d: LocalDate) -> String { "\(d.day) \(months[d.month - 1]) \(d.year)" }

    /// "16 Jan 2018"
    /// An action's due date, with the first agreed one beside it when a reschedule moved it:
    /// "30 Sep 2026 (first agreed 31 Jul 2026)".
    static func due(_ a: ReportData.Action) -> String {
        guard a.rescheduled, let baseline = a.baselineDue else { return shortDate(a.due) }
        return "\(shortDate(a.due)) (first agreed \(shortDate(baseline)))"
    }
    /// For the public: "March 2027", or "March 2027 (first planned for December 2026)" when the board
    /// agreed a new date in another month — a moved date is never shown as if it had always been so.
    static func publicDue(_ a: ReportData.Action) -> String {
        guard a.rescheduled, let baseline = a.baselineDue, monthYear(baseline) != monthYear(a.due) else { return monthYear(a.due) }
        return "\(monthYear(a.due)) (first planned for \(monthYear(baseline)))"
    }
    static func shortDate(_ d: LocalDate) -> String { "\(d.day) \(months[d.month - 1].prefix(3)) \(d.year)" }

    /// "July 2019"
    static func monthYear(_ d: LocalDate) -> String { "\(months[d.month - 1]) \(d.year)" }

    /// "Jul 2019"
    static func shortMonth(_ d: LocalDate) -> String { "\(months[d.month - 1].prefix(3)) \(d.year)" }

    /// At most two decimals, none when whole: 47, 47.5, 0.33.
    static func number(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        if r == r.rounded(), abs(r) < 1e15 { return String(Int64(r)) }
        return String(r)
    }

    static func count(_ n: Int) -> String {
        // Thousands separated by commas: 10,000.
        let s = String(abs(n))
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    /// 0.4286 → "42.9%"
    static func percent(_ fraction: Double) -> String {
        let p = (fraction * 1000).rounded() / 10
        return (p == p.rounded() ? String(Int(p)) : String(p)) + "%"
    }

    /// "1 action", "3 actions"
    static func plural(_ n: Int, _ one: String, _ many: String? = nil) -> String {
        "\(count(n)) \(n == 1 ? one : many ?? one + "s")"
    }

    static func kind(_ kind: FindingKind) -> String {
        switch kind {
        case .fundamentalFailing: "Fundamental failing"
        case .areaOfSignificantWeakness: "Area of significant weakness"
        case .priorityArea: "Priority area"
        case .areaForImprovement: "Area for improvement"
        case .strength: "Strength"
        }
    }

    static func status(_ s: ReportData.Status) -> String {
        switch s {
        case .notStarted: "not started"
        case .inProgress: "in progress"
        case .delayed: "delayed"
        case .completed: "completed"
        case .verified: "verified"
        case .cancelled: "cancelled"
        case .suspended: "suspended"
        }
    }

    /// How the public page names a status.
    static func publicStatus(_ s: ReportData.Status) -> String {
        switch s {
        case .notStarted: "Not started yet"
        case .inProgress: "Under way"
        case .delayed: "Delayed"
        case .completed: "Done"
        case .verified: "Done and checked by the board"
        case .cancelled: "Stopped"
        case .suspended: "Paused by the board"
        }
    }

    static func rag(_ r: ReportData.RAG?) -> String {
        switch r {
        case .red?: "Red"
        case .amber?: "Amber"
        case .green?: "Green"
        case nil: "Not rated"
        }
    }

    static func channel(_ c: String) -> String {
        switch c {
        case "email": "Email"
        case "sms": "Text message"
        case "letter": "Letter"
        case "not_delivered": "Not delivered"
        default: c.replacingOccurrences(of: "_", with: " ")
        }
    }

    static func answer(_ a: String, kind: String) -> String {
        switch (kind, a) {
        case ("yes_no", "yes"): "Yes"
        case ("yes_no", "no"): "No"
        case ("scale", "1"): "1 (lowest)"
        case ("scale", "5"): "5 (highest)"
        default: a
        }
    }

    /// "Lancashire" → "Lancashire"; "" → "the local area"
    static func area(_ data: ReportData) -> String {
        let a = data.inspection?.localArea ?? ""
        return a.isEmpty ? "the local area" : a
    }

    /// A sentence's first letter in capitals.
    static func capitalised(_ s: String) -> String {
        guard let first = s.first else { return s }
        return first.uppercased() + s.dropFirst()
    }

    /// "Set to delayed on 3 November 2026 by P-3, Head of SEND (action lead)"; "Created on …" for the
    /// first row of an action's history; "(before keys: who is not recorded)" for changes made before.
    static func statusSet(_ c: ReportData.StatusSet) -> String {
        let what = c.from == nil ? "Created" : "Set to \(status(c.to))"
        let who = c.by.map { " by " + changer($0) } ?? " (before keys: who is not recorded)"
        return "\(what) on \(longDate(c.on))\(who)"
    }

    /// A person of the register by id, post and role, never by name: "P-3, Head of SEND (action lead)";
    /// the stack's own changes: "the stack's own key", "the board service".
    static func changer(_ a: Actor) -> String {
        if a.role == .stack { return a.person == "stack" ? "the stack's own key" : "the \(a.person) service" }
        let post = a.post.map { $0.isEmpty ? "" : ", \($0)" } ?? ""
        return "\(a.person)\(post) (\(a.role.words))"
    }

    /// "in 12 days", "today", "12 days ago"
    static func relative(_ days: Int) -> String {
        switch days {
        case 0: "today"
        case 1: "tomorrow"
        case -1: "yesterday"
        case let n where n > 1: "in \(count(n)) days"
        default: "\(count(-days)) days ago"
        }
    }
}
