import SendModel

/// Counts as a person reads them: "1 family", "3 families" — never "family(ies)".
enum Plural {
    /// "1 message", "0 messages"; `many` defaults to `one` + "s".
    static func of(_ n: Int64, _ one: String, _ many: String? = nil) -> String {
        "\(n) \(n == 1 ? one : many ?? one + "s")"
    }

    /// The same for a count in a reply (a missing count reads as 0).
    static func of(_ value: JSONValue?, _ one: String, _ many: String? = nil) -> String {
        of(value?.intValue ?? 0, one, many)
    }
}
