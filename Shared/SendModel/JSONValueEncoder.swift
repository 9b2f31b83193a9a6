/// Encodes any Encodable straight into a `JSONValue`, with no bytes in between: event payloads
/// are built on the write path, where a round trip through Foundation's encoder and a parse
/// would cost more than the event itself. Keys are the CodingKeys' strings; `nil` optionals are
/// left out unless a type encodes them explicitly (`encodeNil`, or `encode(Optional)`).
public struct JSONValueEncoder: Sendable {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        if let v = value as? JSONValue { return v }
        let encoder = ValueEncoder(codingPath: [])
        try value.encode(to: encoder)
        return encoder.slot?.value ?? .object([:])
    }
}

/// A place a value is written to: done, or an object or array still being filled.
private enum Slot {
    case done(JSONValue)
    case object(ObjectRef)
    case array(ArrayRef)

    var value: JSONValue {
        switch self {
        case .done(let v): v
        case .object(let o): .object(o.fields.mapValues(\.value))
        case .array(let a): .array(a.items.map(\.value))
        }
    }
}

private final class ObjectRef { var fields: [String: Slot] = [:] }
private final class ArrayRef { var items: [Slot] = [] }

private final class ValueEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var slot: Slot?

    init(codingPath: [any CodingKey]) { self.codingPath = codingPath }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let ref: ObjectRef
        if case .object(let existing) = slot { ref = existing } else { ref = ObjectRef(); slot = .object(ref) }
        return KeyedEncodingContainer(KeyedSlotContainer<Key>(ref: ref, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let ref: ArrayRef
        if case .array(let existing) = slot { ref = existing } else { ref = ArrayRef(); slot = .array(ref) }
        return UnkeyedSlotContainer(ref: ref, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleSlotContainer(encoder: self) }

    /// The slot of a nested value: primitives at once, anything else through its own encoder.
    static func slot<T: Encodable>(_ value: T, path: [any CodingKey]) throws -> Slot {
        switch value {
        case let v as JSONValue: return .done(v)
        case let v as String: return .done(.string(v))
        case let v as Bool: return .done(.bool(v))
        case let v as Int: return .done(.int(Int64(v)))
        case let v as Int64: return .done(.int(v))
        case let v as Double: return .done(wholeAsInt(v))
        default:
            let encoder = ValueEncoder(codingPath: path)
            try value.encode(to: encoder)
            return encoder.slot ?? .done(.object([:]))
        }
    }
}

private struct KeyedSlotContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let ref: ObjectRef
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { ref.fields[key.stringValue] = .done(.null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { ref.fields[key.stringValue] = .done(.bool(value)) }
    mutating func encode(_ value: String, forKey key: Key) throws { ref.fields[key.stringValue] = .done(.string(value)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { ref.fields[key.stringValue] = .done(wholeAsInt(value)) }
    mutating func encode(_ value: Float, forKey key: Key) throws { ref.fields[key.stringValue] = .done(wholeAsInt(Double(value))) }
    mutating func encode(_ value: Int, forKey key: Key) throws { ref.fields[key.stringValue] = .done(.int(Int64(value))) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { ref.fields[key.stringValue] = .done(.int(Int64(value))) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { ref.fields[key.stringValue] = .done(.int(Int64(value))) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { ref.fields[key.stringValue] = .done(.int(Int64(value))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { ref.fields[key.stringValue] = .done(.int(value)) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { ref.fields[key.stringValue] = .done(.int(try exact(value, key))) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { ref.fields[key.stringValue] = .done(.int(Int64(value))) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { ref.fields[key.stringValue] = .done(.int(Int64(value))) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { ref.fields[key.stringValue] = .done(.int(Int64(value))) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { ref.fields[key.stringValue] = .done(.int(try exact(value, key))) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        ref.fields[key.stringValue] = try ValueEncoder.slot(value, path: codingPath + [key])
    }

    private func exact(_ value: some BinaryInteger, _ key: Key) throws -> Int64 {
        guard let v = Int64(exactly: value) else {
            throw EncodingError.invalidValue(value, .init(codingPath: codingPath + [key], debugDescription: "is above Int64.max"))
        }
        return v
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let nested = ObjectRef()
        ref.fields[key.stringValue] = .object(nested)
        return KeyedEncodingContainer(KeyedSlotContainer<NestedKey>(ref: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = ArrayRef()
        ref.fields[key.stringValue] = .array(nested)
        return UnkeyedSlotContainer(ref: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { SuperEncoder(ref: ref, key: "super", codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { SuperEncoder(ref: ref, key: key.stringValue, codingPath: codingPath + [key]) }
}

/// An encoder whose value lands in a parent object's field once it is written.
private final class SuperEncoder: Encoder {
    let ref: ObjectRef
    let key: String
    let inner: ValueEncoder
    var codingPath: [any CodingKey] { inner.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(ref: ObjectRef, key: String, codingPath: [any CodingKey]) {
        self.ref = ref
        self.key = key
        self.inner = ValueEncoder(codingPath: codingPath)
    }

    deinit { ref.fields[key] = inner.slot ?? .done(.object([:])) }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let c = inner.container(keyedBy: type)
        ref.fields[key] = inner.slot
        return c
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let c = inner.unkeyedContainer()
        ref.fields[key] = inner.slot
        return c
    }
    func singleValueContainer() -> any SingleValueEncodingContainer { inner.singleValueContainer() }
}

private struct UnkeyedSlotContainer: UnkeyedEncodingContainer {
    let ref: ArrayRef
    let codingPath: [any CodingKey]
    var count: Int { ref.items.count }

    private var nextPath: [any CodingKey] { codingPath + [IndexKey(ref.items.count)] }

    mutating func encodeNil() throws { ref.items.append(.done(.null)) }
    mutating func encode(_ value: Bool) throws { ref.items.append(.done(.bool(value))) }
    mutating func encode(_ value: String) throws { ref.items.append(.done(.string(value))) }
    mutating func encode(_ value: Double) throws { ref.items.append(.done(wholeAsInt(value))) }
    mutating func encode(_ value: Int) throws { ref.items.append(.done(.int(Int64(value)))) }
    mutating func encode(_ value: Int64) throws { ref.items.append(.done(.int(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws { ref.items.append(try ValueEncoder.slot(value, path: nextPath)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = ObjectRef()
        let path = nextPath
        ref.items.append(.object(nested))
        return KeyedEncodingContainer(KeyedSlotContainer<NestedKey>(ref: nested, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = ArrayRef()
        let path = nextPath
        ref.items.append(.array(nested))
        return UnkeyedSlotContainer(ref: nested, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let placeholder = ObjectRef()
        ref.items.append(.object(placeholder))
        let index = ref.items.count - 1
        return IndexedSuperEncoder(array: ref, index: index, codingPath: codingPath + [IndexKey(index)])
    }
}

/// An encoder whose value replaces one element of a parent array once it is written.
private final class IndexedSuperEncoder: Encoder {
    let array: ArrayRef
    let index: Int
    let inner: ValueEncoder
    var codingPath: [any CodingKey] { inner.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(array: ArrayRef, index: Int, codingPath: [any CodingKey]) {
        self.array = array
        self.index = index
        self.inner = ValueEncoder(codingPath: codingPath)
    }

    deinit { array.items[index] = inner.slot ?? .done(.object([:])) }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> { inner.container(keyedBy: type) }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { inner.unkeyedContainer() }
    func singleValueContainer() -> any SingleValueEncodingContainer { inner.singleValueContainer() }
}

private struct SingleSlotContainer: SingleValueEncodingContainer {
    let encoder: ValueEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { encoder.slot = .done(.null) }
    mutating func encode(_ value: Bool) throws { encoder.slot = .done(.bool(value)) }
    mutating func encode(_ value: String) throws { encoder.slot = .done(.string(value)) }
    mutating func encode(_ value: Double) throws { encoder.slot = .done(wholeAsInt(value)) }
    mutating func encode(_ value: Float) throws { encoder.slot = .done(wholeAsInt(Double(value))) }
    mutating func encode(_ value: Int) throws { encoder.slot = .done(.int(Int64(value))) }
    mutating func encode(_ value: Int8) throws { encoder.slot = .done(.int(Int64(value))) }
    mutating func encode(_ value: Int16) throws { encoder.slot = .done(.int(Int64(value))) }
    mutating func encode(_ value: Int32) throws { encoder.slot = .done(.int(Int64(value))) }
    mutating func encode(_ value: Int64) throws { encoder.slot = .done(.int(value)) }
    mutating func encode(_ value: UInt8) throws { encoder.slot = .done(.int(Int64(value))) }
    mutating func encode(_ value: UInt16) throws { encoder.slot = .done(.int(Int64(value))) }
    mutating func encode(_ value: UInt32) throws { encoder.slot = .done(.int(Int64(value))) }
    mutating func encode(_ value: UInt) throws { encoder.slot = .done(.int(try exact(value))) }
    mutating func encode(_ value: UInt64) throws { encoder.slot = .done(.int(try exact(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws { encoder.slot = try ValueEncoder.slot(value, path: codingPath) }

    private func exact(_ value: some BinaryInteger) throws -> Int64 {
        guard let v = Int64(exactly: value) else {
            throw EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "is above Int64.max"))
        }
        return v
    }
}

/// An array index as a coding key, for paths in errors.
struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.intValue = intValue }
}

/// A whole number as an integer, as it reads back from the wire (the serialiser writes `3.0` as `3`).
private func wholeAsInt(_ d: Double) -> JSONValue {
    d.rounded() == d && abs(d) < 1e15 ? .int(Int64(d)) : .double(d)
}
