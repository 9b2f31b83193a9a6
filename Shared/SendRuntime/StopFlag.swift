import Foundation

/// A flag one thread sets and others poll. `@unchecked Sendable`: guarded by `lock`.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    public init() {}

    public var isSet: Bool { lock.withLock { value } }

    public func set() { lock.withLock { value = true } }
}
