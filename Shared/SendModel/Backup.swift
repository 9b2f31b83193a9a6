/// A backup of the stack: one directory holding a copy of every service's database and
/// `manifest.json` (this type), written last. `sendctl backup` makes it, `deploy/stack restore`
/// (`sendctl restore`) checks it and puts it back (docs/PROTOCOL.md, "Backup and restore").
public struct BackupManifest: Codable, Sendable, Hashable {
    /// The manifest format; restore refuses any other.
    public static let currentVersion = 1
    /// The file's name inside the backup's directory.
    public static let fileName = "manifest.json"
    /// The order copies are taken in: every follower before the sources it follows, so no copy's
    /// cursor is ahead of its source's copy.
    public static let order = [ServiceName.notifications, ServiceName.comms, ServiceName.board,
                               ServiceName.findings, ServiceName.supervisor]

    public var v: Int
    /// When `sendctl backup` began: every write acknowledged before this is in the backup.
    public var startedAt: String
    /// When the last copy was taken.
    public var finishedAt: String
    /// The age recipient the copies are encrypted to (`SEND_BACKUP_RECIPIENT`); nil when plain.
    public var recipient: String?
    /// One entry per service, in the order taken (`order`).
    public var services: [BackupCopy]
    /// SHA-256 of manifest.json's own bytes with these 64 hex digits written as zeros: a damaged
    /// manifest is found and named like a damaged copy. Set by `sendctl backup` as it writes the file.
    public var manifestSHA256: String?

    public init(v: Int = BackupManifest.currentVersion, startedAt: String, finishedAt: String,
                recipient: String?, services: [BackupCopy]) {
        self.v = v
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.recipient = recipient
        self.services = services
    }

    enum CodingKeys: String, CodingKey {
        case v, startedAt = "started_at", finishedAt = "finished_at", recipient, services, manifestSHA256 = "manifest_sha256"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(v, forKey: .v)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(finishedAt, forKey: .finishedAt)
        try c.encode(recipient, forKey: .recipient)
        try c.encode(services, forKey: .services)
        try c.encodeIfPresent(manifestSHA256, forKey: .manifestSHA256)
    }

    public func copy(of service: String) -> BackupCopy? { services.first { $0.service == service } }

    /// What makes this set of copies unfit to restore together, in words naming the service and
    /// the file; empty when it is fit. Every service of `order` is there once, in that order, and
    /// every cursor counts in its source's copy (same log identity) and is not ahead of it.
    public func problems() -> [String] {
        var found: [String] = []
        if v != Self.currentVersion { found.append("the manifest is version \(v); this sendctl reads version \(Self.currentVersion)") }
        let names = services.map(\.service)
        for service in Self.order where !names.contains(service) {
            found.append("the backup has no copy of \(service)")
        }
        for service in Set(names) where names.filter({ $0 == service }).count > 1 {
            found.append("the backup has \(names.filter { $0 == service }.count) copies of \(service)")
        }
        for (position, copy) in services.enumerated() {
            for cursor in copy.cursors {
                guard let sourcePosition = services.firstIndex(where: { $0.service == cursor.source }) else {
                    // A source outside the backup (a test service, a removed one): nothing to check it against.
                    continue
                }
                let source = services[sourcePosition]
                if sourcePosition < position {
                    found.append("\(copy.file): \(copy.service) was copied after its source \(source.service); a follower's copy must be taken first")
                }
                if cursor.seq > source.lastSeq {
                    found.append("\(copy.file): \(copy.service)'s cursor for \(source.service) is at \(cursor.seq), ahead of \(source.file)'s last event \(source.lastSeq)")
                }
                if cursor.seq > 0, let incarnation = cursor.incarnation, incarnation != source.incarnation {
                    found.append("\(copy.file): \(copy.service)'s cursor for \(source.service) counts in the log \(incarnation), but \(source.file) is the log \(source.incarnation)")
                }
            }
        }
        return found
    }
}

/// One service's copy in a backup: what restore checks before and after putting it back.
public struct BackupCopy: Codable, Sendable, Hashable {
    public var service: String
    /// The file's name inside the backup's directory: `<service>.sqlite`, or `<service>.sqlite.age` when encrypted.
    public var file: String
    /// SHA-256 (64 lowercase hex digits) of the file as stored: the ciphertext when encrypted.
    public var sha256: String
    /// Its size in bytes, as stored.
    public var bytes: Int64
    /// SHA-256 of the database itself (the plaintext); the same as `sha256` when not encrypted.
    public var databaseSHA256: String
    /// The migrations applied, in order (GRDB's identifiers): the last is the schema version.
    public var migrations: [String]
    /// The log identity of the copied database (`send_identity`).
    public var incarnation: String
    /// The highest event seq in the copy, 0 when none.
    public var lastSeq: Int64
    /// The copy's follower cursors.
    public var cursors: [BackupCursor]
    /// When the copy's snapshot was taken.
    public var takenAt: String

    public init(service: String, file: String, sha256: String, bytes: Int64, databaseSHA256: String,
                migrations: [String], incarnation: String, lastSeq: Int64, cursors: [BackupCursor], takenAt: String) {
        self.service = service
        self.file = file
        self.sha256 = sha256
        self.bytes = bytes
        self.databaseSHA256 = databaseSHA256
        self.migrations = migrations
        self.incarnation = incarnation
        self.lastSeq = lastSeq
        self.cursors = cursors
        self.takenAt = takenAt
    }

    enum CodingKeys: String, CodingKey {
        case service, file, sha256, bytes, databaseSHA256 = "database_sha256", migrations, incarnation,
             lastSeq = "last_seq", cursors, takenAt = "taken_at"
    }

    public static var example: Self {
        .init(service: ServiceName.comms, file: "comms.sqlite", sha256: String(repeating: "ab", count: 32), bytes: 4096,
              databaseSHA256: String(repeating: "ab", count: 32), migrations: ["runtime-v1", "comms-v1"],
              incarnation: "9f86d081884c7d65", lastSeq: 42,
              cursors: [.init(source: ServiceName.board, seq: 17, incarnation: "0123456789abcdef")], takenAt: "2026-12-01T21:00:00.000Z")
    }
}

/// A follower's cursor in a copy: the last seq of `source` it applied, in the log `incarnation`.
public struct BackupCursor: Codable, Sendable, Hashable {
    public var source: String
    public var seq: Int64
    /// nil when the follower had not yet heard the source's identity.
    public var incarnation: String?

    public init(source: String, seq: Int64, incarnation: String?) {
        self.source = source
        self.seq = seq
        self.incarnation = incarnation
    }

    enum CodingKeys: String, CodingKey { case source, seq, incarnation }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(source, forKey: .source)
        try c.encode(seq, forKey: .seq)
        try c.encode(incarnation, forKey: .incarnation)
    }
}
