#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random words from the system's random source, drawn many at a time: a bulk import's keys
/// without a system call each. Refilled when used up; the bytes are never reused.
struct RandomPool {
    private var words: [UInt64]
    private var index: Int

    /// `capacity` words per draw from the system.
    init(capacity: Int = 8192) {
        words = [UInt64](repeating: 0, count: max(1, capacity))
        index = words.count
    }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        if index == words.count { refill() }
        defer { index += 1 }
        return words[index]
    }

    /// One read of the kernel's random source for the whole buffer; the standard library's generator,
    /// a word at a time, if that cannot be read.
    private mutating func refill() {
        words.withUnsafeMutableBytes { buffer in
            var filled = 0
            let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
            if fd >= 0 {
                while filled < buffer.count {
                    let n = read(fd, buffer.baseAddress! + filled, buffer.count - filled)
                    if n > 0 { filled += n } else if n < 0 && errno == EINTR { continue } else { break }
                }
                close(fd)
            }
            var g = SystemRandomNumberGenerator()
            filled -= filled % 8
            while filled + 8 <= buffer.count {
                buffer.storeBytes(of: g.next(), toByteOffset: filled, as: UInt64.self)
                filled += 8
            }
        }
        index = 0
    }
}
