public import Foundation
public import SendModel
public import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// `sendctl backup`: a copy of every service's database, taken while the stack serves.
///
/// It asks each service for its `backup` in `BackupManifest.order` (followers before their
/// sources) into `OUT/.send-backup-<UTC time>.partial` (0700), checks the set with
/// `BackupManifest.problems()`, writes `manifest.json` (0600) last, flushes it all to disk and
/// renames the directory to `OUT/send-backup-<UTC time>`: a directory of that name is complete.
/// Blocking: call it on a thread of your own (ZeroMQ and file I/O), not on Swift's cooperative pool.
public struct StackBackup: Sendable {
    /// The name every complete backup directory starts with.
    public static let prefix = "send-backup-"

    public struct Outcome: Sendable {
        /// The backup's directory.
        public let path: String
        public let manifest: BackupManifest
        /// Older backups removed by `keep`, oldest first.
        public let pruned: [String]
    }

    public let directories: RuntimeDirectories
    /// The key presented to the services (nil: this process's, see `ClientIdentity`).
    public var identity: CurveKeyPair?
    /// Seconds to wait for each service's copy.
    public var timeout: Double = 600

    public init(directories: RuntimeDirectories, identity: CurveKeyPair? = nil) {
        self.directories = directories
        self.identity = identity
    }

    /// Takes a backup into `out` (made 0700 when missing), encrypted to `recipient` when given,
    /// then keeps only the newest `keep` complete backups there (nil: all).
    public func run(out: String, recipient: String?, keep: Int? = nil, now: Date = Date()) throws(BackupError) -> Outcome {
        guard out.hasPrefix("/") else { throw BackupError(.usage, "the backup directory must be an absolute path; got '\(out)'") }
        if let keep, keep < 1 { throw BackupError(.usage, "--keep must be at least 1 (the new backup is always kept); got \(keep)") }
        let startedAt = Timestamp.now().description
        do {
            try RuntimeDirectories.makeDirectories(out, role: "backup directory")
        } catch {
            throw BackupError(.destination, error.message)
        }
        let stamp = Self.stamp(now)
        let staging = "\(out)/.\(Self.prefix)\(stamp).partial"
        guard mkdir(staging, 0o700) == 0 else {
            throw BackupError(.destination, "cannot make \(staging): \(String(cString: strerror(errno)))")
        }
        chmod(staging, 0o700)
        do {
            var copies: [BackupCopy] = []
            for service in BackupManifest.order {
                copies.append(try copy(service, into: staging, recipient: recipient))
            }
            var manifest = BackupManifest(startedAt: startedAt, finishedAt: Timestamp.now().description,
                                          recipient: recipient, services: copies)
            let problems = manifest.problems()
            if !problems.isEmpty {
                throw BackupError(.failed, "the copies do not fit together; no backup was made:\n  " + problems.joined(separator: "\n  "))
            }
            let bytes = try Self.encode(&manifest)
            let manifestPath = "\(staging)/\(BackupManifest.fileName)"
            let fd = try BackupFiles.create(manifestPath)
            defer { close(fd) }
            let failure: BackupFiles.Failure? = bytes.withUnsafeBytes { buffer -> BackupFiles.Failure? in
                do throws(BackupFiles.Failure) { try BackupFiles.writeAll(fd, buffer, path: manifestPath); return nil } catch { return error }
            }
            if let failure { throw failure }
            try BackupFiles.sync(fd, path: manifestPath)
            try BackupFiles.syncDirectory(staging)
            let final = try finalName(out: out, stamp: stamp)
            guard rename(staging, final) == 0 else {
                throw BackupFiles.Failure("rename the finished backup to", final)
            }
            try BackupFiles.syncDirectory(out)
            let pruned = keep.map { prune(out, keep: $0, sparing: final) } ?? []
            return Outcome(path: final, manifest: manifest, pruned: pruned)
        } catch let error as BackupError {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw BackupError(.failed, "no backup was made: \(error)")
        }
    }

    private func copy(_ service: String, into staging: String, recipient: String?) throws(BackupError) -> BackupCopy {
        let args: JSONValue = recipient.map { ["dir": .string(staging), "recipient": .string($0)] } ?? ["dir": .string(staging)]
        let result: JSONValue
        do {
            let endpoint = try directories.commandEndpoint(service)
            let socket = RuntimeDirectories.socketPath(of: endpoint)
            guard access(socket, F_OK) == 0 else {
                throw ServiceError(.unavailable, "\(service) is not running: no socket at \(socket). "
                    + "Start the stack with `deploy/stack up`, or point --run-dir at its run directory")
            }
            let client = try ServiceClient(service: service, directories: directories, identity: identity)
            defer { client.close() }
            // One attempt: the copy is not a stored write, a retry would take a second one.
            result = try client.call("backup", args, timeout: timeout, attempts: 1)
        } catch let error as ServiceError {
            let words = "\(service): \(error.message); no backup was made"
            switch error.code {
            case .unavailable: throw BackupError(.unavailable, words)
            case .forbidden: throw BackupError(.forbidden, words)
            case .badRequest, .invalid: throw BackupError(.usage, words)
            default: throw BackupError(.failed, words)
            }
        } catch {
            throw BackupError(.failed, "\(service): \(error); no backup was made")
        }
        do {
            let copy = try result.decode(BackupCopy.self)
            var st = stat()
            guard copy.service == service, stat("\(staging)/\(copy.file)", &st) == 0, Int64(st.st_size) == copy.bytes else {
                throw BackupError(.failed, "\(service)'s copy \(copy.file) is not where it said or not the size it said; no backup was made")
            }
            return copy
        } catch let error as BackupError {
            throw error
        } catch {
            throw BackupError(.failed, "\(service)'s answer to backup is not a copy: \(error); no backup was made")
        }
    }

    /// `send-backup-<stamp>`, or with `-2`, `-3`… when a backup of the same second exists.
    private func finalName(out: String, stamp: String) throws(BackupFiles.Failure) -> String {
        for n in 1...99 {
            let path = "\(out)/\(Self.prefix)\(stamp)" + (n == 1 ? "" : "-\(n)")
            if access(path, F_OK) != 0 { return path }
        }
        throw BackupFiles.Failure(message: "too many backups in \(out) for the second \(stamp)")
    }

    /// Removes the complete backups in `out` but the newest `keep` (never `sparing`); their paths.
    private func prune(_ out: String, keep: Int, sparing: String) -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter(Self.isBackupName)
        let newestFirst = names.sorted { Self.sortKey($0) > Self.sortKey($1) }
        var removed: [String] = []
        for name in newestFirst.dropFirst(keep) where "\(out)/\(name)" != sparing {
            if (try? FileManager.default.removeItem(atPath: "\(out)/\(name)")) != nil { removed.append("\(out)/\(name)") }
        }
        return removed.reversed()
    }

    /// `send-backup-yyyyMMddTHHmmssZ`, optionally `-N`.
    static func isBackupName(_ name: String) -> Bool {
        guard name.hasPrefix(prefix) else { return false }
        let rest = name.dropFirst(prefix.count)
        let stamp = rest.prefix(16)
        let shape = Array(stamp)
        guard shape.count == 16, shape[8] == "T", shape[15] == "Z",
              shape[0..<8].allSatisfy(\.isNumber), shape[9..<15].allSatisfy(\.isNumber) else { return false }
        let suffix = rest.dropFirst(16)
        return suffix.isEmpty || (suffix.hasPrefix("-") && suffix.count > 1 && suffix.dropFirst().allSatisfy(\.isNumber))
    }

    private static func sortKey(_ name: String) -> (String, Int) {
        let rest = name.dropFirst(prefix.count)
        return (String(rest.prefix(16)), Int(rest.dropFirst(17)) ?? 1)
    }

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC.
    public static func stamp(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    // MARK: manifest.json

    static let zeros = String(repeating: "0", count: 64)

    /// manifest.json's bytes, with its own checksum filled in (and set on `manifest`).
    static func encode(_ manifest: inout BackupManifest) throws -> [UInt8] {
        manifest.manifestSHA256 = zeros
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var bytes = Array(try encoder.encode(manifest)) + [UInt8(ascii: "\n")]
        guard let range = checksumRange(bytes) else { throw BackupFiles.Failure(message: "the manifest has no checksum field") }
        let sum = bytes.withUnsafeBytes { BackupFiles.sha256($0) }
        bytes.replaceSubrange(range, with: Array(sum.utf8))
        manifest.manifestSHA256 = sum
        return bytes
    }

    /// Where the 64 hex digits of `manifest_sha256` are in the file's bytes.
    static func checksumRange(_ bytes: [UInt8]) -> Range<Int>? {
        let key = Array("\"manifest_sha256\"".utf8)
        guard bytes.count > key.count else { return nil }
        var i = 0
        while i + key.count <= bytes.count {
            if bytes[i] == key[0] && Array(bytes[i..<(i + key.count)]) == key { break }
            i += 1
        }
        guard i + key.count <= bytes.count else { return nil }
        var j = i + key.count
        while j < bytes.count && bytes[j] != UInt8(ascii: "\"") { j += 1 }
        let start = j + 1
        guard start + 64 <= bytes.count else { return nil }
        return start..<(start + 64)
    }

    /// Whether manifest.json's bytes are the ones `sendctl backup` wrote: its checksum matches.
    static func checksumMatches(_ bytes: [UInt8]) -> Bool {
        guard let range = checksumRange(bytes) else { return false }
        let stated = String(decoding: bytes[range], as: UTF8.self)
        var blanked = bytes
        blanked.replaceSubrange(range, with: Array(zeros.utf8))
        return blanked.withUnsafeBytes { BackupFiles.sha256($0) } == stated
    }
}
