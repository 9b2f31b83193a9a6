/// Reads the fields of a JSON object and collects every bad one, each with its JSON path.
///
/// ```swift
/// let v = Validator(args)
/// let title = v.string("title", maxLength: 200)
/// let due = v.date("due")
/// try v.check()   // throws `invalid` naming every bad field
/// ```
public final class Validator {
    private let object: [String: JSONValue]
    private let path: String
    private let sink: ErrorSink

    final class ErrorSink { var errors: [FieldError] = [] }

    public var errors: [FieldError] { sink.errors }

    public init(_ value: JSONValue, path: String = "") {
        self.sink = ErrorSink()
        self.path = path
        if case .object(let o) = value { object = o } else {
            object = [:]
            sink.errors.append(FieldError(field: path.isEmpty ? "$" : path, message: "must be an object, got \(value.typeName)"))
        }
    }

    private init(object: [String: JSONValue], path: String, sink: ErrorSink) {
        self.object = object
        self.path = path
        self.sink = sink
    }

    public func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public func fail(_ key: String, _ message: String) { sink.errors.append(FieldError(field: fieldPath(key), message: message)) }

    /// Records an error at an exact path (for example an array element).
    public func failAt(_ fullPath: String, _ message: String) { sink.errors.append(FieldError(field: fullPath, message: message)) }

    public func has(_ key: String) -> Bool { if let v = object[key], !v.isNull { return true }; return false }

    public func raw(_ key: String) -> JSONValue? { object[key].flatMap { $0.isNull ? nil : $0 } }

    private func value(_ key: String, required: Bool) -> JSONValue? {
        guard let v = object[key], !v.isNull else {
            if required { fail(key, "is required") }
            return nil
        }
        return v
    }

    public func string(_ key: String, required: Bool = true, maxLength: Int = 2000, allowEmpty: Bool = false) -> String? {
        guard let v = value(key, required: required) else { return nil }
        guard let s = v.stringValue else { fail(key, "must be a string, got \(v.typeName)"); return nil }
        let trimmed = s.trimmingSpaces
        if trimmed.isEmpty && !allowEmpty { fail(key, "must not be empty"); return nil }
        if s.count > maxLength { fail(key, "must be at most \(maxLength) characters, got \(s.count)"); return nil }
        return trimmed
    }

    public func int(_ key: String, required: Bool = true, range: ClosedRange<Int64>? = nil) -> Int64? {
        guard let v = value(key, required: required) else { return nil }
        guard let i = v.intValue else { fail(key, "must be a whole number, got \(v.typeName)"); return nil }
        if let range, !range.contains(i) { fail(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(i)"); return nil }
        return i
    }

    public func double(_ key: String, required: Bool = true) -> Double? {
        guard let v = value(key, required: required) else { return nil }
        guard let d = v.doubleValue else { fail(key, "must be a number, got \(v.typeName)"); return nil }
        return d
    }

    public func bool(_ key: String, required: Bool = true) -> Bool? {
        guard let v = value(key, required: required) else { return nil }
        guard let b = v.boolValue else { fail(key, "must be true or false, got \(v.typeName)"); return nil }
        return b
    }

    public func date(_ key: String, required: Bool = true) -> LocalDate? {
        guard let v = value(key, required: required) else { return nil }
        guard let s = v.stringValue else { fail(key, "must be a date YYYY-MM-DD, got \(v.typeName)"); return nil }
        guard let d = LocalDate(iso: s) else { fail(key, "'\(s)' is not a date that exists (YYYY-MM-DD)"); return nil }
        return d
    }

    /// One of a closed set of strings, for example an enum's raw values.
    public func oneOf<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type, required: Bool = true) -> E?
    where E.RawValue == String {
        guard let v = value(key, required: required) else { return nil }
        let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
        guard let s = v.stringValue else { fail(key, "must be one of \(allowed), got \(v.typeName)"); return nil }
        guard let e = E(rawValue: s) else { fail(key, "'\(s)' is not one of \(allowed)"); return nil }
        return e
    }

    public func stringArray(_ key: String, required: Bool = true, minCount: Int = 0, maxLength: Int = 2000) -> [String]? {
        guard let v = value(key, required: required) else { return required || minCount == 0 ? nil : nil }
        guard let items = v.arrayValue else { fail(key, "must be an array of strings, got \(v.typeName)"); return nil }
        var result: [String] = []
        var ok = true
        for (i, item) in items.enumerated() {
            guard let s = item.stringValue, !s.trimmingSpaces.isEmpty, s.count <= maxLength else {
                failAt("\(fieldPath(key))[\(i)]", "must be a non-empty string of at most \(maxLength) characters")
                ok = false
                continue
            }
            result.append(s.trimmingSpaces)
        }
        if ok && result.count < minCount { fail(key, "must have at least \(minCount) item\(minCount == 1 ? "" : "s")"); return nil }
        return ok ? result : nil
    }

    /// A nested object, read with the same error list and a longer path.
    public func object(_ key: String, required: Bool = true) -> Validator? {
        guard let v = value(key, required: required) else { return nil }
        guard case .object(let o) = v else { fail(key, "must be an object, got \(v.typeName)"); return nil }
        return Validator(object: o, path: fieldPath(key), sink: sink)
    }

    /// The elements of an array of objects, each read with its own path (`findings[2]`).
    public func objects(_ key: String, required: Bool = true) -> [Validator]? {
        guard let v = value(key, required: required) else { return nil }
        guard let items = v.arrayValue else { fail(key, "must be an array, got \(v.typeName)"); return nil }
        var result: [Validator] = []
        for (i, item) in items.enumerated() {
            let p = "\(fieldPath(key))[\(i)]"
            guard case .object(let o) = item else { failAt(p, "must be an object, got \(item.typeName)"); continue }
            result.append(Validator(object: o, path: p, sink: sink))
        }
        return result
    }

    /// Throws `invalid` with every error collected so far.
    public func check() throws(ServiceError) {
        if !sink.errors.isEmpty { throw ServiceError.invalid(sink.errors) }
    }
}

extension String {
    /// The string without leading and trailing white space and newlines.
    public var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
