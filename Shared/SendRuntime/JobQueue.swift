import Foundation

/// A FIFO of jobs handed from any thread to one worker thread, which takes them in batches.
///
/// `@unchecked Sendable`: every access to `items` and `closed` holds `condition`.
final class JobQueue<Job>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Job] = []
    private var closed = false

    /// Adds a job; false once the queue is closed (the job is not taken).
    @discardableResult
    func submit(_ job: Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if closed { return false }
        items.append(job)
        condition.signal()
        return true
    }

    /// Waits for at least one job and takes up to `max`; nil once closed and empty.
    func take(max: Int) -> [Job]? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        if items.isEmpty { return nil }
        if items.count <= max {
            let batch = items
            items.removeAll(keepingCapacity: true)
            return batch
        }
        let batch = Array(items.prefix(max))
        items.removeFirst(max)
        return batch
    }

    /// Takes up to `max` jobs without waiting (possibly none).
    func takeNow(max: Int) -> [Job] {
        condition.lock()
        defer { condition.unlock() }
        if items.isEmpty { return [] }
        let n = Swift.min(max, items.count)
        let batch = Array(items.prefix(n))
        items.removeFirst(n)
        return batch
    }

    /// Refuses new jobs; the worker still takes those already queued.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count
    }
}

/// A one-shot result handed from the worker thread back to a waiting thread.
/// `@unchecked Sendable`: `value` is guarded by `condition`.
final class Completion<Value: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Value?

    func fulfil(_ v: Value) {
        condition.lock()
        value = v
        condition.broadcast()
        condition.unlock()
    }

    /// True once fulfilled.
    var isDone: Bool {
        condition.lock()
        defer { condition.unlock() }
        return value != nil
    }

    func wait() -> Value {
        condition.lock()
        defer { condition.unlock() }
        while value == nil { condition.wait() }
        return value!
    }
}

/// Starts a named thread (not on Swift's cooperative pool: blocking ZeroMQ and SQLite calls live here).
/// The returned `Completion` is fulfilled when the body returns, so callers can join it.
@discardableResult
func startThread(_ name: String, _ body: @escaping @Sendable () -> Void) -> Completion<Bool> {
    let done = Completion<Bool>()
    let thread = Thread {
        setKernelThreadName(name)
        body()
        done.fulfil(true)
    }
    thread.name = name
    thread.stackSize = 4 << 20
    thread.start()
    return done
}

/// Gives the calling thread `name` (its first 15 bytes) in the kernel, so `top -H` and
/// /proc/<pid>/task/*/comm tell the threads apart: Foundation's `Thread.name` does not reach the
/// kernel here, and `pthread_setname_np` is not imported, so it is written to /proc/thread-self/comm.
func setKernelThreadName(_ name: String) {
    let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    defer { close(fd) }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}
