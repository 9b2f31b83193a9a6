/// The closed set of error codes on the wire (DESIGN.md).
public enum ErrorCode: String, Sendable, Codable, CaseIterable {
    /// Not JSON, a wrong envelope, or a message over the size limit.
    case badRequest = "bad_request"
    case unknownCommand = "unknown_command"
    /// A field fails validation; the error names the field.
    case invalid
    case notFound = "not_found"
    /// An illegal state change or a duplicate.
    case conflict
    /// The caller's key may not do this: its role is not one the command allows (the message names them).
    case forbidden
    /// The service cannot do it now (stopping, disk read-only or full); safe to retry.
    case unavailable
    case `internal`
}

/// One bad field: its JSON path (`findings[2].kind`) and what is wrong with it.
public struct FieldError: Sendable, Hashable, Codable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
    public var json: JSONValue { ["field": .string(field), "message": .string(message)] }
}

/// An error a command handler returns to its caller; becomes the reply's `error` object.
///
/// The message is for people and must hold no personal data: ids and counts only.
public struct ServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    public var field: String?
    public var details: [FieldError]

    public init(_ code: ErrorCode, _ message: String, field: String? = nil, details: [FieldError] = []) {
        self.code = code
        self.message = message
        self.field = field
        self.details = details
    }

    public static func invalid(_ field: String, _ message: String) -> ServiceError {
        ServiceError(.invalid, "\(field): \(message)", field: field, details: [FieldError(field: field, message: message)])
    }

    /// Every bad field at once; `field` names the first.
    public static func invalid(_ errors: [FieldError], summary: String? = nil) -> ServiceError {
        let text = summary ?? (errors.count == 1 ? errors[0].description
            : "\(errors.count) fields are invalid: " + errors.map(\.description).joined(separator: "; "))
        return ServiceError(.invalid, text, field: errors.first?.field, details: errors)
    }

    public static func notFound(_ what: String) -> ServiceError { ServiceError(.notFound, "\(what) not found") }
    public static func conflict(_ message: String) -> ServiceError { ServiceError(.conflict, message) }
    public static func badRequest(_ message: String, field: String? = nil) -> ServiceError {
        ServiceError(.badRequest, message, field: field)
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public var json: JSONValue {
        var o: [String: JSONValue] = ["code": .string(code.rawValue), "message": .string(message)]
        if let field { o["field"] = .string(field) }
        if !details.isEmpty { o["details"] = .array(details.map(\.json)) }
        return .object(o)
    }

    public init?(json: JSONValue) {
        guard let codeText = json["code"]?.stringValue, let code = ErrorCode(rawValue: codeText) else { return nil }
        self.code = code
        self.message = json["message"]?.stringValue ?? ""
        self.field = json["field"]?.stringValue
        self.details = (json["details"]?.arrayValue ?? []).compactMap { d in
            guard let f = d["field"]?.stringValue, let m = d["message"]?.stringValue else { return nil }
            return FieldError(field: f, message: m)
        }
    }
}
