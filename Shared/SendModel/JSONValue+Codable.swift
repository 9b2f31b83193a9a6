import Foundation

extension JSONValue {
    /// The JSON value of any Encodable, built directly (no bytes in between).
    public init(encoding value: some Encodable) throws {
        self = try JSONValueEncoder().encode(value)
    }

    /// Decodes a Decodable from this value; a mismatch is `invalid` naming the field's path.
    public func decode<T: Decodable>(_ type: T.Type) throws(ServiceError) -> T {
        do {
            return try JSONValueDecoder().decode(T.self, from: self)
        } catch let error as DecodingError {
            throw ServiceError.invalid([FieldError(decoding: error)])
        } catch {
            throw ServiceError(.invalid, "\(error)")
        }
    }
}

extension FieldError {
    /// The path and reason of a DecodingError, as a field error.
    public init(decoding error: DecodingError) {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let i = key.intValue { out += "[\(i)]" } else { out += out.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return out.isEmpty ? "$" : out
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            self.init(field: path(ctx.codingPath + [key]), message: "is required")
        case .typeMismatch(let type, let ctx):
            self.init(field: path(ctx.codingPath), message: "must be \(type)")
        case .valueNotFound(let type, let ctx):
            self.init(field: path(ctx.codingPath), message: "must be \(type), got null")
        case .dataCorrupted(let ctx):
            self.init(field: path(ctx.codingPath), message: ctx.debugDescription)
        @unknown default:
            self.init(field: "$", message: "\(error)")
        }
    }
}
