import SendModel

/// Field helpers beside `Validator`: unknown keys, closed sets inside arrays, ids and one-line text.
enum Fields {
    /// Fails every key of `value` (an object) that is not in `allowed`, with its full path.
    static func rejectUnknown(_ value: JSONValue?, allowed: [String], path: String, in v: Validator) {
        guard let object = value?.objectValue else { return }
        for key in object.keys.sorted() where !allowed.contains(key) {
            v.failAt(path.isEmpty ? key : "\(path).\(key)", "unknown field; expected \(allowed.joined(separator: ", "))")
        }
    }

    /// A readable id (see `Identifiers`), or nil after recording the problem.
    static func id(_ key: String, in v: Validator, required: Bool) -> String? {
        guard let id = v.string(key, required: required, maxLength: Identifiers.maxLength) else { return nil }
        if let problem = Identifiers.problem(with: id) { v.fail(key, problem); return nil }
        return id
    }

    /// One line of text: no line breaks.
    static func line(_ key: String, in v: Validator, maxLength: Int, required: Bool = true) -> String? {
        guard let text = v.string(key, required: required, maxLength: maxLength) else { return nil }
        if text.contains(where: \.isNewline) { v.fail(key, "must be one line (no line breaks)"); return nil }
        return text
    }

    /// An array of values from a closed set, each bad element named by its index; duplicates dropped.
    static func oneOfEach<E: RawRepresentable & CaseIterable & Equatable>(
        _ key: String, _ type: E.Type, in v: Validator, required: Bool, minCount: Int
    ) -> [E]? where E.RawValue == String {
        guard let raw = v.raw(key) else {
            if required { v.fail(key, "is required") }
            return nil
        }
        let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
        guard let items = raw.arrayValue else { v.fail(key, "must be an array of \(allowed), got \(raw.typeName)"); return nil }
        var result: [E] = []
        var ok = true
        for (i, item) in items.enumerated() {
            guard let text = item.stringValue, let value = E(rawValue: text) else {
                let shown = item.stringValue.map { "'\($0)'" } ?? item.typeName
                v.failAt("\(v.fieldPath(key))[\(i)]", "\(shown) is not one of \(allowed)")
                ok = false
                continue
            }
            if !result.contains(value) { result.append(value) }
        }
        guard ok else { return nil }
        if result.count < minCount { v.fail(key, "must name at least \(minCount): \(allowed)"); return nil }
        return result
    }

    /// Values of a closed set in the set's own order (so that equal sets compare and store equal).
    static func canonical<E: CaseIterable & Equatable>(_ values: [E]) -> [E] {
        E.allCases.filter { values.contains($0) }
    }

    static func stringArray(_ text: String) -> [String] {
        (try? JSONValue.parse(Array(text.utf8)))?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    static func jsonText(_ strings: [String]) -> String {
        JSONValue.array(strings.map { .string($0) }).jsonString
    }

    /// Text for a message, cut to `limit` characters.
    static func quote(_ text: String?, limit: Int = 60) -> String {
        guard let text else { return "(none)" }
        return text.count <= limit ? "'\(text)'" : "'\(text.prefix(limit - 1))…'"
    }
}
