/// Why a backup or a restore did not happen, in words naming the service, the file or the
/// directory; nothing of the databases' contents. `kind` says what sort of failure it was (sendctl
/// turns it into an exit code).
public struct BackupError: Error, Sendable, CustomStringConvertible {
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Code: String, Sendable, Hashable {
            case usage, unavailable, forbidden, destination, noBackup, damaged, failed
        }
        private let code: Code
        private init(_ code: Code) { self.code = code }

        /// What was asked makes no sense (a relative path, an encrypted backup and no identity).
        public static let usage = Kind(.usage)
        /// A service of the stack is not running (backup).
        public static let unavailable = Kind(.unavailable)
        /// The key presented may not take a backup.
        public static let forbidden = Kind(.forbidden)
        /// Where the backup or the restore would go is not fit: not empty, the stack running on it, not writable.
        public static let destination = Kind(.destination)
        /// No backup there: no manifest, or one that cannot be read.
        public static let noBackup = Kind(.noBackup)
        /// The backup is damaged, incomplete or inconsistent, or cannot be decrypted with the identity given.
        public static let damaged = Kind(.damaged)
        /// Anything else (a service's copy failed, a disk error).
        public static let failed = Kind(.failed)

        public var description: String { code.rawValue }
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
